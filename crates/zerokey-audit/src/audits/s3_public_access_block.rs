//! S3 buckets without a public-access block, or with one of its four flags off (each flag
//! reported by name, on the block that sets it).

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{buckets, is_true_or_unknown, Format, Infra};

/// The audit.
pub struct S3PublicAccessBlock;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "s3-public-access-block",
    title: "S3 bucket public-access block missing or incomplete",
    input: "terraform, cloudformation",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "For each S3 bucket, looks for an `aws_s3_bucket_public_access_block` whose `bucket` refers to it (CloudFormation: `PublicAccessBlockConfiguration`) and checks each of `block_public_acls`, `block_public_policy`, `ignore_public_acls` and `restrict_public_buckets` (`BlockPublicAcls`, `BlockPublicPolicy`, `IgnorePublicAcls`, `RestrictPublicBuckets`). Without a bucket block, an `aws_s3_account_public_access_block` in the same module is used instead. A flag that is false or unset in a block is one finding per flag, on the block (high). A bucket with no block at all is one low finding on the bucket: S3 has turned all four flags on for every new bucket since April 2023, so such a bucket relies on that default, which buckets created earlier lack.",
    why: "Each flag closes a different path to a public bucket: ACLs granted, ACLs honoured, a public bucket policy accepted, public access through that policy. One flag off is enough for a leak.",
    example: "resource \"aws_s3_bucket_public_access_block\" \"data\" { bucket = aws_s3_bucket.data.id\n  block_public_acls = true\n  block_public_policy = false }",
    fix: "Set all four flags to true in the bucket's public-access block.",
};

const TF: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];
const CFN: [&str; 4] = [
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
];

impl Audit for S3PublicAccessBlock {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for b in buckets(i) {
            let (block, names, logical_prefix, res) = match i.format {
                Format::Terraform => {
                    let linked = i.linked("aws_s3_bucket_public_access_block", "bucket", b);
                    // Without its own block, the account-wide block (if any) applies.
                    let account = i.of_type(&["aws_s3_account_public_access_block"]).next();
                    match linked.first().copied().or(account) {
                        Some(r) => (Some(&r.props), TF, String::new(), r),
                        None => (None, TF, String::new(), b),
                    }
                }
                Format::CloudFormation => (
                    b.attr("PublicAccessBlockConfiguration"),
                    CFN,
                    "Properties.PublicAccessBlockConfiguration.".to_string(),
                    b,
                ),
            };
            let Some(block) = block else {
                // S3 turns all four flags on for every bucket created since April 2023, so a
                // bucket without a block of its own relies on that default (not on "all off").
                out.push(
                    FindingBuilder::new(&DOC)
                        .severity(Severity::Low)
                        .confidence(Confidence::Medium)
                        .message(format!(
                            "bucket `{}` has no public-access block of its own: it relies on the S3 default (all four flags on for buckets created since April 2023), which buckets created earlier do not have",
                            b.logical,
                        ))
                        .location(b.loc())
                        .key("missing")
                        .build(),
                );
                continue;
            };
            for name in names {
                let v = block.get(name);
                if is_true_or_unknown(v) {
                    continue;
                }
                let (loc, state) = match v {
                    Some(n) => (
                        res.loc_of(n, &format!("{logical_prefix}{name}")),
                        "is not true",
                    ),
                    None if logical_prefix.is_empty() => (res.loc(), "is not set"),
                    None => (
                        res.loc_of(block, logical_prefix.trim_end_matches('.')),
                        "is not set",
                    ),
                };
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!(
                            "`{name}` {state} in the public-access block of bucket `{}`",
                            b.logical
                        ))
                        .location(loc)
                        .key(name)
                        .build(),
                );
            }
        }
    }
}
