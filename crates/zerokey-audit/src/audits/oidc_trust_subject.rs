//! OIDC trust `sub` conditions graded: missing or `*` critical, `repo:org/*` high,
//! `repo:org/repo:*` medium, an exact ref or environment passes.

use super::oidc_trust_without_audience::{is_oidc, provider};
use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{Policy, PolicyKind};

/// The audit.
pub struct OidcTrustSubject;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "oidc-trust-subject",
    title: "OIDC trust with a missing or broad `sub`",
    input: "iam",
    severity: Severity::Critical,
    confidence: Confidence::High,
    what: "Grades the `<provider>:sub` condition of web-identity trusts: missing, `*` or `repo:*` is critical (any repository on GitHub can assume the role), `repo:org/*` high (any repository of the organisation), `repo:org/repo:*` medium (any branch, tag, pull request or environment of the repository); an exact `repo:org/repo:ref:refs/heads/main` or `repo:org/repo:environment:prod` passes. Wildcards count only under `StringLike` operators.",
    why: "The `sub` claim is what names the workflow; without a narrow one, other repositories' or pull requests' workflows get the role.",
    example: "\"StringLike\": {\"token.actions.githubusercontent.com:sub\": \"repo:my-org/*\"}",
    fix: "Use `StringEquals` with the exact subject, e.g. `repo:my-org/my-repo:environment:production`.",
};

fn grade(v: &str) -> Option<(Severity, &'static str)> {
    if !v.contains('*') && !v.contains('?') {
        return None;
    }
    let Some(rest) = v.strip_prefix("repo:") else {
        return Some((Severity::Critical, "matches any subject"));
    };
    let (repo, tail) = rest.split_once(':').unwrap_or((rest, ""));
    let (org, name) = repo.split_once('/').unwrap_or((repo, ""));
    if org.contains('*') || org.is_empty() {
        Some((
            Severity::Critical,
            "matches every repository on the provider",
        ))
    } else if name.contains('*') || name.is_empty() {
        Some((
            Severity::High,
            "matches every repository of the organisation",
        ))
    } else if tail == "*" || tail.is_empty() || tail.starts_with('*') {
        Some((
            Severity::Medium,
            "matches every branch, tag, pull request and environment of the repository",
        ))
    } else {
        Some((
            Severity::Low,
            "matches several refs or environments of the repository",
        ))
    }
}

impl Audit for OidcTrustSubject {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        if p.kind != PolicyKind::Trust {
            return;
        }
        for s in p.statements.iter().filter(|s| is_oidc(s)) {
            let host = provider(s).unwrap_or_else(|| "<provider>".into());
            let subs: Vec<_> = s
                .conditions
                .iter()
                .filter(|c| c.key.to_ascii_lowercase().ends_with(":sub"))
                .collect();
            if subs.is_empty() {
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!("statement {} trusts {host} with no `sub` condition: any workflow of any repository can assume the role", s.index))
                        .location(Location::new(&p.src, &s.span, s.logical.clone()))
                        .key("missing")
                        .build(),
                );
                continue;
            }
            let mut worst: Option<(Severity, String, &crate::models::iam::Val)> = None;
            for c in &subs {
                let like = c.op.to_ascii_lowercase().contains("like");
                for v in &c.values {
                    let g = if like { grade(&v.value) } else { None };
                    if let Some((sev, why)) = g {
                        if worst.as_ref().is_none_or(|(w, _, _)| sev > *w) {
                            worst = Some((sev, format!("`{}` {why}", v.value), v));
                        }
                    }
                }
            }
            if let Some((sev, why, v)) = worst {
                out.push(
                    FindingBuilder::new(&DOC)
                        .severity(sev)
                        .message(format!("statement {}: sub {why}", s.index))
                        .location(Location::new(
                            &p.src,
                            &v.span,
                            format!("{}.Condition", s.logical),
                        ))
                        .key(v.value.clone())
                        .build(),
                );
            }
        }
    }
}
