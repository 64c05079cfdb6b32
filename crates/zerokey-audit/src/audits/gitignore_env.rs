//! `.gitignore` does not ignore `.env` (evaluated with the `ignore` crate, as git would).

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::repo::Repo;

/// The audit.
pub struct GitignoreEnv;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "gitignore-env",
    title: ".env not ignored by .gitignore",
    input: "repository",
    severity: Severity::Medium,
    confidence: Confidence::High,
    what: "Evaluates the root `.gitignore` (with negations, anchors and globs, using the `ignore` crate's gitignore matcher) for the paths `.env`, `.env.local` and `.env.production`, and reports those that would not be ignored, in one finding: medium if the repository shows it works with `.env` files (one, or a template such as `.env.example`, outside `node_modules/` and Go `vendor/`, or a Compose file, which reads `.env` by default), low otherwise.",
    why: "A `.env` that git does not ignore is one `git add .` away from being committed with its credentials.",
    example: ".gitignore containing `*.log` only",
    fix: "Add `.env` and `.env.*` (then `!.env.example`) to .gitignore.",
};

/// True if the repository shows it works with `.env` files: one (or a template) exists outside
/// third-party code, or a Compose file does (Compose reads `.env` beside it by default).
fn uses_env_files(r: &Repo) -> bool {
    r.files.iter().any(|f| {
        let name = f.rsplit('/').next().unwrap_or(f).to_ascii_lowercase();
        let env = name == ".env" || name.starts_with(".env.");
        let compose = (name.starts_with("docker-compose") || name.starts_with("compose."))
            && (name.ends_with(".yml") || name.ends_with(".yaml"));
        (env || compose) && !r.is_vendored(f)
    })
}

impl Audit for GitignoreEnv {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn repository(&self, r: &Repo, out: &mut Vec<AuditFinding>) {
        let mut b = ignore::gitignore::GitignoreBuilder::new(&r.root);
        let gi = r.root.join(".gitignore");
        let exists = gi.is_file();
        if exists {
            if let Some(e) = b.add(&gi) {
                tracing::warn!("{}: {e}", gi.display());
            }
        }
        let Ok(matcher) = b.build() else { return };
        let open: Vec<String> = [".env", ".env.local", ".env.production"]
            .iter()
            .filter(|name| {
                !matcher
                    .matched_path_or_any_parents(r.root.join(name), false)
                    .is_ignore()
            })
            .map(|name| format!("`{name}`"))
            .collect();
        if open.is_empty() {
            return;
        }
        let names = format!(
            "{} {}",
            open.join(", "),
            if open.len() == 1 { "is" } else { "are" }
        );
        let (severity, why) = if uses_env_files(r) {
            (Severity::Medium, "")
        } else {
            (
                Severity::Low,
                "; the repository has no .env file, template or Compose file",
            )
        };
        out.push(
            FindingBuilder::new(&DOC)
                .severity(severity)
                .message(if exists {
                    format!("{names} not ignored by .gitignore{why}")
                } else {
                    format!("there is no .gitignore, so {names} not ignored{why}")
                })
                .location(Location::file(".gitignore"))
                .build(),
        );
    }
}
