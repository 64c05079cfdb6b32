//! Lambda functions without reserved concurrency.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::Infra;

/// The audit.
pub struct LambdaReservedConcurrency;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "lambda-reserved-concurrency",
    title: "Lambda function without reserved concurrency",
    input: "terraform, cloudformation",
    severity: Severity::Low,
    confidence: Confidence::High,
    what: "Finds Lambda functions with no `reserved_concurrent_executions` (or -1); CloudFormation and SAM: no `ReservedConcurrentExecutions`.",
    why: "Without a cap a flood of events (or abuse of a public trigger) scales the function up to the account's whole concurrency, throttling every other function and running up the bill.",
    example: "resource \"aws_lambda_function\" \"api\" { function_name = \"api\" }",
    fix: "Set `reserved_concurrent_executions` to the most the function should ever run at once.",
};

impl Audit for LambdaReservedConcurrency {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for f in i.of_type(&[
            "aws_lambda_function",
            "AWS::Lambda::Function",
            "AWS::Serverless::Function",
        ]) {
            let v = match f.attr("reserved_concurrent_executions") {
                Some(n) => Some((n, "reserved_concurrent_executions")),
                None => f
                    .attr("ReservedConcurrentExecutions")
                    .map(|n| (n, "Properties.ReservedConcurrentExecutions")),
            };
            let (loc, state) = match v {
                Some((n, _)) if crate::models::infra::text(n) != "-1" => continue,
                Some((n, path)) => (f.loc_of(n, path), "is -1 (unreserved)"),
                None => (f.loc(), "is not set"),
            };
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!("reserved concurrency of `{}` {state}", f.logical))
                    .location(loc)
                    .build(),
            );
        }
    }
}
