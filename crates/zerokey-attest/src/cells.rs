//! Database rows through the engine: each row becomes one small text (`column = value` per
//! non-NULL cell, so name-based rules and AWS key-pairing see the column names and the other
//! cells of the row), findings are mapped back to table, row key and column, and the hash
//! columns' values are checked as they stream by. Counts per table.

use crate::db::{TableInfo, Visitor};
use crate::report::{Located, SchemaIssue, TableSummary};
use crate::schema::{self, ColumnClass};
use zerokey_core::{Matcher, Severity};
use zerokey_scan::{scan_blob, Origin};

/// A hash column being checked: where it is and how many values failed.
struct HashCheck {
    cell: usize,
    column: String,
    class: ColumnClass,
    bad: u64,
    first_bad_row: Option<String>,
}

/// The [`Visitor`] that scans cells and checks the schema.
pub struct DbScanner<'m> {
    matcher: &'m Matcher,
    /// One summary per table, in scan order.
    pub tables: Vec<TableSummary>,
    /// Secrets found in cells.
    pub findings: Vec<Located>,
    /// Columns that could hold credentials, and hash columns holding something else.
    pub schema: Vec<SchemaIssue>,
    checks: Vec<HashCheck>,
    text: Vec<u8>,
    /// (first line, prefix length, scanned-cell index) of each cell in `text`.
    spans: Vec<(usize, usize, usize)>,
}

impl<'m> DbScanner<'m> {
    /// A scanner using `matcher`.
    pub fn new(matcher: &'m Matcher) -> Self {
        DbScanner {
            matcher,
            tables: Vec::new(),
            findings: Vec::new(),
            schema: Vec::new(),
            checks: Vec::new(),
            text: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// Reports the hash checks of the table just read.
    fn flush_checks(&mut self) {
        let Some(t) = self.tables.last() else {
            return;
        };
        for c in self.checks.drain(..) {
            if c.bad == 0 {
                continue;
            }
            let (what, kind) = match c.class {
                ColumnClass::PasswordHash => ("argon2id PHC strings", "password-hash-not-argon2id"),
                _ => ("SHA-256/SHA-512 digests", "token-hash-not-digest"),
            };
            self.schema.push(SchemaIssue {
                severity: Severity::Critical,
                kind,
                table: t.name.clone(),
                column: c.column,
                message: format!(
                    "{} of {} values are not {what}: the column may hold the credential itself",
                    c.bad, t.rows
                ),
                rows: Some(c.bad),
                first_row: c.first_bad_row,
            });
        }
    }

    /// Ends the scan; call once after [`crate::db::scan`].
    pub fn finish(&mut self) {
        self.flush_checks();
    }
}

impl Visitor for DbScanner<'_> {
    fn table(&mut self, table: &TableInfo) {
        self.flush_checks();
        let name = table.display_name();
        let known = schema::known_table(&table.name);
        for (i, col) in table.scanned_columns().enumerate() {
            match schema::classify(&col.name) {
                ColumnClass::Ordinary => {}
                ColumnClass::Credential { reason } => self.schema.push(SchemaIssue {
                    severity: Severity::High,
                    kind: "credential-column",
                    table: name.clone(),
                    column: col.name.clone(),
                    message: format!(
                        "column name says it could hold a credential ({reason}); a broker \
                         stores none (only argon2id password hashes and token hashes)"
                    ),
                    rows: None,
                    first_row: None,
                }),
                class @ (ColumnClass::PasswordHash | ColumnClass::TokenHash) => {
                    self.checks.push(HashCheck {
                        cell: i,
                        column: col.name.clone(),
                        class,
                        bad: 0,
                        first_bad_row: None,
                    })
                }
            }
        }
        self.tables.push(TableSummary {
            name,
            columns: table.columns.len(),
            scanned_columns: table.scanned_columns().count(),
            rows: 0,
            cells: 0,
            bytes: 0,
            known,
        });
    }

    fn row(&mut self, table: &TableInfo, key: &str, cells: &[Option<Vec<u8>>]) {
        let Some(stats) = self.tables.last_mut() else {
            return;
        };
        stats.rows += 1;
        for c in &mut self.checks {
            let Some(Some(v)) = cells.get(c.cell) else {
                continue;
            };
            let ok = match c.class {
                ColumnClass::PasswordHash => schema::is_argon2id_phc(v),
                _ => schema::is_digest(v),
            };
            if !ok {
                c.bad += 1;
                c.first_bad_row.get_or_insert_with(|| key.to_string());
            }
        }
        self.text.clear();
        self.spans.clear();
        let mut line = 1;
        let columns: Vec<&str> = table.scanned_columns().map(|c| c.name.as_str()).collect();
        for (i, cell) in cells.iter().enumerate() {
            let Some(v) = cell else { continue };
            stats.cells += 1;
            stats.bytes += v.len() as u64;
            let name = columns.get(i).copied().unwrap_or("?");
            let before = self.text.len();
            self.text.extend_from_slice(name.as_bytes());
            self.text.extend_from_slice(b" = ");
            self.spans.push((line, self.text.len() - before, i));
            self.text.extend_from_slice(v);
            self.text.push(b'\n');
            line += v.iter().filter(|&&b| b == b'\n').count() + 1;
        }
        if self.spans.is_empty() {
            return;
        }
        let rel = format!("db:{}", stats.name);
        let origin = Origin::file(&rel, &rel);
        let result = scan_blob(self.matcher, &origin, &self.text);
        // `zerokey:allow` inside the data waives nothing: a proof cannot be switched off by
        // the data it checks.
        let all = result
            .findings
            .into_iter()
            .chain(result.suppressed.into_iter().map(|s| s.finding));
        for mut f in all {
            let Some(&(first, prefix, cell)) = self
                .spans
                .iter()
                .rev()
                .find(|(first, _, _)| *first <= f.line)
            else {
                continue;
            };
            let column = columns.get(cell).copied().unwrap_or("?").to_string();
            let shift = |l: usize, c: usize| {
                if l == first {
                    c.saturating_sub(prefix).max(1)
                } else {
                    c
                }
            };
            f.column = shift(f.line, f.column);
            f.end_column = shift(f.end_line, f.end_column);
            f.line = f.line - first + 1;
            f.end_line = f.end_line.saturating_sub(first) + 1;
            f.path = format!("{}[{key}].{column}", stats.name);
            self.findings.push(Located {
                source: "database",
                table: Some(stats.name.clone()),
                row: Some(key.to_string()),
                db_column: Some(column),
                finding: f,
            });
        }
    }
}
