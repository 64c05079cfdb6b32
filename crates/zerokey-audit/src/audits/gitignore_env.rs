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
    what: "Evaluates the root `.gitignore` (with negations, anchors and globs, using the `ignore` crate's gitignore matcher) for the paths `.env`, `.env.local` and `.env.production`, and reports each one that would not be ignored.",
    why: "A `.env` that git does not ignore is one `git add .` away from being committed with its credentials.",
    example: ".gitignore containing `*.log` only",
    fix: "Add `.env` and `.env.*` (then `!.env.example`) to .gitignore.",
};

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
        for name in [".env", ".env.local", ".env.production"] {
            let m = matcher.matched_path_or_any_parents(r.root.join(name), false);
            if m.is_ignore() {
                continue;
            }
            out.push(
                FindingBuilder::new(&DOC)
                    .message(if exists {
                        format!("`{name}` is not ignored by .gitignore")
                    } else {
                        format!("there is no .gitignore, so `{name}` is not ignored")
                    })
                    .location(Location::file(".gitignore"))
                    .key(name)
                    .build(),
            );
        }
    }
}
