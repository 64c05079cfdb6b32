//! A role trusting another AWS account without `sts:ExternalId` (or an MFA condition).

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{Policy, PolicyKind};

/// The audit.
pub struct CrossAccountTrustWithoutExternalId;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "cross-account-trust-without-external-id",
    title: "cross-account trust without sts:ExternalId",
    input: "iam",
    severity: Severity::High,
    confidence: Confidence::Medium,
    what: "In trust policies, finds Allow statements for `sts:AssumeRole` whose AWS principal is an account or an ARN in an account (not the template's own `${AWS::AccountId}`/caller identity) and that have no `sts:ExternalId` condition and no `aws:MultiFactorAuthPresent: true` condition. A present ExternalId (StringEquals) passes.",
    why: "Without an external ID, anyone who can make the trusted account's service assume roles can be tricked into assuming yours (the confused-deputy problem).",
    example: "{\"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}, \"Action\": \"sts:AssumeRole\"}",
    fix: "Add `\"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"<id the other party gave you>\"}}`.",
};

fn same_account(v: &str) -> bool {
    v.contains("AWS::AccountId") || v.contains("aws_caller_identity") || v.contains("account_id")
}

impl Audit for CrossAccountTrustWithoutExternalId {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        if p.kind != PolicyKind::Trust {
            return;
        }
        for s in p.statements.iter().filter(|s| s.allow) {
            if !s.allows_action("sts:AssumeRole") {
                continue;
            }
            let Some((_, principal)) = s.principals.iter().find(|(t, v)| {
                t.eq_ignore_ascii_case("AWS") && v.value != "*" && !same_account(&v.value)
            }) else {
                continue;
            };
            let ext = s.condition("sts:ExternalId").into_iter().any(|c| {
                c.op.to_ascii_lowercase().starts_with("stringequals")
                    && c.values
                        .iter()
                        .any(|v| !v.value.is_empty() && v.value != "*")
            });
            let mfa = s
                .condition("aws:MultiFactorAuthPresent")
                .into_iter()
                .any(|c| {
                    c.op.to_ascii_lowercase().starts_with("bool")
                        && c.values
                            .iter()
                            .any(|v| v.value.eq_ignore_ascii_case("true"))
                });
            if ext || mfa {
                continue;
            }
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "statement {} lets `{}` assume this role without an sts:ExternalId or MFA condition",
                        s.index, principal.value
                    ))
                    .location(Location::new(&p.src, &principal.span, format!("{}.Principal.AWS", s.logical)))
                    .key(principal.value.clone())
                    .build(),
            );
        }
    }
}
