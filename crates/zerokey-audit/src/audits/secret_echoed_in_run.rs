//! A `run:` script that prints a secret (inline `${{ secrets.X }}` or an env var bound to one).

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::workflow::{env_chain, secret_names, Workflow};
use crate::node::Kind;

/// The audit.
pub struct SecretEchoedInRun;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "secret-echoed-in-run",
    title: "secret printed by a run step",
    input: "workflow",
    severity: Severity::High,
    confidence: Confidence::Medium,
    what: "Finds `echo`, `printf`, `Write-Host`/`Write-Output` and `print` commands in `run:` scripts whose output goes to the log and that include `${{ secrets.X }}` or `$VAR`/`${VAR}`/`$env:VAR` where VAR is bound from a secret in the step's env (workflow, job or step level). Output piped (`|`) or redirected (`>`, `>>`) and `::add-mask::` are not reported.",
    why: "GitHub masks only the exact secret value; encoded, split or transformed copies (and any log shipped elsewhere) are not masked.",
    example: "run: echo \"token is ${{ secrets.PYPI_TOKEN }}\"",
    fix: "Do not print secrets; pass them to the command that needs them through env or stdin.",
};

const PRINTERS: &[&str] = &["echo", "printf", "write-host", "write-output", "print"];

impl Audit for SecretEchoedInRun {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn workflow(&self, wf: &Workflow, out: &mut Vec<AuditFinding>) {
        for job in &wf.jobs {
            for step in &job.steps {
                let Some(run) = step.run() else { continue };
                let Kind::Str(script) = &run.kind else {
                    continue;
                };
                let secret_env: Vec<(String, String)> = env_chain(wf, job, Some(step))
                    .into_iter()
                    .filter_map(|e| {
                        let v = e.value.as_str()?;
                        secret_names(v)
                            .into_iter()
                            .next()
                            .map(|s| (e.key.clone(), s))
                    })
                    .collect();
                let raw = wf.src.slice(&run.span);
                for line in script.lines() {
                    for cmd in line.split([';', '&']) {
                        let cmd = cmd.trim();
                        let first = cmd
                            .split_whitespace()
                            .next()
                            .unwrap_or("")
                            .to_ascii_lowercase();
                        if !PRINTERS.contains(&first.as_str()) || cmd.contains("::add-mask::") {
                            continue;
                        }
                        if cmd.contains('|') || cmd.contains('>') {
                            continue;
                        }
                        let mut leaked: Vec<String> = Vec::new();
                        let mut from = 0;
                        while let Some(i) = cmd[from..].find("${{") {
                            let s = from + i;
                            let e = cmd[s..].find("}}").map_or(cmd.len(), |j| s + j);
                            leaked.extend(
                                secret_names(&cmd[s + 3..e])
                                    .into_iter()
                                    .map(|n| format!("secrets.{n}")),
                            );
                            from = e;
                        }
                        for (var, secret) in &secret_env {
                            let forms = [
                                format!("${var}"),
                                format!("${{{var}}}"),
                                format!("$env:{var}"),
                            ];
                            if forms.iter().any(|f| {
                                cmd.match_indices(f.as_str()).any(|(i, _)| {
                                    !cmd[i + f.len()..]
                                        .chars()
                                        .next()
                                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                                })
                            }) {
                                leaked.push(format!("${var} (= secrets.{secret})"));
                            }
                        }
                        if leaked.is_empty() {
                            continue;
                        }
                        let span = raw
                            .find(cmd)
                            .map(|k| run.span.start + k..run.span.start + k + cmd.len())
                            .unwrap_or_else(|| run.span.clone());
                        out.push(
                            FindingBuilder::new(&DOC)
                                .message(format!(
                                    "`{first}` prints {} to the job log",
                                    leaked.join(", ")
                                ))
                                .location(Location::new(
                                    &wf.src,
                                    &span,
                                    format!("{}.run", step.path(job)),
                                ))
                                .key(leaked.join(","))
                                .build(),
                        );
                    }
                }
            }
        }
    }
}
