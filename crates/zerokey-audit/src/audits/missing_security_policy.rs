//! No SECURITY.md.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::repo::Repo;

/// The audit.
pub struct MissingSecurityPolicy;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "missing-security-policy",
    title: "no SECURITY.md",
    input: "repository",
    severity: Severity::Low,
    confidence: Confidence::High,
    what: "Checks for SECURITY.md (any case or extension) at the root, in .github/ or in docs/.",
    why: "Without a reporting address, people who find a leaked key or a vulnerability report it in a public issue, or not at all.",
    example: "a repository with README.md and no SECURITY.md",
    fix: "Add SECURITY.md saying how to report a vulnerability privately and how fast you answer.",
};

impl Audit for MissingSecurityPolicy {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn repository(&self, r: &Repo, out: &mut Vec<AuditFinding>) {
        if !r.has_doc(&["SECURITY"]) {
            out.push(
                FindingBuilder::new(&DOC)
                    .message("the repository has no SECURITY.md")
                    .location(Location::file("SECURITY.md"))
                    .build(),
            );
        }
    }
}
