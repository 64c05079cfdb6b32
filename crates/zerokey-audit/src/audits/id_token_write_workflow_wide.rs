//! `id-token: write` granted to every job of a workflow.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::workflow::{grants_write, Workflow};
use crate::node::Kind;

/// The audit.
pub struct IdTokenWriteWorkflowWide;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "id-token-write-workflow-wide",
    title: "`id-token: write` granted workflow-wide",
    input: "workflow",
    severity: Severity::Medium,
    confidence: Confidence::High,
    what: "Finds `id-token: write` (or `write-all`) in the top-level `permissions:` of a workflow.",
    why: "Every job, including ones running third-party actions or untrusted code, can then mint an OIDC token and assume any role that trusts the repository.",
    example: "permissions:\n  id-token: write\njobs: { test: …, deploy: … }",
    fix: "Set `permissions: { contents: read }` at the top and grant `id-token: write` only in the job that assumes the role.",
};

impl Audit for IdTokenWriteWorkflowWide {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn workflow(&self, wf: &Workflow, out: &mut Vec<AuditFinding>) {
        let Some(p) = &wf.permissions else { return };
        if !grants_write(p, "id-token") {
            return;
        }
        let span = match &p.kind {
            Kind::Map(_) => p
                .entries()
                .iter()
                .find(|e| e.key == "id-token")
                .map_or(p.span.clone(), |e| e.key_span.clone()),
            _ => p.span.clone(),
        };
        let jobs_without = wf
            .jobs
            .iter()
            .filter(|j| j.node.get("permissions").is_none())
            .count();
        if jobs_without == 0 {
            return;
        }
        out.push(
            FindingBuilder::new(&DOC)
                .message(format!(
                    "`id-token: write` is granted at workflow level; {jobs_without} of {} jobs inherit it",
                    wf.jobs.len()
                ))
                .location(Location::new(&wf.src, &span, "permissions.id-token"))
                .build(),
        );
    }
}
