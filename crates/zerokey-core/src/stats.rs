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
}

/// A path that could not be scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathError {
    /// The path.
    pub path: String,
    /// What went wrong (never file contents).
    pub message: String,
}
