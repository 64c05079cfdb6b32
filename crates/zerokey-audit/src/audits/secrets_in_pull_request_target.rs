//! Secrets used by jobs of a `pull_request_target` workflow.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::workflow::{secret_names, Workflow};

/// The audit.
pub struct SecretsInPullRequestTarget;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "secrets-in-pull-request-target",
    title: "secrets in a pull_request_target job",
    input: "workflow",
    severity: Severity::Critical,
    confidence: Confidence::High,
    what: "In workflows triggered by `pull_request_target`, finds jobs that read secrets (other than `GITHUB_TOKEN`) or pass `secrets: inherit`. Critical when the job also checks out the pull request's head, high otherwise.",
    why: "`pull_request_target` runs with the base repository's secrets for pull requests from forks; any step that runs the fork's code can read them.",
    example: "on: pull_request_target\njobs:\n  test:\n    steps:\n      - uses: actions/checkout@v4\n        with: { ref: ${{ github.event.pull_request.head.sha }} }\n      - run: make test\n        env: { TOKEN: ${{ secrets.TOKEN }} }",
    fix: "Use `pull_request` for code from forks; keep secrets in a separate workflow triggered by `workflow_run` that never runs the fork's code.",
};

impl Audit for SecretsInPullRequestTarget {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn workflow(&self, wf: &Workflow, out: &mut Vec<AuditFinding>) {
        if !wf.triggers.iter().any(|t| t == "pull_request_target") {
            return;
        }
        let exprs = wf.expressions();
        for job in &wf.jobs {
            let prefix = job.path();
            let inherit = job.node.get("secrets").and_then(|s| s.as_str()) == Some("inherit");
            let used: Vec<_> = exprs
                .iter()
                .filter(|e| e.logical == prefix || e.logical.starts_with(&format!("{prefix}.")))
                .filter(|e| secret_names(&e.text).iter().any(|n| n != "GITHUB_TOKEN"))
                .collect();
            if used.is_empty() && !inherit {
                continue;
            }
            let head_checkout = job.steps.iter().any(|s| {
                s.action()
                    .is_some_and(|a| a.eq_ignore_ascii_case("actions/checkout"))
                    && s.input("ref").and_then(|r| r.as_str()).is_some_and(|r| {
                        r.contains("pull_request.head")
                            || r.contains("head_ref")
                            || r.contains("refs/pull/")
                    })
            });
            let names: Vec<String> = used
                .iter()
                .flat_map(|e| secret_names(&e.text))
                .filter(|n| n != "GITHUB_TOKEN")
                .collect();
            let mut names_dedup = names.clone();
            names_dedup.sort();
            names_dedup.dedup();
            let what = if inherit {
                "inherits all secrets".to_string()
            } else {
                format!("reads {}", names_dedup.join(", "))
            };
            let loc = match used.first() {
                Some(e) => Location::new(&wf.src, &e.span, e.logical.clone()),
                None => Location::new(&wf.src, &job.node.span, prefix.clone()),
            };
            out.push(
                FindingBuilder::new(&DOC)
                    .severity(if head_checkout {
                        Severity::Critical
                    } else {
                        Severity::High
                    })
                    .message(format!(
                        "job `{}` of a pull_request_target workflow {what}{}",
                        job.id,
                        if head_checkout {
                            " and checks out the pull request's code"
                        } else {
                            ""
                        }
                    ))
                    .location(loc)
                    .key(job.id.clone())
                    .build(),
            );
        }
    }
}
