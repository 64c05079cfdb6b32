//! The audit finding: rule id, title, severity, confidence, message, locations (path, 1-based
//! line and column, logical path), remediation and a stable fingerprint; built with
//! [`FindingBuilder`].

use crate::audits::AuditDoc;
use crate::source::SourceFile;
use serde::{Deserialize, Serialize};
use std::ops::Range;
pub use zerokey_core::{Confidence, Severity};

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// File path relative to the audit root.
    pub path: String,
    /// 1-based line where the span starts.
    pub line: usize,
    /// 1-based byte column where the span starts.
    pub column: usize,
    /// 1-based line where the span ends.
    pub end_line: usize,
    /// 1-based byte column of the span's last byte.
    pub end_column: usize,
    /// Logical path in the document, e.g. `jobs.deploy.steps[1]` or `aws_s3_bucket.data`.
    pub logical_path: String,
    /// What this location shows, for secondary locations.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

impl Location {
    /// A location from a byte span of `src`.
    pub fn new(src: &SourceFile, span: &Range<usize>, logical_path: impl Into<String>) -> Self {
        let (line, column) = src.line_col(span.start);
        let last = if span.end > span.start {
            span.end - 1
        } else {
            span.start
        };
        let (end_line, end_column) = src.line_col(last);
        Location {
            path: src.path.clone(),
            line,
            column,
            end_line,
            end_column,
            logical_path: logical_path.into(),
            note: None,
        }
    }

    /// A location naming a whole file (line 1).
    pub fn file(path: &str) -> Self {
        Location {
            path: path.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            logical_path: String::new(),
            note: None,
        }
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// One audit finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFinding {
    /// Audit id, e.g. `static-aws-keys-in-workflow`.
    pub rule_id: String,
    /// The audit's title.
    pub title: String,
    /// How bad it is.
    pub severity: Severity,
    /// How sure the audit is.
    pub confidence: Confidence,
    /// What is wrong here.
    pub message: String,
    /// Primary location first.
    pub locations: Vec<Location>,
    /// How to fix it.
    pub remediation: String,
    /// Stable over runs and machines: rule, path, logical path and a discriminator, no lines.
    pub fingerprint: String,
    /// The commit, for findings from git history.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commit: Option<String>,
    /// Structured facts behind the message (e.g. who can assume a role), for `--format json`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub details: Option<serde_json::Value>,
}

impl AuditFinding {
    /// The primary location.
    pub fn primary(&self) -> Option<&Location> {
        self.locations.first()
    }
}

/// Builds an [`AuditFinding`] with the audit's defaults.
#[derive(Debug)]
pub struct FindingBuilder {
    f: AuditFinding,
    key: String,
}

impl FindingBuilder {
    /// Starts a finding of the audit `doc`.
    pub fn new(doc: &AuditDoc) -> Self {
        FindingBuilder {
            f: AuditFinding {
                rule_id: doc.id.to_string(),
                title: doc.title.to_string(),
                severity: doc.severity,
                confidence: doc.confidence,
                message: String::new(),
                locations: Vec::new(),
                remediation: doc.fix.to_string(),
                fingerprint: String::new(),
                commit: None,
                details: None,
            },
            key: String::new(),
        }
    }
    /// Severity (default: the audit's).
    pub fn severity(mut self, s: Severity) -> Self {
        self.f.severity = s;
        self
    }
    /// Confidence (default: the audit's).
    pub fn confidence(mut self, c: Confidence) -> Self {
        self.f.confidence = c;
        self
    }
    /// The message.
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.f.message = m.into();
        self
    }
    /// Adds a location (the first is the primary one).
    pub fn location(mut self, l: Location) -> Self {
        self.f.locations.push(l);
        self
    }
    /// A more specific remediation than the audit's.
    pub fn remediation(mut self, r: impl Into<String>) -> Self {
        self.f.remediation = r.into();
        self
    }
    /// Extra discriminator for the fingerprint (e.g. the flag or secret name).
    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.key = k.into();
        self
    }
    /// Structured details (serialised into JSON output).
    pub fn details(mut self, d: serde_json::Value) -> Self {
        self.f.details = Some(d);
        self
    }
    /// The commit (history findings).
    pub fn commit(mut self, c: impl Into<String>) -> Self {
        self.f.commit = Some(c.into());
        self
    }
    /// Finishes the finding and computes its fingerprint.
    pub fn build(mut self) -> AuditFinding {
        let (path, logical) = self
            .f
            .locations
            .first()
            .map(|l| (l.path.clone(), l.logical_path.clone()))
            .unwrap_or_default();
        let mut material = logical.into_bytes();
        material.push(0);
        material.extend_from_slice(self.key.as_bytes());
        if let Some(c) = &self.f.commit {
            material.push(0);
            material.extend_from_slice(c.as_bytes());
        }
        self.f.fingerprint = zerokey_core::fingerprint(&self.f.rule_id, &path, &material);
        self.f
    }
}
