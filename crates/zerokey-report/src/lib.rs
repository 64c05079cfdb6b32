//! Renderers over findings: `text` for people at a terminal, `json` (the stable contract in
//! DESIGN.md), `sarif` for code-scanning upload, `markdown` for a report a person reads and
//! `gitlab` for GitLab's secret-detection report.
//! Every renderer sees only [`Finding`]s, which hold redacted secrets, never the secrets.
//! [`blocks`] holds the pieces the other reports (audit, keys, attest) share; [`rules`] renders
//! the rule catalogue; [`baseline`] reads and writes baseline files.

pub mod baseline;
pub mod blocks;
pub mod gitlab;
pub mod json;
pub mod markdown;
pub mod rules;
pub mod sarif;
pub mod text;

use std::io::{self, Write};
use zerokey_core::stats::{PathError, Skipped, Stats};
use zerokey_core::{Finding, Rule, Suppressed};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per finding, optional colour.
    Text,
    /// The JSON contract (`version` 1).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// A Markdown report.
    Markdown,
    /// GitLab's secret-detection security report (`gl-secret-detection-report.json`).
    Gitlab,
}

/// Everything a report shows.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// Findings, in display order.
    pub findings: &'a [Finding],
    /// Suppressed findings (listed by JSON and SARIF, counted by the others).
    pub suppressed: &'a [Suppressed],
    /// Counts.
    pub stats: &'a Stats,
    /// Paths that could not be read.
    pub errors: &'a [PathError],
    /// Archive members and database parts skipped on purpose (limits), with the reason.
    pub skipped: &'a [Skipped],
    /// The rules the scan ran (SARIF lists them).
    pub rules: &'a [&'a Rule],
    /// zerokey's version.
    pub tool_version: &'a str,
}

/// Options that only some renderers use.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colour in text output.
    pub color: bool,
}

/// Writes `report` in `format` to `out`.
pub fn render(
    format: Format,
    report: &Report<'_>,
    opts: RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(report, opts, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Gitlab => gitlab::render(
            report,
            &gitlab::ScanContext::now(report.stats.duration_ms),
            out,
        ),
    }
}
