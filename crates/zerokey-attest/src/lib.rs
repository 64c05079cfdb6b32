//! `zerokey attest`: proves the zero-storage guarantee of a broker installation. Scans its
//! database (every text, blob and JSON cell of every table, streamed), checks the schema for
//! columns that could hold a credential, scans its log and data directories, the temp
//! directory and any paths with the engine, and reports what was scanned and found.
//!
//! The parts: the database source ([`db`]), the engine over database rows ([`cells`]), the
//! schema checks ([`schema`]) and the report with its renderers ([`report`]); [`attest`] runs
//! them all.

pub mod cells;
pub mod db;
pub mod report;
pub mod schema;

use cells::DbScanner;
use db::DbUrl;
use report::{AttestReport, DbSummary, Located, SourceSummary, Verdict, ATTEST_JSON_VERSION};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use zerokey_core::{Matcher, RuleSet};
use zerokey_scan::files::display;
use zerokey_scan::{NoProgress, ScanOptions};

/// Why attest could not run. Messages name the flag, file, database or table concerned and
/// never a database password.
#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    /// Bad input or an unreachable database; the message says which.
    #[error("{0}")]
    Input(String),
    /// A path could not be read.
    #[error("{context}")]
    Io {
        /// The flag and path.
        context: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A database query failed.
    #[error("{context}")]
    Db {
        /// The database and table.
        context: String,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A database value could not be read.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    /// The built-in rules do not load.
    #[error("built-in rules")]
    BuiltinRules(#[source] zerokey_core::RuleError),
    /// The rules do not compile.
    #[error(transparent)]
    Rules(#[from] zerokey_core::RuleError),
    /// A directory or path could not be scanned.
    #[error("cannot scan {}", path.display())]
    Scan {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: zerokey_scan::ScanError,
    },
}

/// Shorthand for an input error.
pub(crate) fn input<T>(message: impl Into<String>) -> Result<T, AttestError> {
    Err(AttestError::Input(message.into()))
}

/// A database error with what was being done.
pub(crate) fn db_error(context: String, source: sqlx::Error) -> AttestError {
    AttestError::Db { context, source }
}

/// What to attest.
#[derive(Debug, Clone, Default)]
pub struct AttestRequest {
    /// The broker's database: `sqlite:PATH`, a file path, or `postgres://…`.
    pub database: String,
    /// The broker's log directories.
    pub log_dirs: Vec<PathBuf>,
    /// The broker's data directories.
    pub data_dirs: Vec<PathBuf>,
    /// The temp directory (only entries owned by the user running attest are scanned);
    /// `None` to skip it.
    pub temp_dir: Option<PathBuf>,
    /// Any other files or directories.
    pub paths: Vec<PathBuf>,
    /// Scan threads (0: one per core).
    pub threads: usize,
    /// Largest file scanned; `None` for the scanner's default.
    pub max_file_size: Option<u64>,
}

/// Runs the attestation: checks every input first (a typo is an error, not a pass), scans the
/// database, then each directory and path, and builds the report with its verdict. Blocks;
/// call it outside an async runtime.
pub fn attest(req: &AttestRequest) -> Result<AttestReport, AttestError> {
    let started = Instant::now();
    let url = DbUrl::parse(&req.database)?;
    let mut sources: Vec<(&'static str, PathBuf)> = Vec::new();
    sources.extend(req.log_dirs.iter().map(|p| ("log-dir", p.clone())));
    sources.extend(req.data_dirs.iter().map(|p| ("data-dir", p.clone())));
    if let Some(tmp) = &req.temp_dir {
        sources.push(("temp-dir", tmp.clone()));
    }
    sources.extend(req.paths.iter().map(|p| ("path", p.clone())));
    // Every input is checked before anything is scanned: a typo is an error, not a pass.
    for (kind, path) in &sources {
        let flag = if *kind == "path" {
            String::new()
        } else {
            format!("--{kind} ")
        };
        let meta = std::fs::metadata(path).map_err(|source| AttestError::Io {
            context: format!("{flag}{}: cannot read", path.display()),
            source,
        })?;
        if *kind != "path" && !meta.is_dir() {
            return input(format!("{flag}{}: not a directory", path.display()));
        }
    }
    let set = RuleSet::builtin().map_err(AttestError::BuiltinRules)?;
    let matcher = Matcher::new(&set)?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| AttestError::Io {
            context: "cannot start the async runtime".into(),
            source,
        })?;
    let mut scanner = DbScanner::new(&matcher);
    rt.block_on(db::scan(&url, &mut scanner))?;
    scanner.finish();
    drop(rt);

    let opts = ScanOptions {
        threads: req.threads,
        max_file_size: req
            .max_file_size
            .unwrap_or(ScanOptions::default().max_file_size),
        ..ScanOptions::default()
    };
    let mut findings: Vec<Located> = std::mem::take(&mut scanner.findings);
    let mut summaries = Vec::new();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    for (kind, path) in &sources {
        let (roots, other_users) = if *kind == "temp-dir" {
            own_entries(path)?
        } else {
            (vec![path.clone()], 0)
        };
        let outcome = if roots.is_empty() {
            zerokey_scan::ScanOutcome::default()
        } else {
            zerokey_scan::scan_paths(&matcher, &roots, &opts, &NoProgress).map_err(|source| {
                AttestError::Scan {
                    path: path.clone(),
                    source,
                }
            })?
        };
        let before = findings.len();
        // `zerokey:allow` in scanned files waives nothing here either.
        let all = outcome
            .findings
            .into_iter()
            .chain(outcome.suppressed.into_iter().map(|s| s.finding));
        findings.extend(all.map(|finding| Located {
            source: kind,
            table: None,
            row: None,
            db_column: None,
            finding,
        }));
        let s = &outcome.stats;
        summaries.push(SourceSummary {
            kind,
            path: display(path),
            files: s.files,
            bytes: s.bytes,
            skipped_binary: s.skipped_binary,
            skipped_too_large: s.skipped_too_large,
            skipped_symlinks: s.skipped_symlinks,
            skipped_other_users: other_users,
            findings: findings.len() - before,
        });
        if s.skipped_too_large > 0 {
            notes.push(format!(
                "{kind} {}: {} files over --max-file-size were not scanned",
                display(path),
                s.skipped_too_large
            ));
        }
        if other_users > 0 {
            notes.push(format!(
                "temp-dir {}: {other_users} entries owned by other users were not scanned \
                 (run attest as the broker's user)",
                display(path)
            ));
        }
        errors.extend(outcome.errors);
    }
    for t in scanner.tables.iter().filter(|t| !t.known) {
        notes.push(format!(
            "table {} is not one of the broker's tables ({}); its {} rows were scanned like the others",
            t.name,
            zerokey_broker::store::TABLES.join(", "),
            t.rows
        ));
    }
    let tables = std::mem::take(&mut scanner.tables);
    let database = DbSummary {
        engine: url.engine(),
        url: url.display(),
        rows: tables.iter().map(|t| t.rows).sum(),
        cells: tables.iter().map(|t| t.cells).sum(),
        bytes: tables.iter().map(|t| t.bytes).sum(),
        tables,
    };
    let mut report = AttestReport {
        version: ATTEST_JSON_VERSION,
        verdict: Verdict::Clean,
        database: Some(database),
        sources: summaries,
        schema: std::mem::take(&mut scanner.schema),
        findings,
        notes,
        errors,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    report.verdict = report.compute_verdict();
    Ok(report)
}

/// The entries of the temp directory owned by the user running attest (the broker's user
/// cannot have written the others), and how many were left out.
fn own_entries(dir: &Path) -> Result<(Vec<PathBuf>, u64), AttestError> {
    let me = nix::unistd::geteuid().as_raw();
    let mut roots = Vec::new();
    let mut others = 0;
    let cannot_list = |source| AttestError::Io {
        context: format!("--temp-dir {}: cannot list", dir.display()),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(cannot_list)? {
        let entry = entry.map_err(cannot_list)?;
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        if meta.uid() == me {
            roots.push(entry.path());
        } else {
            others += 1;
        }
    }
    roots.sort();
    Ok((roots, others))
}
