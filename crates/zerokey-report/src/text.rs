//! Text output: `path:line:column  severity  rule-id  redacted`, one finding per line.

use crate::{RenderOptions, Report};
use std::io::{self, Write};
use zerokey_core::Severity;

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

/// Writes one line per finding.
pub fn render(report: &Report<'_>, opts: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let c = opts.color;
    for f in report.findings {
        let mut extra = Vec::new();
        if let Some(commit) = &f.commit {
            extra.push(format!("commit {}", commit.get(..12).unwrap_or(commit)));
        }
        if let Some(layer) = &f.decoded {
            extra.push(format!("decoded {layer}"));
        }
        if let Some(note) = &f.note {
            extra.push(note.clone());
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!("  ({})", extra.join(", "))
        };
        writeln!(
            out,
            "{}:{}:{}  {:<8}  {}  {}  [{} confidence]{}",
            paint(c, "35", f.location.as_deref().unwrap_or(&f.path)),
            f.line,
            f.column,
            paint(c, severity_code(f.severity), f.severity.as_str()),
            paint(c, "1", &f.rule_id),
            f.redacted,
            f.confidence,
            extra
        )?;
    }
    Ok(())
}

/// One-line summary for stderr: counts by severity, what was scanned, what was suppressed.
pub fn summary(report: &Report<'_>) -> String {
    let s = report.stats;
    let mut by = Vec::new();
    for sev in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let n = report.findings.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            by.push(format!("{n} {sev}"));
        }
    }
    let n = report.findings.len();
    let mut line = format!(
        "{n} finding{}{} in {} files ({:.1} MB) in {} ms",
        if n == 1 { "" } else { "s" },
        if by.is_empty() {
            String::new()
        } else {
            format!(" ({})", by.join(", "))
        },
        s.files,
        s.bytes as f64 / 1e6,
        s.duration_ms
    );
    if s.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", s.suppressed));
    }
    let skipped = s.skipped_binary + s.skipped_too_large + s.skipped_symlinks;
    if skipped > 0 {
        line.push_str(&format!(
            "; skipped {} binary, {} too large, {} symlinks",
            s.skipped_binary, s.skipped_too_large, s.skipped_symlinks
        ));
    }
    if s.archive_members > 0 || s.database_rows > 0 {
        line.push_str(&format!(
            "; inside: {} archive members, {} database rows",
            s.archive_members, s.database_rows
        ));
    }
    if s.skipped_members > 0 {
        line.push_str(&format!(
            "; {} skipped inside archives/databases (see skipped)",
            s.skipped_members
        ));
    }
    if s.errors > 0 {
        // Never reads as clean: part of the input was not scanned.
        line.push_str(&format!(
            "; {} unreadable: INCOMPLETE scan, see the errors",
            s.errors
        ));
    }
    line
}
