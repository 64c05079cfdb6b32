//! No LICENSE file.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::repo::Repo;

/// The audit.
pub struct MissingLicense;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "missing-license",
    title: "no LICENSE file",
    input: "repository",
    severity: Severity::Low,
    confidence: Confidence::High,
    what: "Checks for LICENSE, LICENCE or COPYING (any case or extension) at the root.",
    why: "Without a licence nobody may legally use, fork or fix the code, which matters before a repository is made public.",
    example: "a repository with no LICENSE",
    fix: "Add a LICENSE file (e.g. Apache-2.0 or MIT).",
};

impl Audit for MissingLicense {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn repository(&self, r: &Repo, out: &mut Vec<AuditFinding>) {
        if !r.has_doc(&["LICENSE", "LICENCE", "COPYING"]) {
            out.push(
                FindingBuilder::new(&DOC)
                    .message("the repository has no LICENSE file")
                    .location(Location::file("LICENSE"))
                    .build(),
            );
        }
    }
}
