//! API Gateway stages without access logging.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::Infra;

/// The audit.
pub struct ApiGatewayAccessLogs;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "api-gateway-access-logs",
    title: "API Gateway stage without access logs",
    input: "terraform, cloudformation",
    severity: Severity::Medium,
    confidence: Confidence::High,
    what: "Finds REST and HTTP API stages with no `access_log_settings { destination_arn }` (CloudFormation: `AccessLogSetting.DestinationArn` on `AWS::ApiGateway::Stage`, `AccessLogSettings.DestinationArn` on `AWS::ApiGatewayV2::Stage`).",
    why: "Without access logs there is no record of who called the API, from where, with which key: an abused or leaked credential cannot be traced.",
    example: "resource \"aws_api_gateway_stage\" \"prod\" { stage_name = \"prod\" }",
    fix: "Add `access_log_settings { destination_arn = aws_cloudwatch_log_group.api.arn\n  format = jsonencode({...}) }`.",
};

impl Audit for ApiGatewayAccessLogs {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for s in i.of_type(&[
            "aws_api_gateway_stage",
            "aws_apigatewayv2_stage",
            "AWS::ApiGateway::Stage",
            "AWS::ApiGatewayV2::Stage",
        ]) {
            let settings = s
                .attr("access_log_settings")
                .or_else(|| s.attr("AccessLogSetting"))
                .or_else(|| s.attr("AccessLogSettings"));
            let ok = settings.is_some_and(|b| {
                b.get("destination_arn")
                    .or_else(|| b.get("DestinationArn"))
                    .is_some()
            });
            if !ok {
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!("stage `{}` writes no access logs", s.logical))
                        .location(s.loc())
                        .build(),
                );
            }
        }
    }
}
