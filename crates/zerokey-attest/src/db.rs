//! The database source of `zerokey attest`: opens a SQLite file read-only or a PostgreSQL
//! database in a read-only snapshot, lists every table of every non-system schema with its
//! columns and primary key, and streams every row's text, blob and JSON cells to a visitor.
//! Nothing is written: no migration, no temp table, no journal.

use crate::AttestError;
use futures_util::TryStreamExt as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection as _, Row as _};
use std::path::PathBuf;
use std::str::FromStr as _;
use std::time::Duration;

/// How long connecting to PostgreSQL may take before attest gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed `--database` value.
#[derive(Debug, Clone)]
pub enum DbUrl {
    /// A SQLite file (`sqlite:PATH`, `sqlite://PATH` or a plain path).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DbUrl {
    /// Parses `--database`; the error names the scheme, never the URL's password.
    pub fn parse(s: &str) -> Result<DbUrl, AttestError> {
        let t = s.trim();
        if t.is_empty() {
            return crate::input(
                "--database: empty URL (expected sqlite:PATH, a file path or postgres://…)",
            );
        }
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            // Validate now so a malformed URL is a usage error, not a connection error.
            PgConnectOptions::from_str(t)
                .map_err(|e| AttestError::Input(format!("--database {}: {}", redact_url(t), e)))?;
            return Ok(DbUrl::Postgres(t.to_string()));
        }
        if let Some(rest) = t.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() || path == ":memory:" {
                return crate::input(format!(
                    "--database {t}: no file (attest checks an existing database file)"
                ));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = t.split_once("://") {
            return crate::input(format!(
                "--database: unsupported scheme {scheme:?} (expected sqlite:PATH, a file path, \
                 or postgres://USER@HOST/DB)"
            ));
        }
        Ok(DbUrl::Sqlite(PathBuf::from(t)))
    }

    /// The engine name shown in reports.
    pub fn engine(&self) -> &'static str {
        match self {
            DbUrl::Sqlite(_) => "sqlite",
            DbUrl::Postgres(_) => "postgresql",
        }
    }

    /// The URL with any password masked, for reports and errors.
    pub fn display(&self) -> String {
        match self {
            DbUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
            DbUrl::Postgres(u) => redact_url(u),
        }
    }
}

/// Masks the password of a database URL (the engine's one URL redactor).
pub use zerokey_core::redact_url;

/// A column of a table.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// Declared type (SQLite declarations may be empty).
    pub sql_type: String,
    /// True if its values can be text or bytes and are scanned.
    pub scanned: bool,
}

/// A table and what attest needs to read it.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// Schema (PostgreSQL), `None` for SQLite.
    pub schema: Option<String>,
    /// Table name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<ColumnInfo>,
    /// Primary-key column names.
    pub pk: Vec<String>,
    /// SQLite: the table has a rowid. PostgreSQL: always true (ctid).
    pub has_locator: bool,
}

impl TableInfo {
    /// `schema.table` for PostgreSQL outside `public`, else the table name.
    pub fn display_name(&self) -> String {
        match &self.schema {
            Some(s) if s != "public" => format!("{s}.{}", self.name),
            _ => self.name.clone(),
        }
    }

    /// The scanned columns, in the order cells are handed to the visitor.
    pub fn scanned_columns(&self) -> impl Iterator<Item = &ColumnInfo> {
        for c in self.columns.iter().filter(|c| !c.scanned) {
            tracing::debug!(table = %self.name, column = %c.name, sql_type = %c.sql_type, "column not scanned (not text or bytes)");
        }
        self.columns.iter().filter(|c| c.scanned)
    }
}

/// Receives the database's tables and rows as they stream.
pub trait Visitor {
    /// A table is about to be read (also called for tables with no row).
    fn table(&mut self, table: &TableInfo);
    /// One row: `key` locates it without showing secret-bearing values; `cells` hold the
    /// scanned columns' values in [`TableInfo::scanned_columns`] order (`None` for NULL or a
    /// non-text value).
    fn row(&mut self, table: &TableInfo, key: &str, cells: &[Option<Vec<u8>>]);
}

