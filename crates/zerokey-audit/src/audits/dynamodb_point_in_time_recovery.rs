//! DynamoDB tables without point-in-time recovery.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{is_true_or_unknown, Infra};

/// The audit.
pub struct DynamodbPointInTimeRecovery;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "dynamodb-point-in-time-recovery",
    title: "DynamoDB table without point-in-time recovery",
    input: "terraform, cloudformation",
    severity: Severity::Medium,
    confidence: Confidence::High,
    what: "Finds DynamoDB tables without `point_in_time_recovery { enabled = true }` (CloudFormation: `PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true`).",
    why: "Without it, a bad write or a delete by a leaked credential cannot be rolled back to a second within the last 35 days.",
    example: "point_in_time_recovery { enabled = false }",
    fix: "Set `point_in_time_recovery { enabled = true }`.",
};

impl Audit for DynamodbPointInTimeRecovery {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for t in i.of_type(&["aws_dynamodb_table", "AWS::DynamoDB::Table"]) {
            let tf = t
                .attr("point_in_time_recovery")
                .map(|b| (b.get("enabled"), b, "point_in_time_recovery.enabled"));
            let cfn = t.attr("PointInTimeRecoverySpecification").map(|b| {
                (
                    b.get("PointInTimeRecoveryEnabled"),
                    b,
                    "Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
                )
            });
            let (loc, state) = match tf.or(cfn) {
                Some((v, _, _)) if is_true_or_unknown(v) => continue,
                Some((Some(v), _, path)) => (t.loc_of(v, path), "is disabled"),
                Some((None, b, path)) => (t.loc_of(b, path), "is not enabled"),
                None => (t.loc(), "is not configured"),
            };
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "point-in-time recovery of table `{}` {state}",
                        t.logical
                    ))
                    .location(loc)
                    .build(),
            );
        }
    }
}
