//! Identity-policy statements that allow write or read actions on `Resource: "*"`.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{Policy, PolicyKind};

/// The audit.
pub struct IamWildcardResource;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "iam-wildcard-resource",
    title: "IAM statement on every resource",
    input: "iam",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    what: "In identity policies, finds Allow statements with `Resource: \"*\"` whose actions are not all listing or describing ones (`List*`, `Describe*`, `sts:GetCallerIdentity`, which only take `*`). Statements whose action is itself `*` or `svc:*` are left to `iam-wildcard-action`.",
    why: "The statement applies to every bucket, table, key and secret in the account, including ones created later by other teams.",
    example: "{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}",
    fix: "Name the resources (ARNs, or ARN patterns scoped to a prefix), or add a condition such as `aws:ResourceTag`.",
};

/// Actions that only accept `Resource: "*"`.
fn read_only(action: &str) -> bool {
    let name = action.split_once(':').map_or(action, |(_, n)| n);
    name.starts_with("List")
        || name.starts_with("Describe")
        || action.eq_ignore_ascii_case("sts:GetCallerIdentity")
}

impl Audit for IamWildcardResource {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        if p.kind != PolicyKind::Identity {
            return;
        }
        for s in p.statements.iter().filter(|s| s.allow) {
            let Some(r) = s.resources.iter().find(|r| r.value.trim() == "*") else {
                continue;
            };
            if s.actions.is_empty()
                || s.actions
                    .iter()
                    .any(|a| a.value == "*" || a.value.ends_with(":*"))
                || s.actions.iter().all(|a| read_only(&a.value))
            {
                continue;
            }
            let acts: Vec<&str> = s.actions.iter().map(|a| a.value.as_str()).collect();
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "statement {} allows {} on every resource",
                        s.index,
                        acts.join(", ")
                    ))
                    .location(Location::new(
                        &p.src,
                        &r.span,
                        format!("{}.Resource", s.logical),
                    ))
                    .build(),
            );
        }
    }
}
