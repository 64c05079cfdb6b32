//! Scan counts and per-path errors, shared by the scanner and the reports.

use serde::{Deserialize, Serialize};

/// Counts of a scan, as in the JSON report's `stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Files scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Blobs scanned (files, stream, or unique git blobs).
    pub blobs: u64,
    /// Wall time.
    pub duration_ms: u64,
    /// Findings hidden by `zerokey:allow` (and, later, baselines and config).
    pub suppressed: u64,
    /// Files skipped as binary.
    pub skipped_binary: u64,
    /// Files skipped as larger than the size cap.
    pub skipped_too_large: u64,
    /// Symbolic links not followed.
    pub skipped_symlinks: u64,
    /// Paths excluded by configuration (`scan.exclude`, `--exclude`).
    pub skipped_excluded: u64,
    /// Paths that could not be read.
    pub errors: u64,
    /// Members scanned inside archives (zip, tar, gzip, image layers).
    #[serde(default)]
    pub archive_members: u64,
    /// Database rows scanned (SQLite).
    #[serde(default)]
    pub database_rows: u64,
    /// Archives, members and database parts skipped with a reason (limits against archive
    /// bombs, encryption, unsupported formats), each listed in the report's `skipped`.
    #[serde(default)]
    pub skipped_members: u64,
}

/// A path that could not be scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathError {
    /// The path.
    pub path: String,
    /// What went wrong (never file contents).
    pub message: String,
}

/// Something inside an input that was deliberately not scanned, and why (an archive limit, an
/// encrypted member, an unsupported compression method). Not an error: the exit code stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file, archive member or database part, as in a finding's `location`.
    pub path: String,
    /// Why it was skipped (never file contents).
    pub reason: String,
}
