//! No CI job runs a secret scanner.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::repo::Repo;

/// The audit.
pub struct NoSecretScanningInCi;

/// Scanners recognised in CI files.
const SCANNERS: &[&str] = &[
    "zerokey",
    "gitleaks",
    "trufflehog",
    "detect-secrets",
    "ggshield",
    "noseyparker",
    "nosey-parker",
    "secretlint",
    "kingfisher",
    "talisman",
];

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "no-secret-scanning-in-ci",
    title: "no secret scanning in CI",
    input: "repository",
    severity: Severity::Low,
    confidence: Confidence::Medium,
    what: "Reports a repository whose CI files (GitHub workflows, GitLab, CircleCI, Azure, Bitbucket, Jenkins, Travis, Buildkite) and `.pre-commit-config.yaml` never mention a secret scanner (zerokey, gitleaks, trufflehog, detect-secrets, ggshield, Nosey Parker, secretlint, kingfisher, talisman), or that has no CI at all.",
    why: "A secret committed by mistake is found by whoever looks first; if CI does not look, attackers scraping public pushes will.",
    example: "a repository whose only workflow runs the tests",
    fix: "Add a job that runs `zerokey scan --fail-on-findings` (or another scanner) on every push and pull request.",
};

impl Audit for NoSecretScanningInCi {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn repository(&self, r: &Repo, out: &mut Vec<AuditFinding>) {
        let mut files = r.ci_files();
        if r.files.iter().any(|f| f == ".pre-commit-config.yaml") {
            files.push(".pre-commit-config.yaml");
        }
        let scanned = files.iter().any(|f| {
            r.read(f).is_some_and(|t| {
                let t = t.to_ascii_lowercase();
                SCANNERS.iter().any(|s| t.contains(s))
            })
        });
        if scanned {
            return;
        }
        let (loc, msg) = match files.first() {
            Some(f) => (
                Location::file(f),
                format!("none of the {} CI files runs a secret scanner", files.len()),
            ),
            None => (
                Location::file(".github/workflows"),
                "the repository has no CI, so nothing scans pushes for secrets".to_string(),
            ),
        };
        out.push(FindingBuilder::new(&DOC).message(msg).location(loc).build());
    }
}
