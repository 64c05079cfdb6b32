//! DynamoDB tables not encrypted with a customer-managed KMS key.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{is_true_or_unknown, Infra};

/// The audit.
pub struct DynamodbCustomerManagedKey;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "dynamodb-customer-managed-key",
    title: "DynamoDB table without a customer-managed key",
    input: "terraform, cloudformation",
    severity: Severity::Medium,
    confidence: Confidence::High,
    what: "Finds DynamoDB tables whose `server_side_encryption` is missing or disabled (an AWS-owned key) or has no `kms_key_arn` (the AWS-managed key); CloudFormation: `SSESpecification` with `SSEEnabled: true` and a `KMSMasterKeyId`.",
    why: "With an AWS-owned or AWS-managed key you cannot restrict who may decrypt the data with a key policy, audit key use, or revoke access by disabling the key.",
    example: "resource \"aws_dynamodb_table\" \"t\" { name = \"t\"\n  hash_key = \"id\" }",
    fix: "Add `server_side_encryption { enabled = true\n  kms_key_arn = aws_kms_key.t.arn }` (CloudFormation: `SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref Key}`).",
};

impl Audit for DynamodbCustomerManagedKey {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for t in i.of_type(&["aws_dynamodb_table", "AWS::DynamoDB::Table"]) {
            let (block, path, enabled, key) = match t.attr("server_side_encryption") {
                Some(b) => (
                    Some(b),
                    "server_side_encryption",
                    is_true_or_unknown(b.get("enabled")),
                    b.get("kms_key_arn").is_some(),
                ),
                None => match t.attr("SSESpecification") {
                    Some(b) => (
                        Some(b),
                        "Properties.SSESpecification",
                        is_true_or_unknown(b.get("SSEEnabled")),
                        b.get("KMSMasterKeyId").is_some(),
                    ),
                    None => (None, "", false, false),
                },
            };
            if enabled && key {
                continue;
            }
            let (loc, what, sev) = match block {
                Some(b) if enabled => (
                    t.loc_of(b, path),
                    "the AWS-managed key (no customer key is named)",
                    Severity::Low,
                ),
                Some(b) => (
                    t.loc_of(b, path),
                    "an AWS-owned key (encryption is not enabled)",
                    Severity::Medium,
                ),
                None => (
                    t.loc(),
                    "an AWS-owned key (no server-side encryption is configured)",
                    Severity::Medium,
                ),
            };
            out.push(
                FindingBuilder::new(&DOC)
                    .severity(sev)
                    .message(format!("table `{}` is encrypted with {what}", t.logical))
                    .location(loc)
                    .build(),
            );
        }
    }
}
