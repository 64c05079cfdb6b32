//! An OIDC (web identity) trust without an `aud` condition.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{Policy, PolicyKind, Statement};

/// The audit.
pub struct OidcTrustWithoutAudience;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "oidc-trust-without-audience",
    title: "OIDC trust without an audience condition",
    input: "iam",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "In trust policies, finds statements allowing `sts:AssumeRoleWithWebIdentity` (or with a Federated OIDC principal) that have no `<provider>:aud` condition.",
    why: "Without `aud` the role accepts tokens the provider issued for any audience, e.g. for another cloud or service.",
    example: "\"Condition\": {\"StringLike\": {\"token.actions.githubusercontent.com:sub\": \"repo:org/repo:*\"}}",
    fix: "Add `\"StringEquals\": {\"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\"}`.",
};

/// True for statements that trust a web-identity (OIDC) provider.
pub fn is_oidc(s: &Statement) -> bool {
    s.allow
        && (s.allows_action("sts:AssumeRoleWithWebIdentity")
            && s.principals
                .iter()
                .any(|(t, _)| t.eq_ignore_ascii_case("Federated")))
}

/// The provider host: from the principal ARN, else from condition keys.
pub fn provider(s: &Statement) -> Option<String> {
    for (_, v) in &s.principals {
        if let Some(i) = v.value.find("oidc-provider/") {
            return Some(v.value[i + 14..].trim_end_matches('}').to_string());
        }
        if !v.value.starts_with("arn:") && !v.value.contains("${") {
            return Some(v.value.clone());
        }
    }
    s.conditions
        .iter()
        .find_map(|c| c.key.rsplit_once(':').map(|(h, _)| h.to_string()))
}

impl Audit for OidcTrustWithoutAudience {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        if p.kind != PolicyKind::Trust {
            return;
        }
        for s in p.statements.iter().filter(|s| is_oidc(s)) {
            if s.conditions
                .iter()
                .any(|c| c.key.to_ascii_lowercase().ends_with(":aud"))
            {
                continue;
            }
            let host = provider(s).unwrap_or_else(|| "<provider>".into());
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "statement {} trusts OIDC tokens from {host} for any audience",
                        s.index
                    ))
                    .location(Location::new(&p.src, &s.span, s.logical.clone()))
                    .remediation(format!(
                        "Add `\"StringEquals\": {{\"{host}:aud\": \"sts.amazonaws.com\"}}`."
                    ))
                    .build(),
            );
        }
    }
}
