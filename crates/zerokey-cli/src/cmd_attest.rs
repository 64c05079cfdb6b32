//! `zerokey attest`: proves the zero-storage guarantee of a broker installation. Scans its
//! database (every text, blob and JSON cell of every table, streamed), checks the schema for
//! columns that could hold a credential, scans its log and data directories, the temp
//! directory and any paths with the engine, and reports what was scanned and found.
//! Exit 0 clean, 1 anything found, 2 an error (or something that could not be read).

use crate::args::{AttestArgs, AttestFormat, Global};
use crate::attest::cells::DbScanner;
use crate::attest::db::{self, DbUrl};
use crate::attest::report::{
    self, AttestReport, DbSummary, Located, SourceSummary, Verdict, ATTEST_JSON_VERSION,
};
use crate::Exit;
use anyhow::{bail, Context as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use zerokey_core::{Matcher, RuleSet};
use zerokey_scan::files::display;
use zerokey_scan::{NoProgress, ScanOptions};

pub fn run(args: AttestArgs, global: &Global) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let url = DbUrl::parse(&args.database)?;
    let mut sources: Vec<(&'static str, PathBuf)> = Vec::new();
    sources.extend(args.log_dir.iter().map(|p| ("log-dir", p.clone())));
    sources.extend(args.data_dir.iter().map(|p| ("data-dir", p.clone())));
    if !args.no_temp_dir {
        let tmp = args.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        sources.push(("temp-dir", tmp));
    }
    sources.extend(args.paths.iter().map(|p| ("path", p.clone())));
    // Every input is checked before anything is scanned: a typo is an error, not a pass.
    for (kind, path) in &sources {
        let flag = if *kind == "path" {
            String::new()
        } else {
            format!("--{kind} ")
        };
        let meta = std::fs::metadata(path)
            .with_context(|| format!("{flag}{}: cannot read", path.display()))?;
        if *kind != "path" && !meta.is_dir() {
            bail!("{flag}{}: not a directory", path.display());
        }
    }
    let set = RuleSet::builtin().context("built-in rules")?;
    let matcher = Matcher::new(&set)?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut scanner = DbScanner::new(&matcher);
    rt.block_on(db::scan(&url, &mut scanner))?;
    scanner.finish();
    drop(rt);

    let opts = ScanOptions {
        threads: args.threads,
        max_file_size: args
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
            zerokey_scan::scan_paths(&matcher, &roots, &opts, &NoProgress)
                .with_context(|| format!("cannot scan {}", path.display()))?
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
    for e in &report.errors {
        eprintln!("zerokey: warning: {}: {}", e.path, e.message);
    }
    let format = match args.format {
        AttestFormat::Text => report::Format::Text,
        AttestFormat::Json => report::Format::Json,
        AttestFormat::Markdown => report::Format::Markdown,
    };
    crate::output::emit(args.output.as_deref(), |out| {
        report::render(&report, format, out)
    })?;
    if !global.quiet && (args.output.is_some() || format != report::Format::Text) {
        eprintln!(
            "zerokey attest: {:?}: {} findings, {} schema problems, {} rows and {} files scanned",
            report.verdict,
            report.findings.len(),
            report.schema.len(),
            report.database.as_ref().map_or(0, |d| d.rows),
            report.sources.iter().map(|s| s.files).sum::<u64>()
        );
    }
    Ok(match report.verdict {
        Verdict::Clean => Exit::Clean,
        Verdict::Findings => Exit::Findings,
        Verdict::Incomplete => Exit::Error,
    })
}

/// The entries of the temp directory owned by the user running attest (the broker's user
/// cannot have written the others), and how many were left out.
fn own_entries(dir: &Path) -> anyhow::Result<(Vec<PathBuf>, u64)> {
    let me = nix::unistd::geteuid().as_raw();
    let mut roots = Vec::new();
    let mut others = 0;
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("--temp-dir {}: cannot list", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("--temp-dir {}: cannot list", dir.display()))?;
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
