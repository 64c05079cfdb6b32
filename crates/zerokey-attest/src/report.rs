//! The attestation report: what was scanned (per table and per source), what the schema check
//! found, every finding with its place (file path and line, or table, row key and column), in
//! text, JSON (`version` 1) or Markdown. Findings hold the redacted form only.

use serde::Serialize;
use std::io::{self, Write};
use zerokey_core::stats::PathError;
use zerokey_core::{Finding, Severity};
use zerokey_report::blocks::md_cell as cell;

/// Version of the attest JSON document.
pub const ATTEST_JSON_VERSION: u32 = 1;

/// The outcome in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Everything was read and nothing was found.
    Clean,
    /// Something that is or could hold a credential was found.
    Findings,
    /// Nothing was found, but something could not be read: no proof.
    Incomplete,
}

/// One table of the database.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    /// `table` or `schema.table`.
    pub name: String,
    /// Columns.
    pub columns: usize,
    /// Columns whose values were scanned (text, bytes, JSON, arrays…).
    pub scanned_columns: usize,
    /// Rows read.
    pub rows: u64,
    /// Non-NULL text/blob cells scanned.
    pub cells: u64,
    /// Bytes of those cells.
    pub bytes: u64,
    /// One of the tables a zerokey broker keeps.
    pub known: bool,
}

/// The database part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct DbSummary {
    /// `sqlite` or `postgresql`.
    pub engine: &'static str,
    /// The URL, password masked.
    pub url: String,
    /// Tables in scan order.
    pub tables: Vec<TableSummary>,
    /// Rows over all tables.
    pub rows: u64,
    /// Cells over all tables.
    pub cells: u64,
    /// Bytes over all tables.
    pub bytes: u64,
}

/// A file source: the log directory, the data directory, the temp directory, or a path.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    /// `log-dir`, `data-dir`, `temp-dir` or `path`.
    pub kind: &'static str,
    /// The directory or file.
    pub path: String,
    /// Text files scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Binary files (not scanned as text).
    pub skipped_binary: u64,
    /// Files over the size cap.
    pub skipped_too_large: u64,
    /// Symbolic links not followed.
    pub skipped_symlinks: u64,
    /// Temp-dir entries owned by other users (the broker's user cannot have written them).
    pub skipped_other_users: u64,
    /// Findings in this source.
    pub findings: usize,
}

/// A schema problem: a column that could hold a credential, or a hash column that holds
/// something else.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaIssue {
    /// How bad.
    pub severity: Severity,
    /// `credential-column`, `password-hash-not-argon2id` or `token-hash-not-digest`.
    pub kind: &'static str,
    /// Table.
    pub table: String,
    /// Column.
    pub column: String,
    /// What is wrong (never a value).
    pub message: String,
    /// Rows whose value failed the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Key of the first such row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_row: Option<String>,
}

