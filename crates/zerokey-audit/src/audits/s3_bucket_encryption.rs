//! S3 buckets without a default-encryption configuration.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{buckets, Infra};

/// The audit.
pub struct S3BucketEncryption;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "s3-bucket-encryption",
    title: "S3 bucket without a default-encryption configuration",
    input: "terraform, cloudformation",
    severity: Severity::Medium,
    confidence: Confidence::High,
    what: "Finds S3 buckets with no `server_side_encryption_configuration` (inline, or an `aws_s3_bucket_server_side_encryption_configuration` whose `bucket` refers to the bucket) in Terraform, or no `BucketEncryption` in CloudFormation.",
    why: "Without an explicit configuration the bucket gets only the S3-managed default key: no key policy, no CloudTrail record of key use, no way to revoke access by disabling the key.",
    example: "resource \"aws_s3_bucket\" \"data\" { bucket = \"data\" }",
    fix: "Add `aws_s3_bucket_server_side_encryption_configuration` with `sse_algorithm = \"aws:kms\"` and a customer-managed `kms_master_key_id` (CloudFormation: `BucketEncryption`).",
};

impl Audit for S3BucketEncryption {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for b in buckets(i) {
            let ok = b.attr("server_side_encryption_configuration").is_some()
                || b.attr("BucketEncryption").is_some()
                || !i
                    .linked(
                        "aws_s3_bucket_server_side_encryption_configuration",
                        "bucket",
                        b,
                    )
                    .is_empty();
            if !ok {
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!(
                            "bucket `{}` has no default-encryption configuration",
                            b.logical
                        ))
                        .location(b.loc())
                        .build(),
                );
            }
        }
    }
}
