//! The repository being audited: its root and the files found there.

use std::path::PathBuf;

/// A repository (or folder) root.
#[derive(Debug)]
pub struct Repo {
    /// The root on disk.
    pub root: PathBuf,
    /// Files under it, relative, with `/` separators.
    pub files: Vec<String>,
}

impl Repo {
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
