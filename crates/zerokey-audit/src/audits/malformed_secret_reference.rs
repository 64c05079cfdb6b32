//! Expressions that name a context GitHub does not have (`${{ secret.X }}`), invalid secret
//! names, secrets in `if:` conditions and unterminated `${{`.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::workflow::{context_refs, Workflow};

/// The audit.
pub struct MalformedSecretReference;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "malformed-secret-reference",
    title: "malformed secret or context reference",
    input: "workflow",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Checks every `${{ … }}` expression and `if:` condition: the root of each property path must be a known context (case-insensitive: github, env, vars, job, jobs, steps, runner, secrets, strategy, matrix, needs, inputs); secret names must be valid; secrets cannot be read in `if:`; `${{` must be closed.",
    why: "An unknown context such as `secret.X` evaluates to an empty string without any error, so the step runs without its credential, or a tool falls back to another, broader one.",
    example: "env:\n  TOKEN: ${{ secret.PYPI_TOKEN }}",
    fix: "Write `${{ secrets.NAME }}`; in `if:` test an env variable bound to the secret instead.",
};

const CONTEXTS: &[&str] = &[
    "github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy", "matrix",
    "needs", "inputs",
];

fn valid_secret_name(n: &str) -> bool {
    let mut c = n.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && n.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

impl Audit for MalformedSecretReference {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn workflow(&self, wf: &Workflow, out: &mut Vec<AuditFinding>) {
        for ex in wf.expressions() {
            let loc = || Location::new(&wf.src, &ex.span, ex.logical.clone());
            if let Some(text) = ex.text.strip_prefix('\u{0}') {
                out.push(
                    FindingBuilder::new(&DOC)
                        .severity(Severity::Medium)
                        .message(format!("`${{{{{}` is never closed with `}}}}`; GitHub passes it through as text", text.trim()))
                        .location(loc())
                        .key(format!("unterminated:{}", text.trim()))
                        .build(),
                );
                continue;
            }
            for (root, prop, _) in context_refs(&ex.text) {
                let lower = root.to_ascii_lowercase();
                if !CONTEXTS.contains(&lower.as_str()) {
                    let hint = if lower == "secret" {
                        " (did you mean `secrets`?)".to_string()
                    } else {
                        String::new()
                    };
                    let sev = if lower == "secret" {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    out.push(
                        FindingBuilder::new(&DOC)
                            .severity(sev)
                            .message(format!(
                                "`{root}{}` names an unknown context{hint}; it evaluates to an empty string",
                                prop.as_deref().map(|p| format!(".{p}")).unwrap_or_default()
                            ))
                            .location(loc())
                            .key(format!("{root}.{}", prop.clone().unwrap_or_default()))
                            .build(),
                    );
                    continue;
                }
                if lower != "secrets" {
                    continue;
                }
                match &prop {
                    Some(p) if !valid_secret_name(p) => out.push(
                        FindingBuilder::new(&DOC)
                            .severity(Severity::Medium)
                            .message(format!("`secrets.{p}` is not a valid secret name (letters, digits and `_`, not starting with a digit)"))
                            .location(loc())
                            .key(format!("name:{p}"))
                            .build(),
                    ),
                    None if !ex.text.contains("toJSON") && !ex.text.contains("tojson") => out.push(
                        FindingBuilder::new(&DOC)
                            .severity(Severity::Medium)
                            .message("`secrets` is used without a secret name")
                            .location(loc())
                            .key("bare")
                            .build(),
                    ),
                    _ => {}
                }
                if ex.in_if {
                    out.push(
                        FindingBuilder::new(&DOC)
                            .severity(Severity::Medium)
                            .message("secrets cannot be read in `if:` conditions; the comparison always sees an empty value")
                            .location(loc())
                            .key(format!("if:{}", prop.clone().unwrap_or_default()))
                            .remediation("Bind the secret to an env variable (`env: { HAS_TOKEN: ${{ secrets.X != '' }} }`) and test `env.HAS_TOKEN` in `if:`.")
                            .build(),
                    );
                }
            }
        }
    }
}
