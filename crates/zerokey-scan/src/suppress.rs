//! Suppression after a scan: findings whose fingerprint is in a baseline, or whose path an
//! allowed-path glob matches, move to the suppressed list (counted, listed, never dropped).

use crate::ScanOutcome;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use zerokey_core::{Suppressed, SuppressionKind};

/// Path globs (`vendor/**`, `*.min.js`, `**/fixtures/**`), matched against a path as shown
/// and, when a base directory is set, against the path relative to it.
#[derive(Debug, Clone)]
pub struct PathGlobs {
    set: GlobSet,
    base: Option<PathBuf>,
    others: Vec<PathGlobs>,
}

impl PathGlobs {
    /// Compiles `patterns`; `base` is the directory they are relative to.
    pub fn new(patterns: &[String], base: Option<PathBuf>) -> Result<Self, globset::Error> {
        let mut b = GlobSetBuilder::new();
        for p in patterns {
            let p = p.trim_start_matches("./");
            b.add(Glob::new(p)?);
            // `dir/` or `dir` also means everything below it.
            b.add(Glob::new(&format!("{}/**", p.trim_end_matches('/')))?);
        }
        Ok(PathGlobs {
            set: b.build()?,
            base,
            others: Vec::new(),
        })
    }

    /// One matcher from several (each keeps its base); `None` if there are none.
    pub fn merge(mut all: Vec<PathGlobs>) -> Option<PathGlobs> {
        match all.len() {
            0 => None,
            1 => all.pop(),
            _ => Some(PathGlobs {
                set: GlobSet::empty(),
                base: None,
                others: all,
            }),
        }
    }

    /// True if `path` matches.
    pub fn is_match(&self, path: &Path) -> bool {
        if self.others.iter().any(|o| o.is_match(path)) {
            return true;
        }
        let shown = crate::files::display(path);
        if self.set.is_match(&shown) {
            return true;
        }
        let Some(base) = &self.base else {
            return false;
        };
        std::path::absolute(path)
            .ok()
            .and_then(|abs| abs.strip_prefix(base).ok().map(|r| self.set.is_match(r)))
            .unwrap_or(false)
    }
}

/// What to suppress after a scan.
#[derive(Debug, Default)]
pub struct Policy {
    /// Fingerprints from a baseline file.
    pub baseline: HashSet<String>,
    /// Paths whose findings are allowed.
    pub allow_paths: Option<PathGlobs>,
}

impl Policy {
    /// Moves suppressed findings of `outcome` to its suppressed list and updates its stats.
    pub fn apply(&self, outcome: &mut ScanOutcome) {
        if self.baseline.is_empty() && self.allow_paths.is_none() {
            return;
        }
        let findings = std::mem::take(&mut outcome.findings);
        for finding in findings {
            let kind = if self.baseline.contains(&finding.fingerprint) {
                Some(SuppressionKind::Baseline)
            } else if self
                .allow_paths
                .as_ref()
                .is_some_and(|g| g.is_match(Path::new(&finding.path)))
            {
                Some(SuppressionKind::Config)
            } else {
                None
            };
            match kind {
                Some(kind) => outcome.suppressed.push(Suppressed { kind, finding }),
                None => outcome.findings.push(finding),
            }
        }
        outcome
            .suppressed
            .sort_by(|a, b| crate::finding_order(&a.finding, &b.finding));
        outcome.stats.suppressed = outcome.suppressed.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_below_directories_and_relative_to_base() {
        let g = PathGlobs::new(&["vendor".into(), "*.min.js".into()], None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(g.is_match(Path::new("vendor/a/b.go")));
        assert!(g.is_match(Path::new("./web/app.min.js")));
        assert!(!g.is_match(Path::new("src/vendor.rs")));
        let base = std::env::temp_dir();
        let g = PathGlobs::new(&["fixtures/**".into()], Some(base.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(g.is_match(&base.join("fixtures/x.env")));
    }
}
