//! `write-all` or other over-broad token permissions.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::workflow::Workflow;
use crate::node::Kind;

/// The audit.
pub struct ExcessivePermissions;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "excessive-permissions",
    title: "over-broad GITHUB_TOKEN permissions",
    input: "workflow",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Finds `permissions: write-all` (workflow or job), write scopes granted at workflow level to several jobs, and workflows that set no permissions at all.",
    why: "The token is available to every step; with write access a compromised action can push code, publish packages or change releases.",
    example: "permissions: write-all",
    fix: "Set `permissions: { contents: read }` at the top and grant each job only the write scopes it needs.",
};

impl Audit for ExcessivePermissions {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn workflow(&self, wf: &Workflow, out: &mut Vec<AuditFinding>) {
        let mut check = |node: &crate::node::Node, path: String, workflow_level: bool| {
            match &node.kind {
            Kind::Str(s) if s == "write-all" => out.push(
                FindingBuilder::new(&DOC)
                    .message(format!("`{path}: write-all` grants every scope, including contents, packages and id-token"))
                    .location(Location::new(&wf.src, &node.span, path.clone()))
                    .key(path)
                    .build(),
            ),
            Kind::Map(es) if workflow_level && wf.jobs.len() > 1 => {
                for e in es {
                    if e.key != "id-token" && e.value.as_str() == Some("write") {
                        out.push(
                            FindingBuilder::new(&DOC)
                                .severity(Severity::Medium)
                                .message(format!(
                                    "`{}: write` is granted at workflow level to all {} jobs",
                                    e.key,
                                    wf.jobs.len()
                                ))
                                .location(Location::new(&wf.src, &e.key_span, format!("permissions.{}", e.key)))
                                .key(e.key.clone())
                                .build(),
                        );
                    }
                }
            }
            _ => {}
        }
        };
        if let Some(p) = &wf.permissions {
            check(p, "permissions".into(), true);
        }
        for job in &wf.jobs {
            if let Some(p) = job.node.get("permissions") {
                check(p, format!("{}.permissions", job.path()), false);
            }
        }
        match &wf.permissions {
            Some(_) => {}
            None => {
                if wf.jobs.iter().any(|j| j.node.get("permissions").is_none()) {
                    out.push(
                        FindingBuilder::new(&DOC)
                            .severity(Severity::Low)
                            .confidence(Confidence::Medium)
                            .message("no `permissions:` is set: jobs get the repository's default token permissions, which may be read-write")
                            .location(Location::new(&wf.src, &(0..0), ""))
                            .key("missing")
                            .build(),
                    );
                }
            }
        }
    }
}
