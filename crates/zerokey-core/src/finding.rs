//! The finding model shared by the scanner, the reports and (later) the auditor.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// How bad a leak of this kind is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational only.
    Info,
    /// Low impact.
    Low,
    /// Medium impact.
    Medium,
    /// High impact.
    High,
    /// Direct access to accounts, infrastructure or money.
    Critical,
}

impl Severity {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the engine is that the match is a real secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Plausible, context-based match.
    Low,
    /// Distinctive format or strong context.
    Medium,
    /// Distinctive format confirmed by a checksum, a structure check or a pairing.
    High,
}

impl Confidence {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is known about whether the secret works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Validation {
    /// Not checked: the format has no offline check and `--verify` was not asked for.
    #[default]
    Unverified,
    /// An offline check passed (checksum, macaroon structure, key-pair context).
    OfflineValid,
    /// A live check (opt-in) said the credential works.
    Live,
    /// A live check (opt-in) said the credential does not work.
    Invalid,
}

/// One reported secret. Holds only the redacted form of the secret, so it may be serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id, e.g. `aws-access-key-id`.
    pub rule_id: String,
    /// Human name of the rule.
    pub rule_name: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Confidence after validators.
    pub confidence: Confidence,
    /// Where the secret is: a file path, `-` for stdin, or an input-specific name. For a
    /// secret inside an archive member or a database cell, the file holding them.
    pub path: String,
    /// Where inside `path` the secret is, when `path` is an archive or a database: the path,
    /// then each archive member after `!`, then a database cell as `:table[rowid=N].column`
    /// (`image.tar!blobs/sha256/…!etc/app.env`, `app.db:users[rowid=3].api_key`). `line` and
    /// `column` then count within that member or cell value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<String>,
    /// 1-based line where the secret starts.
    pub line: usize,
    /// 1-based byte column where the secret starts.
    pub column: usize,
    /// 1-based line where the secret ends.
    pub end_line: usize,
    /// 1-based byte column of the last byte of the secret.
    pub end_column: usize,
    /// The commit that introduced it, for history scans.
    pub commit: Option<String>,
    /// Author date of that commit (RFC 3339), for history scans.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub date: Option<String>,
    /// At most four characters of the secret, then its length.
    pub redacted: String,
    /// Stable hash of rule, path and secret; what a baseline stores.
    pub fingerprint: String,
    /// Offline or live validation state.
    pub validation: Validation,
    /// Decoding layer the secret was found under (`base64`, `utf16`), if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub decoded: Option<String>,
    /// Extra facts safe to show (e.g. the AWS account id decoded from a key id).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

/// Why a finding is not reported as active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionKind {
    /// A `zerokey:allow` comment on the line or the line above.
    Inline,
    /// The fingerprint is in the `--baseline` file.
    Baseline,
    /// `.zerokey.toml`: an allowed path, regex or stopword.
    Config,
}

/// A finding hidden by a suppression: kept, counted and listed, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    /// What suppressed it.
    pub kind: SuppressionKind,
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
}

/// Stable fingerprint of a finding: SHA-256 over a version tag, the rule id, the path relative
/// to the scan root (with `/` separators) and the secret; hex, 32 characters.
///
/// The same secret in the same file gives the same fingerprint on every run and machine.
pub fn fingerprint(rule_id: &str, rel_path: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"zerokey-fingerprint-v1\0");
    h.update(rule_id.as_bytes());
    h.update(b"\0");
    h.update(rel_path.replace('\\', "/").as_bytes());
    h.update(b"\0");
    h.update(secret);
    let digest = h.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_separates_inputs() {
        let a = fingerprint("r", "a/b.txt", b"secret");
        assert_eq!(a, fingerprint("r", "a\\b.txt", b"secret"));
        assert_eq!(a.len(), 32);
        assert_ne!(a, fingerprint("r", "a/b.txt", b"secreT"));
        assert_ne!(a, fingerprint("s", "a/b.txt", b"secret"));
        // Known value: changing the scheme breaks every user's baseline.
        assert_eq!(a, fingerprint("r", "a/b.txt", b"secret"));
    }

    #[test]
    fn severity_orders_and_serializes() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!(
            serde_json::to_string(&Validation::OfflineValid).unwrap_or_default(),
            "\"offline_valid\""
        );
    }
}
