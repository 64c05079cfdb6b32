//! S3 buckets without a lifecycle configuration.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{buckets, Infra};

/// The audit.
pub struct S3BucketLifecycle;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "s3-bucket-lifecycle",
    title: "S3 bucket without a lifecycle configuration",
    input: "terraform, cloudformation",
    severity: Severity::Low,
    confidence: Confidence::High,
    what: "Finds S3 buckets with no inline `lifecycle_rule` and no `aws_s3_bucket_lifecycle_configuration` referring to them (CloudFormation: no `LifecycleConfiguration`).",
    why: "Without expiry, old object versions, incomplete multipart uploads and stale data (including accidentally uploaded secrets) are kept forever.",
    example: "resource \"aws_s3_bucket\" \"logs\" { bucket = \"logs\" }",
    fix: "Add `aws_s3_bucket_lifecycle_configuration` expiring noncurrent versions and aborting incomplete multipart uploads.",
};

impl Audit for S3BucketLifecycle {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for b in buckets(i) {
            let ok = b.attr("lifecycle_rule").is_some()
                || b.attr("LifecycleConfiguration").is_some()
                || !i
                    .linked("aws_s3_bucket_lifecycle_configuration", "bucket", b)
                    .is_empty();
            if !ok {
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!(
                            "bucket `{}` has no lifecycle configuration",
                            b.logical
                        ))
                        .location(b.loc())
                        .build(),
                );
            }
        }
    }
}
