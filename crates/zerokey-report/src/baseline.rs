//! Baseline files: the fingerprints of reviewed findings (with rule id and path for people
//! reading the file), never a secret or a redacted value.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use zerokey_core::Finding;

/// A baseline document.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    version: u32,
    fingerprints: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    rule_id: String,
    path: String,
}

/// Why a baseline file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The file could not be read (the error names it).
    #[error(transparent)]
    Io(#[from] io::Error),
    /// Not JSON of the baseline's shape.
    #[error("{}:{line}: not a zerokey baseline: {error}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Line of the error.
        line: usize,
        /// The parser's message (part of this one, not a source).
        error: serde_json::Error,
    },
    /// A version this zerokey does not know.
    #[error("{}: unsupported baseline version {version}", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// Its version.
        version: u32,
    },
}

/// Reads the fingerprints of a baseline file.
pub fn read(path: &Path) -> Result<HashSet<String>, BaselineError> {
    parse(&fs_err::read_to_string(path)?, path)
}

/// The fingerprints of a baseline document `text`, read from `path`.
pub fn parse(text: &str, path: &Path) -> Result<HashSet<String>, BaselineError> {
    let b: Baseline = serde_json::from_str(text).map_err(|error| BaselineError::Parse {
        path: path.to_path_buf(),
        line: error.line(),
        error,
    })?;
    if b.version != 1 {
        return Err(BaselineError::Version {
            path: path.to_path_buf(),
            version: b.version,
        });
    }
    Ok(b.fingerprints.into_iter().map(|e| e.fingerprint).collect())
}

impl Baseline {
    /// A baseline of `findings`: each fingerprint once, sorted by path, rule and fingerprint.
    pub fn of<'a>(findings: impl Iterator<Item = &'a Finding>) -> Self {
        let mut seen = HashSet::new();
        let mut fingerprints: Vec<Entry> = findings
            .filter(|f| seen.insert(f.fingerprint.clone()))
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                path: f.path.clone(),
            })
            .collect();
        fingerprints.sort_by(|a, b| {
            (&a.path, &a.rule_id, &a.fingerprint).cmp(&(&b.path, &b.rule_id, &b.fingerprint))
        });
        Baseline {
            version: 1,
            fingerprints,
        }
    }

    /// How many fingerprints it holds.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    /// Writes the document (pretty JSON and a newline).
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use zerokey_core::{Confidence, Severity, Validation};

    fn finding(rule: &str, path: &str, fingerprint: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            rule_name: format!("{rule} name"),
            severity: Severity::Critical,
            confidence: Confidence::High,
            path: path.into(),
            location: None,
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 10,
            commit: None,
            date: None,
            redacted: "ghp_…(40)".into(),
            fingerprint: fingerprint.into(),
            validation: Validation::OfflineValid,
            decoded: None,
            note: None,
        }
    }

    #[test]
    fn written_sorted_once_each_and_read_back() {
        let findings = [
            finding("r2", "b.txt", "f2"),
            finding("r1", "a.txt", "f1"),
            finding("r2", "b.txt", "f2"),
        ];
        let b = Baseline::of(findings.iter());
        assert_eq!(b.len(), 2);
        let mut out = Vec::new();
        b.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("}\n"), "{text}");
        assert!(!text.contains("ghp_"), "{text}");
        assert!(text.find("a.txt") < text.find("b.txt"), "{text}");
        let read = parse(&text, Path::new("b.json")).unwrap();
        assert_eq!(read, HashSet::from(["f1".to_string(), "f2".to_string()]));
    }

    #[test]
    fn errors_name_the_file() {
        let e = parse(
            "{\n  \"version\": 1,\n  \"nope\": []\n}",
            Path::new("b.json"),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            e.starts_with("b.json:3: not a zerokey baseline: unknown field"),
            "{e}"
        );
        let e = parse(r#"{"version": 2, "fingerprints": []}"#, Path::new("b.json"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("b.json: unsupported baseline version 2"));
        let dir = tempfile::tempdir().unwrap();
        let e = read(&dir.path().join("missing.json"))
            .err()
            .map(|e| e.to_string());
        assert!(e.unwrap_or_default().contains("missing.json"));
    }
}
