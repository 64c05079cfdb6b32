//! The JSON contract: `{"version":1,"findings":[…],"suppressed":[…],"stats":{…},"errors":[…],
//! "skipped":[…]}`.

use crate::Report;
use serde::Serialize;
use std::io::{self, Write};
use zerokey_core::stats::{PathError, Skipped, Stats};
use zerokey_core::{Finding, Suppressed};

/// Version of the JSON schema; bumped only on incompatible changes.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: &'a [Finding],
    suppressed: &'a [Suppressed],
    stats: &'a Stats,
    errors: &'a [PathError],
    skipped: &'a [Skipped],
}

/// Writes the report as pretty JSON followed by a newline.
pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        version: JSON_VERSION,
        findings: report.findings,
        suppressed: report.suppressed,
        stats: report.stats,
        errors: report.errors,
        skipped: report.skipped,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
