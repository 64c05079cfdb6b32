//! Lambda functions with neither a dead-letter queue nor an on-failure destination.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{Infra, Resource};

/// The audit.
pub struct LambdaDeadLetterQueue;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "lambda-dead-letter-queue",
    title: "Lambda function without a dead-letter queue or on-failure destination",
    input: "terraform, cloudformation",
    severity: Severity::Low,
    confidence: Confidence::Medium,
    what: "Finds Lambda functions with no `dead_letter_config { target_arn }` and no `aws_lambda_function_event_invoke_config` for the function with `destination_config.on_failure` (CloudFormation: `DeadLetterConfig.TargetArn`, or an `AWS::Lambda::EventInvokeConfig` with `DestinationConfig.OnFailure`; SAM: `DeadLetterQueue` or `EventInvokeConfig`).",
    why: "Asynchronous events that fail every retry are dropped silently: lost work, and no trace of an attack that makes the function fail.",
    example: "resource \"aws_lambda_function\" \"worker\" { function_name = \"worker\" }",
    fix: "Add `dead_letter_config { target_arn = aws_sqs_queue.dlq.arn }` or an event-invoke config with an on-failure destination.",
};

fn has_destination(i: &Infra, f: &Resource) -> bool {
    i.linked(
        "aws_lambda_function_event_invoke_config",
        "function_name",
        f,
    )
    .iter()
    .any(|c| {
        c.attr("destination_config")
            .and_then(|d| d.get("on_failure"))
            .is_some_and(|o| o.get("destination").is_some())
    }) || i
        .linked("AWS::Lambda::EventInvokeConfig", "FunctionName", f)
        .iter()
        .any(|c| {
            c.attr("DestinationConfig")
                .and_then(|d| d.get("OnFailure"))
                .is_some_and(|o| o.get("Destination").is_some())
        })
}

impl Audit for LambdaDeadLetterQueue {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for f in i.of_type(&[
            "aws_lambda_function",
            "AWS::Lambda::Function",
            "AWS::Serverless::Function",
        ]) {
            let dlq = f
                .attr("dead_letter_config")
                .and_then(|d| d.get("target_arn"))
                .or_else(|| f.attr("DeadLetterConfig").and_then(|d| d.get("TargetArn")))
                .or_else(|| f.attr("DeadLetterQueue"))
                .is_some();
            let sam = f
                .attr("EventInvokeConfig")
                .and_then(|e| e.get("DestinationConfig"))
                .and_then(|d| d.get("OnFailure"))
                .is_some();
            if dlq || sam || has_destination(i, f) {
                continue;
            }
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "`{}` has no dead-letter queue and no on-failure destination",
                        f.logical
                    ))
                    .location(f.loc())
                    .build(),
            );
        }
    }
}
