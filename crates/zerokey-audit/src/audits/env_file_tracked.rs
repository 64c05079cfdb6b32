//! `.env` files tracked by git now, or added by any commit in the history.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::repo::Repo;

/// The audit.
pub struct EnvFileTracked;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "env-file-tracked",
    title: ".env file committed",
    input: "repository",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Lists `.env` and `.env.*` files (not `.env.example`, `.env.sample`, `.env.template`, `.env.dist`) tracked by git (`git ls-files`), and every commit in the history (`git log --all`) that added one, naming the commit. Files in package-manager copies of third-party code (`node_modules/`, a Go `vendor/` folder with `modules.txt`) are skipped, and so are the boundary commits of a shallow clone (git shows them adding every file they hold).",
    why: "`.env` files hold real credentials; once committed they are in every clone and every fork, even after the file is deleted.",
    example: "git add .env",
    fix: "`git rm --cached .env`, add `.env` to .gitignore, rotate every credential it held, and rewrite history (git filter-repo) if the repository is or was public.",
};

/// True for `.env` files that are not templates.
pub fn is_env_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name != ".env" && !name.starts_with(".env.") {
        return false;
    }
    !["example", "sample", "template", "dist", "defaults"]
        .iter()
        .any(|t| name.ends_with(t))
}

impl Audit for EnvFileTracked {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn repository(&self, r: &Repo, out: &mut Vec<AuditFinding>) {
        for f in r
            .tracked
            .iter()
            .filter(|f| is_env_file(f) && !r.is_vendored(f))
        {
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!("`{f}` is tracked by git"))
                    .location(Location::file(f))
                    .build(),
            );
        }
        for (commit, f) in r
            .history_adds
            .iter()
            .filter(|(_, f)| is_env_file(f) && !r.is_vendored(f))
        {
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "`{f}` was added to the history by commit {}",
                        commit.get(..12).unwrap_or(commit)
                    ))
                    .location(Location::file(f))
                    .commit(commit.clone())
                    .key("history")
                    .build(),
            );
        }
    }
}
