//! API Gateway CORS allowing any origin, worse with credentials allowed.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{is_true, Infra, Resource};
use crate::node::Node;

/// The audit.
pub struct ApiGatewayCorsWildcard;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "api-gateway-cors-wildcard",
    title: "API Gateway CORS allows any origin",
    input: "terraform, cloudformation",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Finds HTTP APIs whose `cors_configuration.allow_origins` (CloudFormation `CorsConfiguration.AllowOrigins`) contains `*`, SAM APIs with `Cors: \"'*'\"`, and REST integration or method responses that set `Access-Control-Allow-Origin` to `'*'`. Medium; high when credentials are allowed too.",
    why: "Any web page can call the API from a visitor's browser; with credentials allowed the browser sends the visitor's cookies or authorisation, so any site can act as the user.",
    example: "cors_configuration { allow_origins = [\"*\"]\n  allow_credentials = true }",
    fix: "List the exact origins that need the API, and allow credentials only for those.",
};

fn push(r: &Resource, n: &Node, path: &str, creds: bool, out: &mut Vec<AuditFinding>) {
    let (sev, extra) = if creds {
        (Severity::High, " with credentials allowed")
    } else {
        (Severity::Medium, "")
    };
    out.push(
        FindingBuilder::new(&DOC)
            .severity(sev)
            .message(format!(
                "`{}` allows CORS from any origin{extra}",
                r.logical
            ))
            .location(r.loc_of(n, path))
            .key(path)
            .build(),
    );
}

fn star(n: &Node) -> Option<&Node> {
    n.items()
        .into_iter()
        .find(|v| matches!(v.as_str().map(|s| s.trim_matches('\'')), Some("*")))
}

impl Audit for ApiGatewayCorsWildcard {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for r in &i.resources {
            match r.rtype.as_str() {
                "aws_apigatewayv2_api" => {
                    if let Some(c) = r.attr("cors_configuration") {
                        if let Some(s) = c.get("allow_origins").and_then(star) {
                            push(
                                r,
                                s,
                                "cors_configuration.allow_origins",
                                is_true(c.get("allow_credentials")),
                                out,
                            );
                        }
                    }
                }
                "AWS::ApiGatewayV2::Api" => {
                    if let Some(c) = r.attr("CorsConfiguration") {
                        if let Some(s) = c.get("AllowOrigins").and_then(star) {
                            push(
                                r,
                                s,
                                "Properties.CorsConfiguration.AllowOrigins",
                                is_true(c.get("AllowCredentials")),
                                out,
                            );
                        }
                    }
                }
                "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => {
                    if let Some(c) = r.attr("Cors").or_else(|| r.attr("CorsConfiguration")) {
                        let origin = if c.is_map() {
                            c.get("AllowOrigin")
                                .or_else(|| c.get("AllowOrigins"))
                                .and_then(star)
                        } else {
                            star(c)
                        };
                        if let Some(s) = origin {
                            push(
                                r,
                                s,
                                "Properties.Cors",
                                is_true(c.get("AllowCredentials")),
                                out,
                            );
                        }
                    }
                }
                "aws_api_gateway_integration_response" | "aws_api_gateway_method_response" => {
                    if let Some(p) = r.attr("response_parameters") {
                        for e in p.entries() {
                            if e.key.eq_ignore_ascii_case(
                                "method.response.header.Access-Control-Allow-Origin",
                            ) && star(&e.value).is_some()
                            {
                                let creds = p.entries().iter().any(|c| {
                                    c.key.eq_ignore_ascii_case(
                                        "method.response.header.Access-Control-Allow-Credentials",
                                    ) && c
                                        .value
                                        .as_str()
                                        .is_some_and(|v| v.trim_matches('\'') == "true")
                                });
                                push(r, &e.value, "response_parameters", creds, out);
                            }
                        }
                    }
                }
                "AWS::ApiGateway::Method" => {
                    let Some(ir) = r
                        .attr("Integration")
                        .and_then(|x| x.get("IntegrationResponses"))
                    else {
                        continue;
                    };
                    for (k, resp) in ir.items().into_iter().enumerate() {
                        let Some(p) = resp.get("ResponseParameters") else {
                            continue;
                        };
                        for e in p.entries() {
                            if e.key.eq_ignore_ascii_case(
                                "method.response.header.Access-Control-Allow-Origin",
                            ) && star(&e.value).is_some()
                            {
                                let creds = p.entries().iter().any(|c| {
                                    c.key.eq_ignore_ascii_case(
                                        "method.response.header.Access-Control-Allow-Credentials",
                                    ) && c
                                        .value
                                        .as_str()
                                        .is_some_and(|v| v.trim_matches('\'') == "true")
                                });
                                push(r, &e.value, &format!("Properties.Integration.IntegrationResponses[{k}].ResponseParameters"), creds, out);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
