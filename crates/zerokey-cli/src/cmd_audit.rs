//! `zerokey audit`: turns flags into audit options, audits the path, renders the report and
//! picks the exit code (0 clean, 1 findings with --fail-on-findings, 2 I/O errors, or files
//! that could not be parsed when nothing else could be read or with --strict).

use crate::args::{AuditArgs, OutputFormat};
use crate::{config, Exit};
use anyhow::Context as _;
use std::time::Instant;
use zerokey_audit::finding::Severity;
use zerokey_audit::report::{self, Format};
use zerokey_audit::AuditOptions;

pub fn run(args: AuditArgs, global: &crate::args::Global) -> anyhow::Result<Exit> {
    if args.list {
        return list(args.format);
    }
    let started = Instant::now();
    let mut opts = AuditOptions {
        only: args.only.clone(),
        disable: args.disable.clone(),
        min_severity: args.min_severity.map(|s| match s {
            crate::args::SeverityArg::Info => Severity::Info,
            crate::args::SeverityArg::Low => Severity::Low,
            crate::args::SeverityArg::Medium => Severity::Medium,
            crate::args::SeverityArg::High => Severity::High,
            crate::args::SeverityArg::Critical => Severity::Critical,
        }),
        max_file_size: args.max_file_size,
        ..AuditOptions::default()
    };
    if let Some(b) = &args.baseline {
        opts.baseline = zerokey_report::baseline::read(b)?;
    }
    let loaded = if args.no_config {
        config::Loaded::default()
    } else {
        config::load(args.config.as_deref(), &args.path)?
    };
    let cfg_name = loaded.path.as_ref().map_or_else(
        || config::FILE_NAME.to_string(),
        |p| p.display().to_string(),
    );
    opts.disable
        .extend(loaded.config.audit.disable.iter().cloned());
    for (i, ig) in loaded.config.audit.ignore.iter().enumerate() {
        let glob = globset::GlobBuilder::new(&ig.path)
            .literal_separator(false)
            .build()
            .with_context(|| format!("{cfg_name}: audit.ignore[{i}].path"))?;
        if ig.reason.trim().is_empty() {
            anyhow::bail!("{cfg_name}: audit.ignore[{i}]: reason must not be empty");
        }
        opts.ignores.push(zerokey_audit::ConfigIgnore {
            rule_id: ig.rule.clone(),
            paths: glob.compile_matcher(),
            logical_path: ig.logical_path.clone(),
            reason: ig.reason.clone(),
        });
    }
    if !loaded.config.audit.exclude.is_empty() {
        let mut set = globset::GlobSetBuilder::new();
        for p in &loaded.config.audit.exclude {
            let p = p.trim_start_matches("./");
            // `dir/` or `dir` also means everything below it, as in `[scan] exclude`.
            for g in [p.to_string(), format!("{}/**", p.trim_end_matches('/'))] {
                set.add(
                    globset::Glob::new(&g)
                        .with_context(|| format!("{cfg_name}: audit.exclude: {p:?}"))?,
                );
            }
        }
        opts.exclude = Some(
            set.build()
                .with_context(|| format!("{cfg_name}: audit.exclude"))?,
        );
    }
    for ig in &opts.ignores {
        if !zerokey_audit::audits::all()
            .iter()
            .any(|a| a.doc().id == ig.rule_id)
        {
            anyhow::bail!(
                "{cfg_name}: audit.ignore: unknown audit id {:?} (see `zerokey audit --list`)",
                ig.rule_id
            );
        }
    }
    zerokey_audit::select(&opts).map_err(anyhow::Error::msg)?;
    let mut outcome = zerokey_audit::audit_path(&args.path, &opts)
        .with_context(|| format!("cannot audit {}", args.path.display()))?;
    outcome.stats.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    for e in &outcome.errors {
        eprintln!("zerokey: error: {e} (skipped)");
    }
    if let Some(path) = &args.write_baseline {
        let entries: Vec<serde_json::Value> = outcome
            .findings
            .iter()
            .chain(
                outcome
                    .suppressed
                    .iter()
                    .filter(|s| s.kind == "baseline")
                    .map(|s| &s.finding),
            )
            .map(|f| {
                serde_json::json!({
                    "fingerprint": f.fingerprint,
                    "rule_id": f.rule_id,
                    "path": f.primary().map(|l| l.path.clone()).unwrap_or_default(),
                })
            })
            .collect();
        let n = entries.len();
        crate::output::emit(Some(path), |out| {
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({"version": 1, "fingerprints": entries}),
            )?;
            writeln!(out)
        })?;
        if !global.quiet {
            eprintln!("zerokey: wrote {n} fingerprints to {}", path.display());
        }
    }
    let docs: Vec<_> = zerokey_audit::audits::all()
        .iter()
        .map(|a| a.doc())
        .collect();
    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Markdown => Format::Markdown,
    };
    crate::output::emit(args.output.as_deref(), |out| {
        report::render(format, &outcome, &docs, env!("CARGO_PKG_VERSION"), out)
    })?;
    if !global.quiet {
        eprintln!("{}", report::summary(&outcome));
    }
    Ok(if outcome.failed(args.strict) {
        Exit::Error
    } else if args.fail_on_findings && !outcome.findings.is_empty() {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

fn list(format: OutputFormat) -> anyhow::Result<Exit> {
    let audits = zerokey_audit::audits::all();
    crate::output::emit(None, |out| {
        if format == OutputFormat::Json {
            let docs: Vec<_> = audits.iter().map(|a| a.doc()).collect();
            serde_json::to_writer_pretty(&mut *out, &docs)?;
            writeln!(out)
        } else if format == OutputFormat::Markdown {
            writeln!(out, "| id | input | severity | what | why | fix |")?;
            writeln!(out, "|---|---|---|---|---|---|")?;
            for a in &audits {
                let d = a.doc();
                let c = |s: &str| s.replace('|', "\\|").replace('\n', " ");
                writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    d.id,
                    d.input,
                    d.severity,
                    c(d.what),
                    c(d.why),
                    c(d.fix)
                )?;
            }
            Ok(())
        } else {
            for a in &audits {
                let d = a.doc();
                writeln!(
                    out,
                    "{:<42} {:<11} {:<9} {}",
                    d.id,
                    d.input,
                    d.severity.as_str(),
                    d.title
                )?;
            }
            Ok(())
        }
    })?;
    Ok(Exit::Clean)
}
