//! `.zerokey.toml`: found by walking up from the first scanned path (or `--config FILE`,
//! `ZEROKEY_CONFIG`), then read by [`zerokey_scan::config`], which holds its schema.
//! Precedence: flag > `ZEROKEY_*` env > config file > defaults.

use anyhow::bail;
use std::path::{Path, PathBuf};
pub use zerokey_scan::config::{Config, FILE_NAME};

/// A loaded config and the directory it applies to.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    /// The file, if one was found.
    pub path: Option<PathBuf>,
    /// Its directory: globs are relative to it.
    pub dir: Option<PathBuf>,
}

/// Finds and parses the config: `explicit` if given, else the nearest `.zerokey.toml` at or
/// above `start`.
pub fn load(explicit: Option<&Path>, start: &Path) -> anyhow::Result<Loaded> {
    let path = match explicit {
        Some(p) => {
            if !p.is_file() {
                bail!("{}: config file not found", p.display());
            }
            Some(p.to_path_buf())
        }
        None => discover(start),
    };
    let Some(path) = path else {
        return Ok(Loaded::default());
    };
    let config = zerokey_scan::config::read(&path)?;
    let dir = std::path::absolute(&path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    tracing::info!(config = %path.display(), "using config");
    Ok(Loaded {
        config,
        path: Some(path),
        dir,
    })
}

fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_discovered_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "[allow]\npathz = []\n").unwrap_or_else(|e| panic!("{e}"));
        let err = load(None, &dir.path().join("sub"))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(
            err.contains(".zerokey.toml:2: unknown field `pathz`"),
            "{err}"
        );
        let missing = dir.path().join("none.toml");
        let err = load(Some(&missing), dir.path())
            .err()
            .map(|e| format!("{e:#}"));
        assert!(err
            .unwrap_or_default()
            .ends_with("none.toml: config file not found"));
    }

    #[test]
    fn discovered_from_a_subdirectory() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(FILE_NAME), "[rules]\ndisable = [\"x\"]\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        let loaded = load(None, &sub).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.config.rules.disable, ["x"]);
    }
}
