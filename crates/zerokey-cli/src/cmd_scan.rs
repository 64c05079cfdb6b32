//! `zerokey scan`: turns flags into scan options, runs the scan over paths and stdin, renders
//! the report and picks the exit code.

use crate::args::{ColorChoice, Global, ScanArgs, ScanFormat};
use crate::{config, env, Exit};
use anyhow::{bail, Context as _};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use zerokey_core::SuppressionKind;
use zerokey_report::baseline::{self, Baseline};
use zerokey_report::{Format, RenderOptions, Report};
use zerokey_scan::config::ArchiveFlags;
use zerokey_scan::git::{self, GitOptions};
use zerokey_scan::suppress::{PathGlobs, Policy};
use zerokey_scan::{ScanOptions, ScanOutcome};

pub fn run(args: ScanArgs, global: &Global) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let started_at = time::OffsetDateTime::now_utc();
    let first = args.paths.iter().find(|p| p.as_os_str() != "-");
    let loaded = if args.no_config {
        config::Loaded::default()
    } else {
        config::load(
            args.config.as_deref(),
            first.map_or(Path::new("."), PathBuf::as_path),
        )?
    };
    let cfg = &loaded.config;
    let cfg_name = loaded.path.as_ref().map_or_else(
        || config::FILE_NAME.to_string(),
        |p| p.display().to_string(),
    );
    let matcher = cfg.matcher(&cfg_name, &args.only_rules, &args.disable_rules)?;
    let mut exclude = Vec::new();
    if !cfg.scan.exclude.is_empty() {
        exclude.push(
            PathGlobs::new(&cfg.scan.exclude, loaded.dir.clone())
                .with_context(|| format!("{cfg_name}: scan.exclude"))?,
        );
    }
    if !args.exclude.is_empty() {
        exclude.push(
            PathGlobs::new(&args.exclude, std::env::current_dir().ok()).context("--exclude")?,
        );
    }
    let opts = ScanOptions {
        threads: args.threads,
        max_file_size: args
            .max_file_size
            .or(cfg.scan.max_file_size())
            .unwrap_or(ScanOptions::default().max_file_size),
        follow_symlinks: args.follow_symlinks || cfg.scan.follow_symlinks.unwrap_or(false),
        respect_gitignore: args.respect_gitignore || cfg.scan.respect_gitignore.unwrap_or(false),
        exclude: PathGlobs::merge(exclude),
        archive: cfg.scan.archive_options(ArchiveFlags {
            no_archives: args.no_archives,
            no_databases: args.no_databases,
            max_depth: args.archive_max_depth,
            max_bytes: args.archive_max_bytes,
            max_ratio: args.archive_max_ratio,
        }),
        verifier: if args.verify {
            Some(std::sync::Arc::new(zerokey_aws::verify::StsVerifier::new()?))
        } else {
            None
        },
        ..ScanOptions::default()
    };
    let mut policy = Policy::default();
    if let Some(b) = &args.baseline {
        policy.baseline = baseline::read(b)?;
    }
    policy
        .baseline
        .extend(cfg.allow.fingerprints.iter().cloned());
    if !cfg.allow.paths.is_empty() {
        policy.allow_paths = Some(
            PathGlobs::new(&cfg.allow.paths, loaded.dir.clone())
                .with_context(|| format!("{cfg_name}: allow.paths"))?,
        );
    }
    let (stdin, paths): (Vec<PathBuf>, Vec<PathBuf>) = args
        .paths
        .iter()
        .cloned()
        .partition(|p| p.as_os_str() == "-");
    if stdin.len() > 1 {
        bail!("`-` (stdin) given more than once");
    }

    let progress =
        Progress::new(!global.quiet && !args.no_progress && std::io::stderr().is_terminal());
    let git = args.git || args.staged;
    if git && !stdin.is_empty() {
        bail!("`-` (stdin) cannot be scanned with --git or --staged");
    }
    let mut outcome = if git {
        let git_opts = GitOptions {
            branch: args.branch.clone(),
            since: args.since.clone(),
            max_commits: args.max_commits,
            threads: opts.threads,
            max_file_size: opts.max_file_size,
            exclude: opts.exclude.clone(),
            verifier: opts.verifier.clone(),
        };
        let mut all = ScanOutcome::default();
        for repo in &paths {
            let one = if args.staged {
                git::scan_staged(&matcher, repo, &git_opts, &progress)?
            } else {
                git::scan_history(&matcher, repo, &git_opts, &progress)?
            };
            all.merge(one);
        }
        all
    } else if paths.is_empty() {
        ScanOutcome::default()
    } else {
        zerokey_scan::scan_paths(&matcher, &paths, &opts, &progress)?
    };
    progress.finish();
    if !stdin.is_empty() {
        let mut stdin = std::io::stdin().lock();
        zerokey_scan::scan_stream_into(&matcher, "-", &mut stdin, &opts, &mut outcome)
            .context("cannot read stdin")?;
    }
    policy.apply(&mut outcome);
    if let Some(path) = &args.write_baseline {
        let all = outcome.findings.iter().chain(
            outcome
                .suppressed
                .iter()
                .filter(|s| s.kind == SuppressionKind::Baseline)
                .map(|s| &s.finding),
        );
        let doc = Baseline::of(all);
        crate::output::emit(Some(path), |out| doc.write(out))
            .with_context(|| format!("cannot write baseline {}", path.display()))?;
        if !global.quiet {
            eprintln!(
                "zerokey: wrote {} fingerprints to {}",
                doc.len(),
                path.display()
            );
        }
    }
    outcome.stats.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);

    for e in &outcome.errors {
        eprintln!("zerokey: warning: {}: {}", e.path, e.message);
    }
    if !global.quiet {
        for s in &outcome.skipped {
            eprintln!("zerokey: skipped {}: {}", s.path, s.reason);
        }
    }
    let rules: Vec<_> = matcher.rules().collect();
    let report = Report {
        findings: &outcome.findings,
        suppressed: &outcome.suppressed,
        stats: &outcome.stats,
        errors: &outcome.errors,
        skipped: &outcome.skipped,
        rules: &rules,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let format = match args.format {
        ScanFormat::Text => Format::Text,
        ScanFormat::Json => Format::Json,
        ScanFormat::Sarif => Format::Sarif,
        ScanFormat::Markdown => Format::Markdown,
        ScanFormat::Gitlab => Format::Gitlab,
    };
    let color = match global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::env::var_os(env::NO_COLOR).is_none()
                && std::io::stdout().is_terminal()
        }
    };
    let scanned_commit = if format == Format::Gitlab {
        scanned_commit(first.map_or(Path::new("."), PathBuf::as_path))
    } else {
        None
    };
    crate::output::emit(args.output.as_deref(), |out| {
        if format == Format::Gitlab {
            let ctx = zerokey_report::gitlab::ScanContext {
                commit: scanned_commit.as_deref(),
                start: started_at,
                end: time::OffsetDateTime::now_utc(),
            };
            zerokey_report::gitlab::render(&report, &ctx, out)
        } else {
            zerokey_report::render(format, &report, RenderOptions { color }, out)
        }
    })?;
    if !global.quiet {
        eprintln!("{}", zerokey_report::text::summary(&report));
    }
    Ok(if !outcome.errors.is_empty() {
        Exit::Error
    } else if args.fail_on_findings && !outcome.findings.is_empty() {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// The commit a scan of files looked at, for reports that must name one (GitLab's): the
/// pipeline's `CI_COMMIT_SHA`, else `HEAD` of the git checkout holding `path`, else none.
fn scanned_commit(path: &Path) -> Option<String> {
    let valid = |s: &str| s.len() >= 7 && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Ok(sha) = std::env::var(env::CI_COMMIT_SHA) {
        if valid(&sha) {
            return Some(sha);
        }
    }
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().filter(|p| !p.as_os_str().is_empty())?
    };
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && valid(&sha)).then_some(sha)
}

/// A spinner on stderr that appears only once a scan has run for a moment.
struct Progress {
    enabled: bool,
    started: Instant,
    files: AtomicU64,
    bytes: AtomicU64,
    bar: OnceLock<ProgressBar>,
}

impl Progress {
    fn new(enabled: bool) -> Self {
        Progress {
            enabled,
            started: Instant::now(),
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            bar: OnceLock::new(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

impl zerokey_scan::Progress for Progress {
    fn file_done(&self, bytes: u64) {
        if !self.enabled {
            return;
        }
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if !files.is_multiple_of(32) || self.started.elapsed() < Duration::from_millis(400) {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(format!(
            "scanned {files} files, {:.1} MB",
            total as f64 / 1e6
        ));
    }
}
