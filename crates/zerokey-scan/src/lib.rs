//! zerokey's inputs: files and streams become blobs, blobs go through decoding layers and the
//! engine, and findings come back with locations in the original bytes.
//!
//! [`scan_paths`] walks directories in parallel; [`blob::scan_blob`] scans one in-memory blob;
//! [`files::scan_stream`] scans a reader in bounded memory (stdin, big files);
//! [`git::scan_history`] and [`git::scan_staged`] scan a repository's history or its index;
//! [`archive`] opens zip, tar, gzip and image tarballs found among the files, and [`sqlite`]
//! scans SQLite databases row by row. [`config`] is the `.zerokey.toml` schema.

pub mod archive;
pub mod blob;
pub mod config;
pub mod decode;
pub mod files;
pub mod git;
pub mod locate;
pub mod sqlite;
pub mod suppress;

pub use blob::{scan_blob, scan_blob_with, BlobResult, Origin};
pub use files::{scan_paths, scan_stream, scan_stream_bounded, scan_stream_into, StreamScan};
pub use git::{scan_history, scan_staged, GitError, GitOptions};

use std::cmp::Ordering;
pub use zerokey_core::stats::{PathError, Skipped, Stats};
use zerokey_core::{Finding, Suppressed};

/// The report order: path, location inside it, line, column, rule, commit.
pub fn finding_order(a: &Finding, b: &Finding) -> Ordering {
    (
        &a.path,
        &a.location,
        a.line,
        a.column,
        &a.rule_id,
        &a.commit,
    )
        .cmp(&(
            &b.path,
            &b.location,
            b.line,
            b.column,
            &b.rule_id,
            &b.commit,
        ))
}

/// Sorts findings into report order (deterministic whatever the thread count).
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(finding_order);
}

/// Options of a file scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Files larger than this are skipped (counted in stats).
    pub max_file_size: u64,
    /// Files larger than this are read in overlapping chunks of this size.
    pub chunk_size: usize,
    /// Follow symbolic links while walking.
    pub follow_symlinks: bool,
    /// Skip what `.gitignore` files ignore.
    pub respect_gitignore: bool,
    /// Paths not scanned at all.
    pub exclude: Option<suppress::PathGlobs>,
    /// Live verification of found credentials (`--verify`); none by default.
    pub verifier: Option<std::sync::Arc<dyn zerokey_core::verify::Verifier>>,
    /// What is opened inside files, and the limits against archive bombs.
    pub archive: ArchiveOptions,
}

/// Archives and databases: whether to open them, and the limits against archive bombs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveOptions {
    /// Open zip, tar and gzip files (and image tarballs) and scan their members.
    pub archives: bool,
    /// Scan SQLite databases row by row.
    pub databases: bool,
    /// Most archives nested in one another; an archive file is depth 1, a gzipped layer in an
    /// image tarball depth 2, the tar inside it depth 3.
    pub max_depth: usize,
    /// Most bytes decompressed from one archive file (gzip output and zip members, at every
    /// level); past it the rest of the archive is skipped with a reason.
    pub max_bytes: u64,
    /// Highest ratio of decompressed to compressed bytes of a gzip stream or zip member
    /// (applies past the first MiB); above it the stream or member is skipped.
    pub max_ratio: u64,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        ArchiveOptions {
            archives: true,
            databases: true,
            max_depth: 8,
            max_bytes: 4 << 30,
            max_ratio: 100,
        }
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: 0,
            max_file_size: 256 * 1024 * 1024,
            chunk_size: 8 * 1024 * 1024,
            follow_symlinks: false,
            respect_gitignore: false,
            exclude: None,
            verifier: None,
            archive: ArchiveOptions::default(),
        }
    }
}

impl ScanOptions {
    /// Effective thread count.
    pub fn threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, usize::from)
        }
    }
}

/// Receives progress while a scan runs.
pub trait Progress: Sync {
    /// A file of `bytes` bytes was scanned.
    fn file_done(&self, bytes: u64) {
        let _ = bytes;
    }
}

/// No progress reporting.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Result of a scan.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// Findings, sorted by path, line, column and rule.
    pub findings: Vec<Finding>,
    /// Suppressed findings (inline, allowlist, baseline, allowed paths), in the same order.
    pub suppressed: Vec<Suppressed>,
    /// Counts.
    pub stats: Stats,
    /// Paths that could not be read; the rest was scanned.
    pub errors: Vec<PathError>,
    /// Archive members and database parts skipped on purpose, with the reason.
    pub skipped: Vec<Skipped>,
}

impl ScanOutcome {
    /// Adds `other` (another root's scan) and restores report order.
    pub fn merge(&mut self, other: ScanOutcome) {
        self.findings.extend(other.findings);
        self.suppressed.extend(other.suppressed);
        self.errors.extend(other.errors);
        self.skipped.extend(other.skipped);
        sort_findings(&mut self.findings);
        self.suppressed
            .sort_by(|a, b| finding_order(&a.finding, &b.finding));
        let (s, o) = (&mut self.stats, other.stats);
        s.files += o.files;
        s.bytes += o.bytes;
        s.blobs += o.blobs;
        s.suppressed += o.suppressed;
        s.skipped_binary += o.skipped_binary;
        s.skipped_too_large += o.skipped_too_large;
        s.skipped_symlinks += o.skipped_symlinks;
        s.skipped_excluded += o.skipped_excluded;
        s.errors += o.errors;
        s.archive_members += o.archive_members;
        s.database_rows += o.database_rows;
        s.skipped_members += o.skipped_members;
    }
}

/// A scan that could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A path given to scan does not exist or cannot be examined.
    #[error("cannot scan {path}")]
    Root {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}
