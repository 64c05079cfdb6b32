//! Static AWS access keys given to a workflow where OIDC `role-to-assume` would do.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::workflow::{env_chain, Workflow};
use crate::node::Node;

/// The audit.
pub struct StaticAwsKeysInWorkflow;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "static-aws-keys-in-workflow",
    title: "static AWS keys in a workflow",
    input: "workflow",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Finds `aws-access-key-id` inputs and `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` env entries in GitHub Actions workflows.",
    why: "Long-lived keys stored as secrets leak through logs, forks and compromised actions and stay valid until someone rotates them; GitHub's OIDC token gives short-lived credentials instead.",
    example: "with:\n  aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}",
    fix: "Grant `id-token: write` to the job, create an IAM role trusting token.actions.githubusercontent.com with an exact `sub`, and use `role-to-assume` instead of keys; then delete the key.",
};

impl Audit for StaticAwsKeysInWorkflow {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn workflow(&self, wf: &Workflow, out: &mut Vec<AuditFinding>) {
        let literal = |n: &Node| n.as_str().is_some_and(|v| !v.contains("${{"));
        check_env(wf, wf.env.as_ref(), "env", out, literal);
        for job in &wf.jobs {
            check_env(
                wf,
                job.node.get("env"),
                &format!("{}.env", job.path()),
                out,
                literal,
            );
            for step in &job.steps {
                check_env(
                    wf,
                    step.node.get("env"),
                    &format!("{}.env", step.path(job)),
                    out,
                    literal,
                );
                if let Some(v) = step.input("aws-access-key-id") {
                    let sev = if literal(v) {
                        Severity::Critical
                    } else {
                        Severity::High
                    };
                    out.push(
                        FindingBuilder::new(&DOC)
                            .severity(sev)
                            .message(format!(
                                "step passes a static AWS access key to {} (input `aws-access-key-id`){}",
                                step.action().unwrap_or("an action"),
                                if literal(v) { "; the key is written in the workflow itself" } else { "" }
                            ))
                            .location(Location::new(&wf.src, &v.span, format!("{}.with.aws-access-key-id", step.path(job))))
                            .key("aws-access-key-id")
                            .build(),
                    );
                }
            }
        }
        let _ = env_chain;
    }
}

fn check_env(
    wf: &Workflow,
    env: Option<&Node>,
    path: &str,
    out: &mut Vec<AuditFinding>,
    literal: impl Fn(&Node) -> bool,
) {
    let Some(env) = env else { return };
    for e in env.entries() {
        if !matches!(
            e.key.as_str(),
            "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY"
        ) {
            continue;
        }
        let sev = if literal(&e.value) {
            Severity::Critical
        } else {
            Severity::High
        };
        out.push(
            FindingBuilder::new(&DOC)
                .severity(sev)
                .message(format!(
                    "`{}` is set in the environment from {}",
                    e.key,
                    if literal(&e.value) {
                        "a literal value in the workflow"
                    } else {
                        "a stored secret"
                    }
                ))
                .location(Location::new(
                    &wf.src,
                    &e.key_span,
                    format!("{path}.{}", e.key),
                ))
                .key(e.key.clone())
                .build(),
        );
    }
}
