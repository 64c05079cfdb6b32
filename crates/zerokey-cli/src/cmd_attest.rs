//! `zerokey attest`: flags to [`zerokey_attest::attest`], the report to stdout or `--output`,
//! a one-line summary on stderr. Exit 0 clean, 1 anything found, 2 an error (or something
//! that could not be read).

use crate::args::{AttestArgs, AttestFormat, Global};
use crate::Exit;
use zerokey_attest::report::{self, Verdict};
use zerokey_attest::AttestRequest;

pub fn run(args: AttestArgs, global: &Global) -> anyhow::Result<Exit> {
    let req = AttestRequest {
        database: args.database,
        log_dirs: args.log_dir,
        data_dirs: args.data_dir,
        temp_dir: (!args.no_temp_dir).then(|| args.temp_dir.unwrap_or_else(std::env::temp_dir)),
        paths: args.paths,
        threads: args.threads,
        max_file_size: args.max_file_size,
    };
    let report = zerokey_attest::attest(&req)?;
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
