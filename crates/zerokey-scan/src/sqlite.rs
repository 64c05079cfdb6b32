//! SQLite databases, row by row: every table (and FTS shadow table) of the main schema,
//! `sqlite_schema` included (table definitions, triggers and views can hold literals). Each row
//! is laid out as `column = value` lines and scanned once, so context rules
//! (`secret_access_key = …`) and key pairs see the column names; a finding is placed in the
//! cell it starts in (`app.db:users[rowid=3].api_key`), with line and column within the value.
//!
//! The file is opened read-only and immutable (`?mode=ro&immutable=1`): SQLite takes no lock
//! and writes nothing next to it (no `-journal`, `-wal` or `-shm`). Changes still in a `-wal`
//! file are therefore not seen, and the report says so.

use crate::archive::Found;
use crate::blob::{scan_text, Cell, Origin, Text};
use crate::files::is_binary;
use crate::ScanOptions;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use zerokey_core::Matcher;

/// `file:` URI of `path` for SQLite, percent-encoded.
fn file_uri(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for &b in abs.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

/// A table or column name as shown in a location: bare when it is a plain identifier, else
/// double-quoted.
fn ident(name: &str) -> String {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        name.to_string()
    } else {
        format!(
            "\"{}\"",
            name.replace('"', "\"\"").replace(char::is_control, "?")
        )
    }
}

/// Scans database `path` (shown as `shown`, fingerprinted by `rel_path`) into `out`.
pub fn scan_database(
    matcher: &Matcher,
    opts: &ScanOptions,
    path: &Path,
    shown: &str,
    rel_path: &str,
    out: &mut Found,
) {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match Connection::open_with_flags(file_uri(path), flags) {
        Ok(c) => c,
        Err(e) => {
            out.error(
                shown.to_string(),
                format!("cannot open SQLite database: {e}"),
            );
            return;
        }
    };
    let tables = match list_tables(&conn) {
        Ok(t) => t,
        Err(e) => {
            out.error(
                shown.to_string(),
                format!("corrupt or unreadable SQLite database: {e}"),
            );
            return;
        }
    };
    for (table, without_rowid) in &tables {
        if let Err(e) = scan_table(
            matcher,
            opts,
            &conn,
            shown,
            rel_path,
            table,
            *without_rowid,
            out,
        ) {
            out.error(
                format!("{shown}:{}", ident(table)),
                format!("corrupt or unreadable SQLite table: {e}"),
            );
        }
    }
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        out.skip(
            format!("{shown}-wal"),
            "write-ahead log not read: the database is opened immutable, so changes not yet \
             checkpointed into it are not scanned"
                .into(),
        );
    }
}

/// Tables of the main schema, by name: (name, is `WITHOUT ROWID`).
fn list_tables(conn: &Connection) -> rusqlite::Result<Vec<(String, bool)>> {
    let mut stmt = conn.prepare(
        "SELECT name, wr FROM pragma_table_list \
         WHERE schema = 'main' AND type IN ('table', 'shadow') ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?;
    rows.collect()
}

#[allow(clippy::too_many_arguments)]
fn scan_table(
    matcher: &Matcher,
    opts: &ScanOptions,
    conn: &Connection,
    shown: &str,
    rel_path: &str,
    table: &str,
    without_rowid: bool,
    out: &mut Found,
) -> rusqlite::Result<()> {
    let quoted = format!("\"{}\"", table.replace('"', "\"\""));
    let sql = if without_rowid {
        format!("SELECT * FROM main.{quoted}")
    } else {
        format!("SELECT rowid, * FROM main.{quoted}")
    };
    let mut stmt = conn.prepare(&sql)?;
    let first = usize::from(!without_rowid);
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|n| n.replace(char::is_control, "?"))
        .collect();
    let shown_table = ident(table);
    let mut rows = stmt.query([])?;
    let mut text: Vec<u8> = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut n: u64 = 0;
    while let Some(row) = rows.next()? {
        n += 1;
        let key = if without_rowid {
            format!("row={n}")
        } else {
            format!("rowid={}", row.get::<_, i64>(0)?)
        };
        text.clear();
        cells.clear();
        for (i, name) in names.iter().enumerate().skip(first) {
            let value: &[u8] = match row.get_ref(i)? {
                ValueRef::Text(t) => t,
                ValueRef::Blob(b) if !is_binary(b) => b,
                _ => continue,
            };
            if value.is_empty() {
                continue;
            }
            if value.len() as u64 > opts.max_file_size {
                out.too_large += 1;
                continue;
            }
            text.extend_from_slice(name.as_bytes());
            text.extend_from_slice(b" = ");
            let start = text.len();
            text.extend_from_slice(value);
            cells.push(Cell {
                start,
                end: text.len(),
                suffix: format!(":{shown_table}[{key}].{}", ident(name)),
            });
            text.push(b'\n');
        }
        out.rows += 1;
        if cells.is_empty() {
            continue;
        }
        let origin = Origin {
            path: shown,
            rel_path,
            commit: None,
            date: None,
            inner: None,
            cells: Some(&cells),
        };
        out.result.extend(scan_text(
            matcher,
            &origin,
            &Text::whole(&text),
            opts.verifier.as_deref(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_identifiers_are_escaped() {
        let uri = file_uri(Path::new("/tmp/a b?#.db"));
        assert_eq!(uri, "file:/tmp/a%20b%3F%23.db?mode=ro&immutable=1");
        assert_eq!(ident("users"), "users");
        assert_eq!(ident("my table"), "\"my table\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }
}
