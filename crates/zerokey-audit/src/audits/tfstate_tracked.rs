//! Terraform state files committed to git.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::repo::Repo;

/// The audit.
pub struct TfstateTracked;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "tfstate-tracked",
    title: "Terraform state committed",
    input: "repository",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Reports `*.tfstate` and `*.tfstate.backup` files that git tracks (and, once per file, those added anywhere in the history).",
    why: "State holds every resource attribute in clear text — generated passwords, private keys, access keys — and a committed copy lives on in every clone and in the history after it is deleted.",
    example: "terraform.tfstate tracked at the repository root",
    fix: "Move state to a remote backend (S3 with `encrypt = true` and a KMS key), `git rm --cached` the file, add `*.tfstate*` to .gitignore, run `zerokey scan --git` on the history and rotate every credential the state held.",
};

fn is_state(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.ends_with(".tfstate") || name.ends_with(".tfstate.backup")
}

impl Audit for TfstateTracked {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn repository(&self, r: &Repo, out: &mut Vec<AuditFinding>) {
        for f in r.tracked.iter().filter(|f| is_state(f)) {
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!("Terraform state `{f}` is tracked by git"))
                    .location(Location::file(f))
                    .build(),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (commit, f) in r.history_adds.iter().filter(|(_, f)| is_state(f)) {
            if r.tracked.contains(f) || !seen.insert(f.clone()) {
                continue;
            }
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "Terraform state `{f}` was added to the history by commit {}",
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
