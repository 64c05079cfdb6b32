//! `.zerokey.toml`, the project's settings: its schema, parsed with errors naming the file
//! and line, and what the scan takes from it (rule selection, allowlist, archive limits).
//! Where the file is found (walking up from the scanned path, `--config`, `ZEROKEY_CONFIG`)
//! is the binary's business. Precedence: flag > `ZEROKEY_*` env > config file > defaults.

use crate::ArchiveOptions;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use zerokey_core::{Allowlist, Matcher, RuleError, RuleSet};

/// File name looked for in each directory.
pub const FILE_NAME: &str = ".zerokey.toml";

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[scan]`.
    #[serde(default)]
    pub scan: ScanSection,
    /// `[rules]`.
    #[serde(default)]
    pub rules: RulesSection,
    /// `[allow]`.
    #[serde(default)]
    pub allow: AllowSection,
    /// `[audit]`.
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
    /// The audit id.
    pub rule: String,
    /// Glob of the files.
    pub path: String,
    /// Only findings under this logical path (empty: all).
    #[serde(default)]
    pub logical_path: String,
    /// Why (must not be empty).
    pub reason: String,
}

/// `[scan]`: what a scan reads.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// e.g. "64M".
    pub max_file_size: Option<String>,
    /// Skip what `.gitignore` files ignore.
    pub respect_gitignore: Option<bool>,
    /// Follow symbolic links.
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

/// `[rules]`: which built-in rules run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    /// Rule ids never run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Only these rule ids run (unless `--only-rules` is given).
    #[serde(default)]
    pub only: Vec<String>,
}

/// `[allow]`: what is suppressed.
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

/// Why a config file could not be used; each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read (the error names it).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Not TOML of the config's shape; `at` is `:LINE` when known.
    #[error("{}{at}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// `:LINE`, or empty.
        at: String,
        /// The parser's message.
        message: String,
    },
    /// A size that is not one.
    #[error("{}: {key}: {message}", path.display())]
    BadSize {
        /// The file.
        path: PathBuf,
        /// e.g. `scan.max_file_size`.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An archive limit of 0.
    #[error(
        "{}: scan.archive_max_depth and scan.archive_max_ratio must be at least 1",
        path.display()
    )]
    ZeroLimit {
        /// The file.
        path: PathBuf,
    },
}

/// Why the rules of a scan could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// The built-in rules are broken.
    #[error("built-in rules")]
    Builtin(#[source] RuleError),
    /// `--only-rules`, `--disable-rules` or the config names a rule that does not exist.
    #[error("unknown rule id {0:?} (see `zerokey rules`)")]
    UnknownRule(String),
    /// The rules did not compile.
    #[error(transparent)]
    Compile(RuleError),
    /// `[allow] regexes` or `stopwords` are invalid.
    #[error("allow.regexes")]
    Allow(#[source] RuleError),
}

/// Reads and checks the config file at `path`.
pub fn read(path: &Path) -> Result<Config, ConfigError> {
    parse(&fs_err::read_to_string(path)?, path)
}

/// Parses and checks `text`, the config file at `path`.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let config: Config = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        at: e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!(":{line}")
            })
            .unwrap_or_default(),
        message: e.message().to_string(),
    })?;
    let sizes = [
        ("scan.max_file_size", &config.scan.max_file_size),
        ("scan.archive_max_bytes", &config.scan.archive_max_bytes),
    ];
    for (key, size) in sizes {
        if let Some(size) = size {
            parse_size(size).map_err(|message| ConfigError::BadSize {
                path: path.to_path_buf(),
                key,
                message,
            })?;
        }
    }
    if config.scan.archive_max_depth == Some(0) || config.scan.archive_max_ratio == Some(0) {
        return Err(ConfigError::ZeroLimit {
            path: path.to_path_buf(),
        });
    }
    Ok(config)
}

/// Parses `123`, `500K`, `64M`, `1G` (powers of 1024; a trailing `B`/`iB` is accepted).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (num, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 1 << 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("invalid size {s:?} (expected e.g. 500K, 64M, 1G)"))
}

/// The archive flags of a scan (`None`/`false`: not given), which win over the file.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArchiveFlags {
    /// `--no-archives`.
    pub no_archives: bool,
    /// `--no-databases`.
    pub no_databases: bool,
    /// `--archive-max-depth`.
    pub max_depth: Option<u64>,
    /// `--archive-max-bytes`.
    pub max_bytes: Option<u64>,
    /// `--archive-max-ratio`.
    pub max_ratio: Option<u64>,
}

impl ScanSection {
    /// `max_file_size` in bytes, if set (and valid).
    pub fn max_file_size(&self) -> Option<u64> {
        self.max_file_size
            .as_deref()
            .and_then(|s| parse_size(s).ok())
    }

    /// Archive and database options: flag > this section > defaults.
    pub fn archive_options(&self, flags: ArchiveFlags) -> ArchiveOptions {
        let d = ArchiveOptions::default();
        ArchiveOptions {
            archives: !flags.no_archives && self.archives.unwrap_or(d.archives),
            databases: !flags.no_databases && self.databases.unwrap_or(d.databases),
            max_depth: flags
                .max_depth
                .or(self.archive_max_depth)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(d.max_depth),
            max_bytes: flags
                .max_bytes
                .or_else(|| {
                    self.archive_max_bytes
                        .as_deref()
                        .and_then(|s| parse_size(s).ok())
                })
                .unwrap_or(d.max_bytes),
            max_ratio: flags
                .max_ratio
                .or(self.archive_max_ratio)
                .unwrap_or(d.max_ratio),
        }
    }
}

impl RulesSection {
    /// The built-in rules, only those of `only` (the flag's, else this section's) and none of
    /// `disable` (the flag's and this section's).
    pub fn rule_set(&self, only: &[String], disable: &[String]) -> Result<RuleSet, RulesError> {
        let mut set = RuleSet::builtin().map_err(RulesError::Builtin)?;
        let only = if only.is_empty() { &self.only } else { only };
        let disable: Vec<&String> = disable.iter().chain(&self.disable).collect();
        for id in only.iter().chain(disable.iter().copied()) {
            if set.get(id).is_none() {
                return Err(RulesError::UnknownRule(id.clone()));
            }
        }
        if !only.is_empty() {
            set.retain(|r| only.contains(&r.id));
        }
        set.retain(|r| !disable.contains(&&r.id));
        Ok(set)
    }
}

impl Config {
    /// The engine of a scan: [`RulesSection::rule_set`] compiled, with the `[allow]`
    /// regexes and stopwords; `name` names the file in errors.
    pub fn matcher(
        &self,
        name: &str,
        only: &[String],
        disable: &[String],
    ) -> Result<Matcher, RulesError> {
        let set = self.rules.rule_set(only, disable)?;
        let matcher = Matcher::new(&set).map_err(RulesError::Compile)?;
        let allow = Allowlist::new(name, &self.allow.regexes, &self.allow.stopwords)
            .map_err(RulesError::Allow)?;
        Ok(matcher.with_allowlist(allow))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("dir/.zerokey.toml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn unknown_keys_are_errors_with_file_and_line() {
        let e = err("[scan]\nexclude = []\n\n[allow]\npathz = []\n");
        assert!(
            e.starts_with("dir/.zerokey.toml:5: unknown field `pathz`"),
            "{e}"
        );
    }

    #[test]
    fn sizes_and_limits_are_checked() {
        let e = err("[scan]\nmax_file_size = \"lots\"\n");
        assert_eq!(
            e,
            "dir/.zerokey.toml: scan.max_file_size: invalid size \"lots\" (expected e.g. 500K, 64M, 1G)"
        );
        let e = err("[scan]\narchive_max_bytes = \"0\"\n");
        assert!(
            e.starts_with("dir/.zerokey.toml: scan.archive_max_bytes: "),
            "{e}"
        );
        let e = err("[scan]\narchive_max_ratio = 0\n");
        assert!(e.ends_with("must be at least 1"), "{e}");
        let c = parse("[scan]\nmax_file_size = \"2K\"\n", Path::new("c")).unwrap();
        assert_eq!(c.scan.max_file_size(), Some(2048));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("500K"), Ok(500 * 1024));
        assert_eq!(parse_size("64MB"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn archive_flags_win_over_the_file() {
        let text = "[scan]\narchives = false\narchive_max_depth = 3\narchive_max_bytes = \"1M\"\n";
        let scan = parse(text, Path::new("c")).unwrap().scan;
        let o = scan.archive_options(ArchiveFlags::default());
        assert!(!o.archives && o.databases);
        assert_eq!((o.max_depth, o.max_bytes, o.max_ratio), (3, 1 << 20, 100));
        let flags = ArchiveFlags {
            no_databases: true,
            max_depth: Some(5),
            max_bytes: Some(7),
            max_ratio: Some(9),
            ..ArchiveFlags::default()
        };
        let o = scan.archive_options(flags);
        assert!(!o.databases);
        assert_eq!((o.max_depth, o.max_bytes, o.max_ratio), (5, 7, 9));
        assert_eq!(
            ScanSection::default().archive_options(ArchiveFlags::default()),
            ArchiveOptions::default()
        );
    }

    #[test]
    fn rules_are_selected_by_flags_then_the_file() {
        let all = RuleSet::builtin().unwrap().len();
        let ids: Vec<String> = RuleSet::builtin()
            .unwrap()
            .rules()
            .iter()
            .take(3)
            .map(|r| r.id.clone())
            .collect();
        let rules = RulesSection {
            disable: vec![ids[0].clone()],
            only: Vec::new(),
        };
        assert_eq!(rules.rule_set(&[], &[]).unwrap().len(), all - 1);
        assert_eq!(rules.rule_set(&[], &ids[1..2]).unwrap().len(), all - 2);
        let set = rules.rule_set(&ids, &[]).unwrap();
        assert_eq!(set.len(), 2);
        assert!(set.get(&ids[0]).is_none());
        let e = rules
            .rule_set(&["nope".to_string()], &[])
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("unknown rule id \"nope\" (see `zerokey rules`)")
        );
        let only_in_file = RulesSection {
            disable: Vec::new(),
            only: ids[..1].to_vec(),
        };
        assert_eq!(only_in_file.rule_set(&[], &[]).unwrap().len(), 1);
        assert_eq!(only_in_file.rule_set(&ids[1..], &[]).unwrap().len(), 2);
    }

    #[test]
    fn a_bad_allowlist_regex_is_named() {
        let c = parse("[allow]\nregexes = [\"(\"]\n", Path::new("c")).unwrap();
        let e = c.matcher("my.toml", &[], &[]).err().unwrap();
        assert_eq!(e.to_string(), "allow.regexes");
        let source = std::error::Error::source(&e)
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(source.contains("my.toml"), "{source}");
        assert!(Config::default().matcher("c", &[], &[]).is_ok());
    }
}
