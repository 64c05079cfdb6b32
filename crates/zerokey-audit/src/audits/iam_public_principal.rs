//! `Principal: "*"` (or `{"AWS": "*"}`) in an Allow statement with no narrowing condition.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{Policy, PolicyKind};

/// The audit.
pub struct IamPublicPrincipal;

/// Condition keys that narrow a `*` principal to something known.
const NARROWING: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:userid",
    "aws:ResourceOrgID",
];

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "iam-public-principal",
    title: "policy allows any principal",
    input: "iam",
    severity: Severity::Critical,
    confidence: Confidence::High,
    what: "Finds Allow statements in trust and resource policies whose principal is `*` (or `AWS: \"*\"`) and that have no condition on `aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceVpc(e)`, `aws:SourceIp` or similar. Critical in a trust policy (anyone can assume the role; a `*` guarded only by `sts:ExternalId` is called out as such, since the external ID is no secret), high in a resource policy.",
    why: "`*` means every AWS account and, for many services, anonymous callers: the bucket, queue or role is public.",
    example: "{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::data/*\"}",
    fix: "Name the accounts or roles, or add an `aws:PrincipalOrgID` / `aws:SourceArn` condition.",
};

impl Audit for IamPublicPrincipal {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        if p.kind == PolicyKind::Identity {
            return;
        }
        for s in p.statements.iter().filter(|s| s.allow) {
            let Some((_, v)) = s.principals.iter().find(|(t, v)| {
                v.value.trim() == "*" && (t == "*" || t.eq_ignore_ascii_case("AWS"))
            }) else {
                continue;
            };
            let narrowed = s
                .conditions
                .iter()
                .any(|c| NARROWING.iter().any(|k| c.key.eq_ignore_ascii_case(k)));
            if narrowed {
                continue;
            }
            let external_id = s
                .condition("sts:ExternalId")
                .iter()
                .any(|c| !c.op.to_ascii_lowercase().contains("not"));
            let (sev, what) = if p.kind == PolicyKind::Trust && external_id {
                (
                    Severity::Critical,
                    "any AWS principal that knows the external ID can assume this role; an ExternalId is not a secret (it is shared with the third party and appears in their configuration and logs), so it does not limit who the principal is",
                )
            } else if p.kind == PolicyKind::Trust {
                (Severity::Critical, "any AWS principal can assume this role")
            } else {
                (
                    Severity::High,
                    "any AWS principal (or anonymous caller) is allowed",
                )
            };
            out.push(
                FindingBuilder::new(&DOC)
                    .severity(sev)
                    .message(format!("statement {}: {what}", s.index))
                    .location(Location::new(
                        &p.src,
                        &v.span,
                        format!("{}.Principal", s.logical),
                    ))
                    .build(),
            );
        }
    }
}
