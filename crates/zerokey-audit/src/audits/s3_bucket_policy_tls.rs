//! S3 bucket policies that do not deny requests over plain HTTP.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::iam::Policy;
use crate::models::infra::{Format, Infra, Resource};
use crate::node::{Kind, Node};

/// The audit.
pub struct S3BucketPolicyTls;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "s3-bucket-policy-tls",
    title: "S3 bucket policy without a deny for non-TLS requests",
    input: "terraform, cloudformation",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    what: "For each bucket policy (`aws_s3_bucket_policy`, `AWS::S3::BucketPolicy`) whose document zerokey can read (`jsonencode`, a heredoc, a `data \"aws_iam_policy_document\"` in the same folder, or an inline CloudFormation document), reports it when no Deny statement has `Bool: {aws:SecureTransport: false}` (or a `NumericLessThan` on `s3:TlsVersion`). A document built elsewhere (variable, `file()`) is not judged.",
    why: "Without the deny, clients can read and write the bucket over plain HTTP, exposing data and presigned credentials on the network; the policy is where AWS recommends enforcing TLS.",
    example: "resource \"aws_s3_bucket_policy\" \"data\" { policy = jsonencode({Statement = [{Effect = \"Allow\", …}]}) }",
    fix: "Add `{\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": [\"<bucket ARN>\", \"<bucket ARN>/*\"], \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}}`.",
};

fn denies_plain_http(p: &Policy) -> bool {
    p.statements.iter().filter(|s| !s.allow).any(|s| {
        s.conditions.iter().any(|c| {
            let k = c.key.to_ascii_lowercase();
            (k == "aws:securetransport"
                && c.op.to_ascii_lowercase().starts_with("bool")
                && c.values
                    .iter()
                    .any(|v| v.value.eq_ignore_ascii_case("false")))
                || (k == "s3:tlsversion" && c.op.to_ascii_lowercase().starts_with("numericless"))
        })
    })
}

/// The policy document a bucket-policy resource uses, if zerokey can read it.
fn document<'a>(i: &Infra, r: &Resource, policies: &'a [Policy]) -> Option<&'a Policy> {
    let own = match i.format {
        Format::Terraform => format!("{}.policy", r.logical),
        Format::CloudFormation => format!("{}.Properties.PolicyDocument", r.logical),
    };
    if let Some(p) = policies.iter().find(|p| p.logical == own) {
        return Some(p);
    }
    let v: &Node = r.attr("policy")?;
    let text = match &v.kind {
        Kind::Expr(e) | Kind::Str(e) => e.as_str(),
        _ => return None,
    };
    let name = text
        .trim_start_matches("${")
        .split(".json")
        .next()
        .filter(|n| n.starts_with("data.aws_iam_policy_document."))?;
    policies.iter().find(|p| p.logical == name)
}

impl Audit for S3BucketPolicyTls {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        let (policies, _) = i.policies();
        for r in i.of_type(&["aws_s3_bucket_policy", "AWS::S3::BucketPolicy"]) {
            let Some(p) = document(i, r, &policies) else {
                continue;
            };
            if denies_plain_http(p) {
                continue;
            }
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "bucket policy `{}` does not deny requests without TLS (aws:SecureTransport = false)",
                        r.logical
                    ))
                    .location(r.loc())
                    .build(),
            );
        }
    }
}
