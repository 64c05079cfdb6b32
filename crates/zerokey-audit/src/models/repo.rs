//! The repository being audited: its root, the files found there, what git tracks and the
//! files each commit added (read with the `git` CLI; empty outside a repository).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A repository (or folder) root.
#[derive(Debug, Default)]
pub struct Repo {
    /// The root on disk.
    pub root: PathBuf,
    /// Files under it, relative, with `/` separators.
    pub files: Vec<String>,
    /// Files git tracks (relative to the root).
    pub tracked: Vec<String>,
    /// (commit, path) for every file a commit added, over all refs. The boundary commits of a
    /// shallow clone are left out: git shows every file they hold as added by them.
    pub history_adds: Vec<(String, String)>,
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The commits at the boundary of a shallow clone (empty for a full clone).
fn shallow_boundaries(root: &Path) -> Vec<String> {
    let Some(file) = git(root, &["rev-parse", "--git-path", "shallow"]) else {
        return Vec::new();
    };
    // Relative to `root` (where git ran) unless git printed an absolute path.
    std::fs::read_to_string(root.join(file.trim()))
        .map(|t| t.lines().map(|l| l.trim().to_string()).collect())
        .unwrap_or_default()
}

/// True if `dir` is inside a git work tree.
pub fn inside_work_tree(dir: &Path) -> bool {
    git(dir, &["rev-parse", "--is-inside-work-tree"]).is_some_and(|o| o.trim() == "true")
}

impl Repo {
    /// Reads the root; git facts only if it is inside a work tree.
    pub fn load(root: &Path, files: Vec<String>) -> Self {
        let mut repo = Repo {
            root: root.to_path_buf(),
            files,
            ..Repo::default()
        };
        if let Some(t) = git(root, &["ls-files", "-z"]) {
            repo.tracked = t
                .split('\0')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        if let Some(log) = git(
            root,
            &[
                "log",
                "--all",
                "--diff-filter=A",
                "--name-only",
                "--relative",
                "--format=%x01%H",
                "--",
                ".",
            ],
        ) {
            let shallow = shallow_boundaries(root);
            let mut commit = String::new();
            for line in log.lines() {
                if let Some(c) = line.strip_prefix('\u{1}') {
                    commit = c.to_string();
                } else if !line.is_empty() && !shallow.contains(&commit) {
                    repo.history_adds.push((commit.clone(), line.to_string()));
                }
            }
        }
        repo
    }

    /// True for third-party code copied into the repository by a package manager: a path under
    /// `node_modules/`, or under a Go module `vendor/` folder (one holding a tracked
    /// `modules.txt`, which `go mod vendor` writes).
    pub fn is_vendored(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        let dirs = parts.len().saturating_sub(1);
        parts[..dirs].iter().enumerate().any(|(i, d)| {
            *d == "node_modules"
                || (*d == "vendor" && {
                    let manifest = format!("{}/modules.txt", parts[..=i].join("/"));
                    self.tracked.contains(&manifest)
                })
        })
    }

    /// True if a file with this name (case-insensitive, any extension) is at the root or in
    /// `.github/` or `docs/`.
    pub fn has_doc(&self, stems: &[&str]) -> bool {
        self.files.iter().any(|f| {
            let (dir, name) = f.rsplit_once('/').unwrap_or(("", f));
            let stem = name.split('.').next().unwrap_or(name);
            matches!(dir, "" | ".github" | "docs")
                && stems.iter().any(|s| stem.eq_ignore_ascii_case(s))
        })
    }
}

/// CI configuration files: GitHub workflows, GitLab, CircleCI, Azure Pipelines, Bitbucket,
/// Jenkins, Travis, Buildkite.
pub fn is_ci_file(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    (lower.starts_with(".github/workflows/") && (name.ends_with(".yml") || name.ends_with(".yaml")))
        || name == ".gitlab-ci.yml"
        || lower == ".circleci/config.yml"
        || name == "azure-pipelines.yml"
        || name == "bitbucket-pipelines.yml"
        || name == "jenkinsfile"
        || name == ".travis.yml"
        || lower.starts_with(".buildkite/")
}

impl Repo {
    /// The text of a file under the root (None if unreadable or larger than 1 MiB).
    pub fn read(&self, rel: &str) -> Option<String> {
        let path = self.root.join(rel);
        let meta = std::fs::metadata(&path).ok()?;
        if meta.len() > 1 << 20 {
            return None;
        }
        fs_err::read_to_string(path).ok()
    }

    /// The CI configuration files.
    pub fn ci_files(&self) -> Vec<&str> {
        self.files
            .iter()
            .map(String::as_str)
            .filter(|f| is_ci_file(f))
            .collect()
    }
}
