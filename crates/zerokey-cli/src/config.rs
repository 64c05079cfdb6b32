//! `.zerokey.toml`: found by walking up from the first scanned path (or `--config FILE`,
//! `ZEROKEY_CONFIG`). Precedence: flag > `ZEROKEY_*` env > config file > defaults.

use anyhow::{bail, Context as _};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// File name looked for in each directory.
pub const FILE_NAME: &str = ".zerokey.toml";

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub scan: ScanSection,
    #[serde(default)]
    pub rules: RulesSection,
    #[serde(default)]
    pub allow: AllowSection,
    #[serde(default)]
    pub audit: AuditSection,
}

/// `[audit]`: suppressions for `zerokey audit`, for inputs that cannot carry comments (JSON).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    /// Audit ids never run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// `[[audit.ignore]]` entries.
    #[serde(default)]
    pub ignore: Vec<AuditIgnore>,
    /// Globs (relative to the audited folder) of files not audited at all, e.g. fixtures that
    /// are wrong on purpose.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// One `[[audit.ignore]]`: findings of `rule` in files matching `path` (a glob relative to the
/// audit root), optionally only under `logical_path`, with a mandatory reason.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditIgnore {
    pub rule: String,
    pub path: String,
    #[serde(default)]
    pub logical_path: String,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// e.g. "64M".
    pub max_file_size: Option<String>,
    pub respect_gitignore: Option<bool>,
    pub follow_symlinks: Option<bool>,
    /// Globs of paths not scanned at all.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Open zip, tar and gzip files (default true).
    pub archives: Option<bool>,
    /// Scan SQLite databases (default true).
    pub databases: Option<bool>,
    /// Most nested archives.
    pub archive_max_depth: Option<u64>,
    /// e.g. "4G".
    pub archive_max_bytes: Option<String>,
    /// Highest compression ratio.
    pub archive_max_ratio: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    #[serde(default)]
    pub disable: Vec<String>,
    #[serde(default)]
    pub only: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowSection {
    /// Globs of paths whose findings are suppressed (still counted).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes matched against each candidate secret.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Case-insensitive words; a secret containing one is suppressed.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Fingerprints of reviewed findings.
    #[serde(default)]
    pub fingerprints: Vec<String>,
}

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
    let text = fs_err::read_to_string(&path)?;
    let config: Config = toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!(":{line}")
            })
            .unwrap_or_default();
        anyhow::anyhow!("{}{at}: {}", path.display(), e.message())
    })?;
    if let Some(size) = &config.scan.max_file_size {
        crate::args::parse_size(size)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("{}: scan.max_file_size", path.display()))?;
    }
    if let Some(size) = &config.scan.archive_max_bytes {
        crate::args::parse_size(size)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("{}: scan.archive_max_bytes", path.display()))?;
    }
    if config.scan.archive_max_depth == Some(0) || config.scan.archive_max_ratio == Some(0) {
        bail!(
            "{}: scan.archive_max_depth and scan.archive_max_ratio must be at least 1",
            path.display()
        );
    }
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
    fn unknown_keys_are_errors_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "[scan]\nexclude = []\n\n[allow]\npathz = []\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = load(None, dir.path())
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(
            err.contains(".zerokey.toml:5: unknown field `pathz`"),
            "{err}"
        );
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
