//! API Gateway stages without throttling.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{Infra, Resource};
use crate::node::Node;

/// The audit.
pub struct ApiGatewayThrottling;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "api-gateway-throttling",
    title: "API Gateway stage without throttling",
    input: "terraform, cloudformation",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    what: "Finds API Gateway stages with no rate or burst limit: REST stages (`aws_api_gateway_stage`) with no `aws_api_gateway_method_settings` for the stage setting `throttling_rate_limit`/`throttling_burst_limit` and no usage plan with `throttle_settings` naming the stage; HTTP stages (`aws_apigatewayv2_stage`) without `default_route_settings` limits; CloudFormation `MethodSettings`, `DefaultRouteSettings` and `AWS::ApiGateway::UsagePlan` `Throttle` alike. A limit of -1 counts as none.",
    why: "Without a limit one client (or a leaked API key) can run up the bill of every backend behind the API and starve other callers; account-level limits are shared by every API in the region.",
    example: "resource \"aws_apigatewayv2_stage\" \"prod\" { api_id = aws_apigatewayv2_api.a.id\n  name = \"prod\" }",
    fix: "Set `throttling_rate_limit` and `throttling_burst_limit` for the stage (method settings `*/*`, default route settings or a usage plan).",
};

fn limited(n: Option<&Node>, keys: &[&str]) -> bool {
    n.is_some_and(|n| {
        keys.iter().any(|k| {
            n.get(k)
                .and_then(Node::as_str)
                .is_some_and(|v| v.parse::<f64>().map_or(true, |x| x >= 0.0))
        })
    })
}

const TF_KEYS: &[&str] = &["throttling_rate_limit", "throttling_burst_limit"];
const CFN_KEYS: &[&str] = &["ThrottlingRateLimit", "ThrottlingBurstLimit"];

fn usage_plan_covers(i: &Infra, stage: &Resource) -> bool {
    i.resources.iter().any(|u| match u.rtype.as_str() {
        "aws_api_gateway_usage_plan" => {
            limited(u.attr("throttle_settings"), &["rate_limit", "burst_limit"])
                && u.props.get_all("api_stages").any(|s| {
                    s.get("stage")
                        .is_some_and(|n| Resource::refers_to(n, stage))
                })
        }
        "AWS::ApiGateway::UsagePlan" => {
            limited(u.attr("Throttle"), &["RateLimit", "BurstLimit"])
                && u.attr("ApiStages").is_some_and(|a| {
                    a.items().into_iter().any(|s| {
                        s.get("Stage")
                            .is_some_and(|n| Resource::refers_to(n, stage))
                    })
                })
        }
        _ => false,
    })
}

impl Audit for ApiGatewayThrottling {
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
            let ok = match s.rtype.as_str() {
                "aws_api_gateway_stage" => i
                    .linked("aws_api_gateway_method_settings", "stage_name", s)
                    .iter()
                    .any(|m| limited(m.attr("settings"), TF_KEYS)),
                "aws_apigatewayv2_stage" => limited(s.attr("default_route_settings"), TF_KEYS),
                "AWS::ApiGateway::Stage" => s
                    .attr("MethodSettings")
                    .is_some_and(|m| m.items().into_iter().any(|x| limited(Some(x), CFN_KEYS))),
                _ => limited(s.attr("DefaultRouteSettings"), CFN_KEYS),
            } || usage_plan_covers(i, s);
            if !ok {
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!("stage `{}` has no rate or burst limit", s.logical))
                        .location(s.loc())
                        .build(),
                );
            }
        }
    }
}
