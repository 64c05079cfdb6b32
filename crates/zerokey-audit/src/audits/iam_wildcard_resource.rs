//! Identity-policy statements that allow write or read actions on `Resource: "*"`, weighed by
//! what the actions can be scoped to and by the statement's conditions.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::actions::{narrowing, no_resource_level};
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
    what: "In identity policies, finds Allow statements with `Resource: \"*\"` and reports the actions that could have been scoped to resources. Left out: actions that support no resource-level permission at all (per the AWS Service Authorization Reference, e.g. `ec2:Describe*`, `autoscaling:Describe*`, `ecr:GetAuthorizationToken`, `sts:GetCallerIdentity`) and other listing or describing actions. A statement narrowed by a condition (`aws:ResourceTag/…`, `aws:RequestTag/…`, `kms:GrantIsForAWSResource`, `kms:ViaService`, `aws:ResourceAccount`, …, under a positive operator) is reported as info, naming the condition. Statements whose action is itself `*` or `svc:*` are left to `iam-wildcard-action`.",
    why: "The statement applies to every bucket, table, key and secret in the account, including ones created later by other teams.",
    example: "{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}",
    fix: "Name the resources (ARNs, or ARN patterns scoped to a prefix), or add a condition such as `aws:ResourceTag`.",
};

/// Listing and describing actions: metadata reads, not reported.
fn lists(action: &str) -> bool {
    let name = action.split_once(':').map_or(action, |(_, n)| n);
    name.starts_with("List") || name.starts_with("Describe")
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
            {
                continue;
            }
            let scoped: Vec<&str> = s
                .actions
                .iter()
                .map(|a| a.value.as_str())
                .filter(|a| !no_resource_level(a))
                .collect();
            if scoped.iter().all(|a| lists(a)) {
                continue;
            }
            let skipped = s.actions.len() - scoped.len();
            let unscopable = if skipped > 0 {
                format!(" ({skipped} other action(s) support no resource-level permission)")
            } else {
                String::new()
            };
            let b = FindingBuilder::new(&DOC).location(Location::new(
                &p.src,
                &r.span,
                format!("{}.Resource", s.logical),
            ));
            let f = if let Some(c) = narrowing(&s.conditions) {
                let vals: Vec<&str> = c.values.iter().map(|v| v.value.as_str()).collect();
                b.severity(Severity::Info)
                    .confidence(Confidence::High)
                    .message(format!(
                        "statement {} allows {} on `*`, narrowed by the condition {} {} = {}: not a grant on every resource{unscopable}",
                        s.index,
                        scoped.join(", "),
                        c.op,
                        c.key,
                        vals.join(" | ")
                    ))
                    .remediation("None needed while the condition holds; naming the resources' ARNs as well makes the scope visible without reading conditions.")
            } else {
                b.message(format!(
                    "statement {} allows {} on every resource{unscopable}",
                    s.index,
                    scoped.join(", ")
                ))
            };
            out.push(f.build());
        }
    }
}