/// Quotes an SQL identifier.
fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Builds the row key from the locator (rowid/ctid) and the primary-key values: primary-key
/// values are shown only when they are integers or UUIDs (a text key could be a secret).
fn row_key(
    table: &TableInfo,
    locator: Option<String>,
    pk: &[Option<String>],
    ordinal: u64,
) -> String {
    let safe = |v: &str| {
        let digits = v.strip_prefix('-').unwrap_or(v);
        (!digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit()))
            || is_uuid(v)
    };
    if !pk.is_empty() && pk.iter().all(|v| v.as_deref().is_some_and(safe)) {
        return table
            .pk
            .iter()
            .zip(pk)
            .map(|(n, v)| format!("{n}={}", v.as_deref().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(",");
    }
    match (locator, &table.schema) {
        (Some(l), None) => format!("rowid={l}"),
        (Some(l), Some(_)) => format!("ctid={l}"),
        (None, _) => format!("row#{ordinal}"),
    }
}

fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Streams the rows of `$sql` (locator, primary-key values, then the scanned cells) to the
/// visitor, one row in memory at a time. A macro because SQLite and PostgreSQL rows are
/// different types with the same API.
macro_rules! stream_rows {
    ($conn:expr, $sql:expr, $table:expr, $visitor:expr) => {{
        let table: &TableInfo = $table;
        let npk = table.pk.len();
        let ncells = table.scanned_columns().count();
        let mut rows = sqlx::query($sql).persistent(false).fetch($conn);
        let mut ordinal: u64 = 0;
        let mut pk: Vec<Option<String>> = Vec::with_capacity(npk);
        let mut cells: Vec<Option<Vec<u8>>> = Vec::with_capacity(ncells);
        let result: Result<(), sqlx::Error> = loop {
            let row = match rows.try_next().await {
                Ok(Some(r)) => r,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            ordinal += 1;
            let locator: Option<String> = match row.try_get(0) {
                Ok(v) => v,
                Err(e) => break Err(e),
            };
            pk.clear();
            cells.clear();
            let mut failed = None;
            for i in 0..npk {
                match row.try_get::<Option<String>, _>(1 + i) {
                    Ok(v) => pk.push(v),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            for i in 0..ncells {
                match row.try_get::<Option<Vec<u8>>, _>(1 + npk + i) {
                    Ok(v) => cells.push(v),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = failed {
                break Err(e);
            }
            let key = row_key(table, locator, &pk, ordinal);
            $visitor.row(table, &key, &cells);
        };
        result
    }};
}

/// Opens the database read-only and streams every table to `visitor`.
pub async fn scan(url: &DbUrl, visitor: &mut dyn Visitor) -> Result<(), AttestError> {
    match url {
        DbUrl::Sqlite(path) => scan_sqlite(path, visitor).await,
        DbUrl::Postgres(u) => scan_postgres(u, &url.display(), visitor).await,
    }
}

async fn scan_sqlite(path: &std::path::Path, visitor: &mut dyn Visitor) -> Result<(), AttestError> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return crate::input(format!(
            "database {shown}: no such file (attest opens databases read-only and creates none)"
        ))
        }
        Err(e) => return crate::input(format!("database {shown}: {e}")),
        Ok(m) if m.is_dir() => {
            return crate::input(format!(
                "database {shown}: is a directory, not a SQLite file"
            ))
        }
        Ok(_) => {}
    }
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false)
        .foreign_keys(false);
    let mut conn = SqliteConnection::connect_with(&opts)
        .await
        .map_err(|e| crate::db_error(format!("database {shown}: cannot open"), e))?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' \
         ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| {
        crate::db_error(
            format!("database {shown}: cannot list tables (not a SQLite database?)"),
            e,
        )
    })?;
    for name in tables {
        let q = format!(
            "SELECT name, type, pk FROM pragma_table_info({})",
            quote_str(&name)
        );
        let cols = sqlx::query(&q).fetch_all(&mut conn).await.map_err(|e| {
            crate::db_error(
                format!("database {shown}: table {name}: cannot read columns"),
                e,
            )
        })?;
        let mut columns = Vec::new();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in &cols {
            let cname: String = r.try_get(0)?;
            let ctype: String = r.try_get(1)?;
            let cpk: i64 = r.try_get(2)?;
            if cpk > 0 {
                pk.push((cpk, cname.clone()));
            }
            // SQLite stores any value in any column: every column is scanned; non-text
            // values are skipped per cell.
            columns.push(ColumnInfo {
                name: cname,
                sql_type: ctype,
                scanned: true,
            });
        }
        pk.sort();
        let has_rowid = sqlx::query(&format!("SELECT rowid FROM {} LIMIT 0", ident(&name)))
            .fetch_all(&mut conn)
            .await
            .is_ok();
        let table = TableInfo {
            schema: None,
            name,
            columns,
            pk: pk.into_iter().map(|(_, n)| n).collect(),
            has_locator: has_rowid,
        };
        visitor.table(&table);
        let mut select = vec![if table.has_locator {
            "CAST(rowid AS TEXT)".to_string()
        } else {
            "NULL".to_string()
        }];
        select.extend(
            table
                .pk
                .iter()
                .map(|c| format!("CAST({} AS TEXT)", ident(c))),
        );
        select.extend(table.scanned_columns().map(|c| {
            let i = ident(&c.name);
            format!("CASE WHEN typeof({i}) IN ('text','blob') THEN CAST({i} AS BLOB) END")
        }));
        let sql = format!("SELECT {} FROM {}", select.join(", "), ident(&table.name));
        stream_rows!(&mut conn, &sql, &table, visitor).map_err(|e| {
            crate::db_error(
                format!("database {shown}: table {}: cannot read rows", table.name),
                e,
            )
        })?;
    }
    conn.close().await.ok();
    Ok(())
}

fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

async fn scan_postgres(
    url: &str,
    shown: &str,
    visitor: &mut dyn Visitor,
) -> Result<(), AttestError> {
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| AttestError::Input(format!("--database {shown}: {e}")))?
        .application_name("zerokey-attest");
    let mut conn =
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&opts)).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                return crate::input(format!(
                    "database {shown}: cannot connect: {}",
                    pg_error(&e)
                ))
            }
            Err(_) => {
                return crate::input(format!(
                    "database {shown}: cannot connect: no answer within {}s",
                    CONNECT_TIMEOUT.as_secs()
                ))
            }
        };
    // One consistent, read-only snapshot of the whole database.
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut conn)
        .await
        .map_err(|e| {
            crate::db_error(
                format!("database {shown}: cannot start a read-only transaction"),
                e,
            )
        })?;
    let tables: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'm') \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
         ORDER BY n.nspname, c.relname",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| crate::db_error(format!("database {shown}: cannot list tables"), e))?;
    for (oid, schema, name, kind) in tables {
        let cols: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), \
                    bt.typcategory::text || CASE WHEN bt.typname = 'bytea' THEN 'b' ELSE '' END \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
             WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
        )
        .bind(oid)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| crate::db_error(format!("database {shown}: table {schema}.{name}: cannot read columns"), e))?;
        let pk: Vec<String> = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
        )
        .bind(oid)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| crate::db_error(format!("database {shown}: table {schema}.{name}: cannot read its key"), e))?;
        let mut bytea = Vec::new();
        let columns = cols
            .into_iter()
            .map(|(cname, ctype, cat)| {
                // S string (text, varchar, citext), U user-defined (json, jsonb, xml, bytea,
                // uuid, …), A arrays, C composites, X unknown: anything that can hold text.
                let scanned = matches!(cat.chars().next(), Some('S' | 'U' | 'A' | 'C' | 'X'));
                bytea.push(cat.ends_with('b'));
                ColumnInfo {
                    name: cname,
                    sql_type: ctype,
                    scanned,
                }
            })
            .collect::<Vec<_>>();
        let table = TableInfo {
            schema: Some(schema),
            name,
            columns,
            pk,
            has_locator: kind == "r",
        };
        visitor.table(&table);
        let mut select = vec![if table.has_locator {
            "ctid::text".to_string()
        } else {
            "NULL::text".to_string()
        }];
        select.extend(table.pk.iter().map(|c| format!("{}::text", ident(c))));
        for (c, is_bytea) in table.columns.iter().zip(&bytea) {
            if !c.scanned {
                continue;
            }
            let i = ident(&c.name);
            select.push(if *is_bytea {
                i
            } else {
                format!("convert_to({i}::text, 'UTF8')")
            });
        }
        let from = format!(
            "{}.{}",
            ident(table.schema.as_deref().unwrap_or("public")),
            ident(&table.name)
        );
        let sql = format!("SELECT {} FROM ONLY {from}", select.join(", "));
        stream_rows!(&mut conn, &sql, &table, visitor).map_err(|e| {
            crate::db_error(
                format!(
                    "database {shown}: table {}: cannot read rows",
                    table.display_name()
                ),
                e,
            )
        })?;
    }
    sqlx::query("ROLLBACK").execute(&mut conn).await.ok();
    conn.close().await.ok();
    Ok(())
}

/// A connection error in one line, without SQL or server internals beyond the message.
fn pg_error(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}
