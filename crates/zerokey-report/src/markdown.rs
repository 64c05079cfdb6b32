//! A Markdown report a person reads: summary by rule and severity, then each finding.

use crate::blocks::md_cell as cell;
use crate::Report;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Writes the report.
pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let s = report.stats;
    writeln!(out, "# zerokey scan report\n")?;
    writeln!(
        out,
        "{} findings in {} files ({} bytes) in {} ms; {} suppressed; {} unreadable paths.\n",
        report.findings.len(),
        s.files,
        s.bytes,
        s.duration_ms,
        s.suppressed,
        s.errors
    )?;
    if !report.findings.is_empty() {
        let mut by_rule: BTreeMap<(std::cmp::Reverse<_>, &str), usize> = BTreeMap::new();
        for f in report.findings {
            *by_rule
                .entry((std::cmp::Reverse(f.severity), f.rule_id.as_str()))
                .or_default() += 1;
        }
        writeln!(out, "## Summary\n")?;
        writeln!(out, "| severity | rule | findings |")?;
        writeln!(out, "|---|---|---|")?;
        for ((sev, rule), n) in &by_rule {
            writeln!(out, "| {} | `{}` | {n} |", sev.0, cell(rule))?;
        }
        writeln!(out, "\n## Findings\n")?;
        writeln!(
            out,
            "| severity | rule | location | secret (redacted) | confidence |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
        for f in report.findings {
            let commit = f
                .commit
                .as_deref()
                .map(|c| format!(" @ {}", c.get(..12).unwrap_or(c)))
                .unwrap_or_default();
            writeln!(
                out,
                "| {} | `{}` | `{}:{}:{}`{} | `{}` | {} |",
                f.severity,
                cell(&f.rule_id),
                cell(f.location.as_deref().unwrap_or(&f.path)),
                f.line,
                f.column,
                cell(&commit),
                cell(&f.redacted),
                f.confidence
            )?;
        }
    }
    if !report.skipped.is_empty() {
        writeln!(out, "\n## Skipped inside archives and databases\n")?;
        for e in report.skipped {
            writeln!(out, "- `{}`: {}", cell(&e.path), cell(&e.reason))?;
        }
    }
    if !report.errors.is_empty() {
        writeln!(out, "\n## Not scanned\n")?;
        for e in report.errors {
            writeln!(out, "- `{}`: {}", cell(&e.path), cell(&e.message))?;
        }
    }
    Ok(())
}
