//! S3 buckets without versioning enabled.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{buckets, is_true_or_unknown, is_unknown, Infra};

/// The audit.
pub struct S3BucketVersioning;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "s3-bucket-versioning",
    title: "S3 bucket without versioning",
    input: "terraform, cloudformation",
    severity: Severity::Medium,
    confidence: Confidence::High,
    what: "Finds S3 buckets with no `versioning { enabled = true }` and no `aws_s3_bucket_versioning` (referring to the bucket) whose `versioning_configuration.status` is `Enabled`; CloudFormation: `VersioningConfiguration.Status: Enabled`. A versioning resource with another status is reported on that status.",
    why: "Without versions an overwrite or delete (a leaked key, ransomware, a bad deploy) cannot be undone.",
    example: "resource \"aws_s3_bucket_versioning\" \"data\" { bucket = aws_s3_bucket.data.id\n  versioning_configuration { status = \"Suspended\" } }",
    fix: "Add `aws_s3_bucket_versioning` with `status = \"Enabled\"` (CloudFormation: `VersioningConfiguration: {Status: Enabled}`).",
};

impl Audit for S3BucketVersioning {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for b in buckets(i) {
            if is_true_or_unknown(b.attr("versioning").and_then(|v| v.get("enabled"))) {
                continue;
            }
            let cfn = b
                .attr("VersioningConfiguration")
                .and_then(|v| v.get("Status"));
            if cfn.is_some_and(|s| s.as_str() == Some("Enabled") || is_unknown(s)) {
                continue;
            }
            let linked = i.linked("aws_s3_bucket_versioning", "bucket", b);
            let status = linked.iter().find_map(|r| {
                r.attr("versioning_configuration")
                    .and_then(|v| v.get("status"))
                    .map(|s| (r, s))
            });
            if status.is_some_and(|(_, s)| s.as_str() == Some("Enabled") || is_unknown(s)) {
                continue;
            }
            let (loc, why) = match (status, cfn) {
                (Some((r, s)), _) => (
                    r.loc_of(s, "versioning_configuration.status"),
                    format!("is `{}`", s.as_str().unwrap_or("?")),
                ),
                (None, Some(s)) => (
                    b.loc_of(s, "Properties.VersioningConfiguration.Status"),
                    format!("is `{}`", s.as_str().unwrap_or("?")),
                ),
                (None, None) => (b.loc(), "is not enabled".to_string()),
            };
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!("versioning of bucket `{}` {why}", b.logical))
                    .location(loc)
                    .build(),
            );
        }
    }
}