/// A finding and where it is.
#[derive(Debug, Clone, Serialize)]
pub struct Located {
    /// `database`, `log-dir`, `data-dir`, `temp-dir` or `path`.
    pub source: &'static str,
    /// Database table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Row key (`id=3`, `rowid=7`, `ctid=(0,2)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    /// Database column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_column: Option<String>,
    /// The finding (line and column are within the cell for database findings).
    #[serde(flatten)]
    pub finding: Finding,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct AttestReport {
    /// Document version.
    pub version: u32,
    /// Outcome.
    pub verdict: Verdict,
    /// The database.
    pub database: Option<DbSummary>,
    /// File sources.
    pub sources: Vec<SourceSummary>,
    /// Schema problems.
    pub schema: Vec<SchemaIssue>,
    /// Secrets found.
    pub findings: Vec<Located>,
    /// Information that does not fail the attestation (unknown tables, skipped entries).
    pub notes: Vec<String>,
    /// What could not be read.
    pub errors: Vec<PathError>,
    /// Wall time.
    pub duration_ms: u64,
}

impl AttestReport {
    /// The verdict the contents call for.
    pub fn compute_verdict(&self) -> Verdict {
        if !self.findings.is_empty() || self.schema.iter().any(|s| s.severity > Severity::Info) {
            Verdict::Findings
        } else if !self.errors.is_empty() {
            Verdict::Incomplete
        } else {
            Verdict::Clean
        }
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For a terminal.
    Text,
    /// The JSON document.
    Json,
    /// A Markdown report.
    Markdown,
}

/// Writes `report` in `format`.
pub fn render(report: &AttestReport, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text(report, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Format::Markdown => markdown(report, out),
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.1} GB", bytes as f64 / 1e9),
    }
}

fn headline(r: &AttestReport) -> String {
    match r.verdict {
        Verdict::Clean => {
            "CLEAN: no credential and no column that could hold one was found".to_string()
        }
        Verdict::Findings => format!(
            "FOUND: {} credential finding{}, {} schema problem{}",
            r.findings.len(),
            if r.findings.len() == 1 { "" } else { "s" },
            r.schema.len(),
            if r.schema.len() == 1 { "" } else { "s" }
        ),
        Verdict::Incomplete => format!(
            "INCOMPLETE: nothing found, but {} path{} could not be read",
            r.errors.len(),
            if r.errors.len() == 1 { "" } else { "s" }
        ),
    }
}

fn skipped(s: &SourceSummary) -> String {
    let mut parts = Vec::new();
    for (n, what) in [
        (s.skipped_binary, "binary"),
        (s.skipped_too_large, "too large"),
        (s.skipped_symlinks, "symlinks"),
        (s.skipped_other_users, "of other users"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; skipped {}", parts.join(", "))
    }
}

fn location(l: &Located) -> String {
    let f = &l.finding;
    format!("{}:{}:{}:{}", l.source, f.path, f.line, f.column)
}

fn text(r: &AttestReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "zerokey attest: {}", headline(r))?;
    writeln!(out)?;
    writeln!(out, "Scanned:")?;
    if let Some(db) = &r.database {
        writeln!(
            out,
            "  database  {} ({}): {} tables, {} rows, {} cells, {}",
            db.url,
            db.engine,
            db.tables.len(),
            db.rows,
            db.cells,
            size(db.bytes)
        )?;
        for t in &db.tables {
            writeln!(
                out,
                "    {:<28} {:>8} rows {:>9} cells {:>10}  ({} of {} columns scanned)",
                t.name,
                t.rows,
                t.cells,
                size(t.bytes),
                t.scanned_columns,
                t.columns
            )?;
        }
    }
    for s in &r.sources {
        writeln!(
            out,
            "  {:<8}  {}: {} files, {}{}",
            s.kind,
            s.path,
            s.files,
            size(s.bytes),
            skipped(s)
        )?;
    }
    if !r.schema.is_empty() {
        writeln!(out, "\nSchema:")?;
        for s in &r.schema {
            let first = s
                .first_row
                .as_deref()
                .map(|k| format!(" (first at {k})"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:<8}  {}.{}  {}: {}{first}",
                s.severity.as_str(),
                s.table,
                s.column,
                s.kind,
                s.message
            )?;
        }
    }
    if !r.findings.is_empty() {
        writeln!(out, "\nFindings:")?;
        for l in &r.findings {
            let f = &l.finding;
            let note = f
                .note
                .as_deref()
                .map(|n| format!("  ({n})"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {}  {:<8}  {}  {}  [{} confidence]{note}",
                location(l),
                f.severity.as_str(),
                f.rule_id,
                f.redacted,
                f.confidence
            )?;
        }
    }
    if !r.notes.is_empty() {
        writeln!(out, "\nNotes:")?;
        for n in &r.notes {
            writeln!(out, "  info  {n}")?;
        }
    }
    if !r.errors.is_empty() {
        writeln!(out, "\nNot scanned:")?;
        for e in &r.errors {
            writeln!(out, "  {}: {}", e.path, e.message)?;
        }
    }
    Ok(())
}

fn markdown(r: &AttestReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# zerokey attest report\n")?;
    writeln!(out, "**{}**\n", cell(&headline(r)))?;
    writeln!(out, "## Scanned\n")?;
    writeln!(out, "| source | where | items | bytes | skipped |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    if let Some(db) = &r.database {
        writeln!(
            out,
            "| database ({}) | `{}` | {} tables, {} rows, {} cells | {} | |",
            db.engine,
            cell(&db.url),
            db.tables.len(),
            db.rows,
            db.cells,
            db.bytes
        )?;
    }
    for s in &r.sources {
        writeln!(
            out,
            "| {} | `{}` | {} files | {} | {} |",
            s.kind,
            cell(&s.path),
            s.files,
            s.bytes,
            cell(skipped(s).trim_start_matches("; skipped "))
        )?;
    }
    if let Some(db) = &r.database {
        writeln!(out, "\n### Tables\n")?;
        writeln!(
            out,
            "| table | rows | cells | bytes | columns scanned | broker table |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for t in &db.tables {
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} of {} | {} |",
                cell(&t.name),
                t.rows,
                t.cells,
                t.bytes,
                t.scanned_columns,
                t.columns,
                if t.known { "yes" } else { "no" }
            )?;
        }
    }
    if !r.schema.is_empty() {
        writeln!(out, "\n## Schema\n")?;
        writeln!(out, "| severity | column | problem | first row |")?;
        writeln!(out, "|---|---|---|---|")?;
        for s in &r.schema {
            writeln!(
                out,
                "| {} | `{}.{}` | {}: {} | {} |",
                s.severity,
                cell(&s.table),
                cell(&s.column),
                s.kind,
                cell(&s.message),
                s.first_row.as_deref().map(cell).unwrap_or_default()
            )?;
        }
    }
    if !r.findings.is_empty() {
        writeln!(out, "\n## Findings\n")?;
        writeln!(
            out,
            "| severity | rule | location | secret (redacted) | confidence |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
        for l in &r.findings {
            let f = &l.finding;
            writeln!(
                out,
                "| {} | `{}` | `{}` | `{}` | {} |",
                f.severity,
                cell(&f.rule_id),
                cell(&location(l)),
                cell(&f.redacted),
                f.confidence
            )?;
        }
    }
    if !r.notes.is_empty() {
        writeln!(out, "\n## Notes\n")?;
        for n in &r.notes {
            writeln!(out, "- {}", cell(n))?;
        }
    }
    if !r.errors.is_empty() {
        writeln!(out, "\n## Not scanned\n")?;
        for e in &r.errors {
            writeln!(out, "- `{}`: {}", cell(&e.path), cell(&e.message))?;
        }
    }
    Ok(())
}
