//! Secrets written into Lambda environment variables, found with the scanner engine.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::Infra;
use crate::node::Kind;

/// The audit.
pub struct LambdaSecretInEnvironment;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "lambda-secret-in-environment",
    title: "secret in a Lambda environment variable",
    input: "terraform, cloudformation",
    severity: Severity::Critical,
    confidence: Confidence::High,
    what: "Runs zerokey's scanner rules (the same engine and filters as `zerokey scan`) over each literal value of a Lambda function's `environment { variables }` (CloudFormation and SAM: `Environment.Variables`), as `NAME=value` so rules that need the variable name apply. References (`var.x`, `!Ref`) are not values and are skipped. The message names the variable and rule, never the secret.",
    why: "The value is stored in the template, the state file, the deployment package history and `lambda:GetFunctionConfiguration` output, readable by anyone with read access to any of them.",
    example: "environment { variables = { STRIPE_KEY = \"sk_live_…\" } }",
    fix: "Store the secret in Secrets Manager or SSM Parameter Store and read it at start-up (pass only its name or ARN in the environment); rotate the exposed one.",
};

impl Audit for LambdaSecretInEnvironment {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for f in i.of_type(&[
            "aws_lambda_function",
            "AWS::Lambda::Function",
            "AWS::Serverless::Function",
        ]) {
            let (vars, path) = match f.attr("environment").and_then(|e| e.get("variables")) {
                Some(v) => (v, "environment.variables"),
                None => match f.attr("Environment").and_then(|e| e.get("Variables")) {
                    Some(v) => (v, "Properties.Environment.Variables"),
                    None => continue,
                },
            };
            for e in vars.entries() {
                let Kind::Str(value) = &e.value.kind else {
                    continue;
                };
                if value.contains("${") {
                    continue;
                }
                let hay = format!("{}={value}", e.key);
                let start = e.key.len() + 1;
                let hit = i.scanner.scan(hay.as_bytes()).into_iter().find(|m| {
                    m.end > start
                        && !m.allowlisted
                        && zerokey_core::filters::placeholder_reason(
                            &hay.as_bytes()[m.start..m.end],
                        )
                        .is_none()
                });
                let Some(m) = hit else { continue };
                let rule = i.scanner.rule(m.rule);
                out.push(
                    FindingBuilder::new(&DOC)
                        .confidence(m.confidence)
                        .message(format!(
                            "environment variable `{}` of `{}` holds a secret ({}: {})",
                            e.key,
                            f.logical,
                            rule.id,
                            zerokey_core::redact(&hay.as_bytes()[m.start..m.end])
                        ))
                        .location(f.loc_of(&e.value, &format!("{path}.{}", e.key)))
                        .key(e.key.clone())
                        .build(),
                );
            }
        }
    }
}
