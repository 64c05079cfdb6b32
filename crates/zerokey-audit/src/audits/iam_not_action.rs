//! `Allow` with `NotAction` or `NotResource`.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::Policy;

/// The audit.
pub struct IamNotAction;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "iam-not-action",
    title: "Allow with NotAction/NotResource",
    input: "iam",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Finds Allow statements that use `NotAction` (high) or `NotResource` (medium).",
    why: "`Allow` + `NotAction` grants every action except the listed ones, including every action AWS adds later.",
    example: "{\"Effect\": \"Allow\", \"NotAction\": \"iam:*\", \"Resource\": \"*\"}",
    fix: "Allow an explicit list of actions and resources; use NotAction only with Deny.",
};

impl Audit for IamNotAction {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        for s in p.statements.iter().filter(|s| s.allow) {
            for (list, name, sev) in [
                (&s.not_actions, "NotAction", Severity::High),
                (&s.not_resources, "NotResource", Severity::Medium),
            ] {
                if let Some(first) = list.first() {
                    out.push(
                        FindingBuilder::new(&DOC)
                            .severity(sev)
                            .message(format!(
                                "statement {} allows everything except {name} [{}]",
                                s.index,
                                list.iter()
                                    .map(|v| v.value.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                            .location(Location::new(
                                &p.src,
                                &first.span,
                                format!("{}.{name}", s.logical),
                            ))
                            .key(name)
                            .build(),
                    );
                }
            }
        }
    }
}
