//! GitHub OIDC trust `sub` patterns that name the owner and repository without their immutable
//! ids (`repo:OWNER@OWNER_ID/REPO@REPO_ID:…`).

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{Policy, PolicyKind};
use crate::models::trust::{is_github, is_web_identity, op_expands_wildcards, provider_host};

/// The audit.
pub struct GithubOidcNameOnlySubject;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "github-oidc-name-only-subject",
    title: "GitHub OIDC subject matched by names only",
    input: "iam",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    what: "In trust policies for GitHub Actions OIDC, finds `sub` values of the form `repo:OWNER/REPO:…` whose owner or repository lacks its immutable id (`OWNER@OWNER_ID`, `REPO@REPO_ID`). GitHub puts these ids in the subject by default for repositories created or renamed from 2026-07-15. Patterns whose owner or repository is a wildcard are left to `oidc-trust-subject`.",
    why: "Names can be re-registered: whoever creates an organisation or repository under a deleted name gets tokens whose subject matches a name-only pattern, and with it the role.",
    example: "\"StringEquals\": {\"token.actions.githubusercontent.com:sub\": \"repo:acme/app:ref:refs/heads/main\"}",
    fix: "Match the immutable-id form, `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` (ids from `gh api repos/OWNER/REPO --jq '.owner.id, .id'`), and enable the id-based subject for the repository.",
};

impl Audit for GithubOidcNameOnlySubject {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        if p.kind != PolicyKind::Trust {
            return;
        }
        for s in p.statements.iter().filter(|s| is_web_identity(s)) {
            let Some(host) = provider_host(s) else {
                continue;
            };
            if !is_github(&host) {
                continue;
            }
            for c in s
                .conditions
                .iter()
                .filter(|c| c.key.to_ascii_lowercase().ends_with(":sub"))
            {
                let op = c.op.to_ascii_lowercase();
                if op.contains("not") {
                    continue;
                }
                for v in &c.values {
                    let Some(rest) = v.value.strip_prefix("repo:") else {
                        continue;
                    };
                    let (repo, ctx) = rest.split_once(':').unwrap_or((rest, "*"));
                    let (owner, name) = repo.split_once('/').unwrap_or((repo, ""));
                    let wild = |x: &str| x.contains('*') || x.contains('?');
                    if name.is_empty()
                        || (op_expands_wildcards(&c.op) && (wild(owner) || wild(name)))
                        || (owner.contains('@') && name.contains('@'))
                    {
                        continue;
                    }
                    let o = owner.split('@').next().unwrap_or(owner);
                    let n = name.split('@').next().unwrap_or(name);
                    out.push(
                        FindingBuilder::new(&DOC)
                            .message(format!(
                                "statement {}: `{}` matches {o}/{n} by name only; whoever registers that name after it is freed can assume the role",
                                s.index, v.value
                            ))
                            .location(Location::new(&p.src, &v.span, format!("{}.Condition", s.logical)))
                            .remediation(format!(
                                "Use `repo:{o}@OWNER_ID/{n}@REPO_ID:{ctx}` (ids from `gh api repos/{o}/{n} --jq '.owner.id, .id'`)."
                            ))
                            .key(v.value.clone())
                            .build(),
                    );
                }
            }
        }
    }
}
