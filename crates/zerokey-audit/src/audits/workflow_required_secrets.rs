//! The secrets a workflow needs, as an informational report.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::workflow::{secret_names, Workflow};

/// The audit.
pub struct WorkflowRequiredSecrets;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "workflow-required-secrets",
    title: "secrets a workflow requires",
    input: "workflow",
    severity: Severity::Info,
    confidence: Confidence::High,
    what: "Lists every secret a workflow reads (names only, case-folded as GitHub does), with the jobs that read it and the first place each is read. `GITHUB_TOKEN` is provided by GitHub and is not listed.",
    why: "A missing secret evaluates to an empty string; knowing the list lets you configure the repository (or move the secret to AWS Secrets Manager behind OIDC) before the workflow runs.",
    example: "env:\n  PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}",
    fix: "Configure each listed secret in the repository or environment settings, or replace it with OIDC.",
};

/// Secret name -> jobs that read it, and the first location, for one workflow.
pub fn required(wf: &Workflow) -> Vec<(String, Vec<String>, Location)> {
    let mut out: Vec<(String, Vec<String>, Location)> = Vec::new();
    for ex in wf.expressions() {
        let job = ex
            .logical
            .strip_prefix("jobs.")
            .and_then(|r| r.split(['.', '[']).next())
            .unwrap_or("(workflow)")
            .to_string();
        for name in secret_names(&ex.text) {
            if name == "GITHUB_TOKEN" || name.is_empty() {
                continue;
            }
            match out.iter_mut().find(|(n, _, _)| *n == name) {
                Some((_, jobs, _)) => {
                    if !jobs.contains(&job) {
                        jobs.push(job.clone());
                    }
                }
                None => out.push((
                    name,
                    vec![job.clone()],
                    Location::new(&wf.src, &ex.span, ex.logical.clone()),
                )),
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

impl Audit for WorkflowRequiredSecrets {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn workflow(&self, wf: &Workflow, out: &mut Vec<AuditFinding>) {
        let req = required(wf);
        if req.is_empty() {
            return;
        }
        let list: Vec<String> = req
            .iter()
            .map(|(n, jobs, _)| format!("{n} ({})", jobs.join(", ")))
            .collect();
        let mut b = FindingBuilder::new(&DOC).message(format!(
            "workflow requires {} secret{}: {}",
            req.len(),
            if req.len() == 1 { "" } else { "s" },
            list.join("; ")
        ));
        for (n, _, loc) in req {
            b = b.location(loc.with_note(n));
        }
        out.push(b.build());
    }
}
