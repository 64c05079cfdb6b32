//! Trust-policy conditions that do not do what they say: a condition key that does not exist
//! for the statement's identity provider (a typo in the issuer host or the claim), a wildcard
//! under `StringEquals` (matched literally), `ForAllValues:`/`ForAnyValue:` on a single-valued
//! key.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{Policy, PolicyKind};
use crate::models::trust::condition_mistakes;

/// The audit.
pub struct TrustConditionMistake;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "trust-condition-mistake",
    title: "trust-policy condition that does not do what it says",
    input: "iam",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "In trust policies, finds condition keys that do not exist for the statement's OIDC provider (the issuer host in the key differs from the provider's, e.g. `token.action.githubusercontent.com:aud`, or the claim is neither an AWS OIDC key — aud, sub, amr, oaud, azp, email, id — nor, for GitHub, one of its token claims; high), wildcards under `StringEquals`/`StringNotEquals` (matched literally; medium), `ForAllValues:` on a single-valued key such as `:sub`, `:aud`, `sts:ExternalId` (true when the key is absent; high) and `ForAnyValue:` on one (low).",
    why: "IAM does not reject these: a misspelt key is simply absent from the request, so the check the author meant — usually the audience or the subject — is never made the way they think, and a reviewer reading the policy sees a check that is not there.",
    example: "\"StringEquals\": {\"token.actions.githubusercontent.com:sub\": \"repo:acme/app:*\"}",
    fix: "Spell the key as `<provider host>:<claim>`, use `StringLike` for patterns, and drop set operators on single-valued keys.",
};

impl Audit for TrustConditionMistake {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        if p.kind != PolicyKind::Trust {
            return;
        }
        for s in p.statements.iter().filter(|s| s.allow) {
            for (c, what, fix) in condition_mistakes(s) {
                let sev = if what.contains("matched literally") {
                    Severity::Medium
                } else if what.starts_with("ForAnyValue:") {
                    Severity::Low
                } else {
                    Severity::High
                };
                out.push(
                    FindingBuilder::new(&DOC)
                        .severity(sev)
                        .message(format!("statement {}: {what}", s.index))
                        .location(Location::new(
                            &p.src,
                            &c.span,
                            format!("{}.Condition.{}.{}", s.logical, c.op, c.key),
                        ))
                        .remediation(fix)
                        .key(format!("{}|{}|{}", c.op, c.key, sev.as_str()))
                        .build(),
                );
            }
        }
    }
}
