//! Storage through `sqlx`: SQLite (default, one file) or PostgreSQL (several instances).
//! Both run the same SQL (`$n` placeholders work in both) and their own migrations
//! (`migrations/sqlite`, `migrations/postgres`). The store holds no credential: only
//! argon2id password hashes, SHA-256 token and session hashes, role ARNs, external IDs and
//! audit events.

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Why a store operation failed. Messages never carry SQL or row values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is not `sqlite://…` or `postgres://…`.
    #[error("database URL {0:?}: expected sqlite://FILE or postgres://…")]
    BadUrl(String),
    /// Connecting failed.
    #[error("{url}: cannot open the database: {source}")]
    Connect {
        /// The URL, with any password masked.
        url: String,
        /// Cause.
        source: sqlx::Error,
    },
    /// Migrations failed.
    #[error("{url}: migrations failed: {source}")]
    Migrate {
        /// The URL, with any password masked.
        url: String,
        /// Cause.
        source: sqlx::migrate::MigrateError,
    },
    /// A unique value (user name) already exists.
    #[error("{0} already exists")]
    Conflict(String),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

/// The database behind the broker.
#[derive(Clone, Debug)]
pub enum Store {
    /// A SQLite file (the default).
    Sqlite(SqlitePool),
    /// A PostgreSQL database shared by several instances.
    Postgres(PgPool),
}

/// Runs the same `sqlx` code against whichever pool the store has.
macro_rules! on_pool {
    ($self:expr, $pool:ident => $body:expr) => {
        match $self {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

mod audit;
mod connections;
mod rates;
mod sessions;
mod tokens;
mod users;

pub use audit::AuditEvent;
pub use connections::Connection;
pub use tokens::{TokenInfo, TokenLookup};
pub use users::User;

/// Tables the store creates, for scanners and `zerokey attest`.
pub const TABLES: [&str; 7] = [
    "users",
    "api_tokens",
    "sessions",
    "pending_external_ids",
    "connections",
    "audit_events",
    "rate_limits",
];

/// Current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Masks the password of a database URL for messages (the engine's one URL redactor).
pub use zerokey_core::redact_url as mask_url;

/// Column access that works on both backends' rows.
trait RowExt {
    fn s(&self, col: &str) -> Result<String, sqlx::Error>;
    fn os(&self, col: &str) -> Result<Option<String>, sqlx::Error>;
    fn i(&self, col: &str) -> Result<i64, sqlx::Error>;
    fn oi(&self, col: &str) -> Result<Option<i64>, sqlx::Error>;
}

macro_rules! row_ext {
    ($t:ty) => {
        impl RowExt for $t {
            fn s(&self, col: &str) -> Result<String, sqlx::Error> {
                self.try_get(col)
            }
            fn os(&self, col: &str) -> Result<Option<String>, sqlx::Error> {
                self.try_get(col)
            }
            fn i(&self, col: &str) -> Result<i64, sqlx::Error> {
                self.try_get(col)
            }
            fn oi(&self, col: &str) -> Result<Option<i64>, sqlx::Error> {
                self.try_get(col)
            }
        }
    };
}
row_ext!(sqlx::sqlite::SqliteRow);
row_ext!(sqlx::postgres::PgRow);

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Opens `url` (`sqlite://FILE`, created on first start, or `postgres://…`) and runs the
    /// migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let masked = mask_url(url);
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|source| StoreError::Connect {
                    url: masked.clone(),
                    source,
                })?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // WAL + NORMAL: no corruption on a crash; a power loss may lose the last
                // commits (audit events of the last moment), not the database.
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .map_err(|source| StoreError::Connect {
                    url: masked.clone(),
                    source,
                })?;
            sqlx::migrate!("./migrations/sqlite")
                .run(&pool)
                .await
                .map_err(|source| StoreError::Migrate {
                    url: masked,
                    source,
                })?;
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(|source| StoreError::Connect {
                    url: masked.clone(),
                    source,
                })?;
            sqlx::migrate!("./migrations/postgres")
                .run(&pool)
                .await
                .map_err(|source| StoreError::Migrate {
                    url: masked,
                    source,
                })?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::BadUrl(masked))
        }
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// True for PostgreSQL, whose state several instances share.
    pub fn is_shared(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Closes the pool (graceful shutdown).
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await);
    }

    /// Every text cell of every table, as `(table, column, value)`, for scanners and
    /// `zerokey attest`: what the store holds, read back through the database itself.
    pub async fn text_cells(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut out = Vec::new();
        for table in TABLES {
            let columns: &[&str] = match table {
                "users" => &["id", "name", "password_hash"],
                "api_tokens" => &["id", "user_id", "token_hash", "label"],
                "sessions" => &["id_hash", "user_id"],
                "pending_external_ids" => &["external_id", "user_id"],
                "connections" => &["id", "user_id", "name", "role_arn", "external_id"],
                "audit_events" => &[
                    "user_id",
                    "action",
                    "connection_id",
                    "target",
                    "outcome",
                    "aws_request_id",
                    "client_addr",
                    "request_id",
                    "client_request_id",
                ],
                _ => &["key"],
            };
            for col in columns {
                let sql = format!("SELECT {col} AS v FROM {table}");
                let values: Vec<Option<String>> = on_pool!(self, p => {
                    let rows = sqlx::query(&sql).fetch_all(p).await?;
                    rows.iter().map(|r| r.os("v")).collect::<Result<Vec<_>, _>>()?
                });
                out.extend(
                    values
                        .into_iter()
                        .flatten()
                        .map(|v| (table.to_string(), (*col).to_string(), v)),
                );
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("zk.db").display());
        let store = Store::connect(&url).await.unwrap();
        let alice = store.create_user("alice", "$argon2id$x").await.unwrap();
        assert!(matches!(
            store.create_user("alice", "y").await,
            Err(StoreError::Conflict(_))
        ));
        store
            .create_token(&alice.id, "h1", "cli", None)
            .await
            .unwrap();
        assert_eq!(
            store.user_by_token_hash("h1").await.unwrap(),
            Some(alice.clone())
        );
        assert_eq!(store.user_by_token_hash("h2").await.unwrap(), None);
        store
            .add_pending_external_id(&alice.id, "zk-ext", now_ms() + 60_000)
            .await
            .unwrap();
        assert!(store
            .pending_external_id(&alice.id, "zk-ext")
            .await
            .unwrap());
        let c = store
            .insert_connection(
                &alice.id,
                "prod",
                "arn:aws:iam::123456789012:role/R",
                "zk-ext",
            )
            .await
            .unwrap()
            .unwrap();
        // The external ID is consumed: a second insert finds nothing pending.
        assert!(store
            .insert_connection(
                &alice.id,
                "prod",
                "arn:aws:iam::123456789012:role/R",
                "zk-ext"
            )
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            store.connection(&alice.id, &c.id).await.unwrap(),
            Some(c.clone())
        );
        assert_eq!(store.connection("someone-else", &c.id).await.unwrap(), None);
        store
            .append_audit(&AuditEvent {
                at: 1,
                user_id: Some(alice.id.clone()),
                action: "test".into(),
                outcome: "ok".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let events = store.audit_events(&alice.id, 10, None).await.unwrap();
        assert_eq!(events.len(), 1);
        // Append-only: the database itself refuses to change history.
        let Store::Sqlite(p) = &store else {
            unreachable!()
        };
        assert!(sqlx::query("DELETE FROM audit_events")
            .execute(p)
            .await
            .is_err());
        assert!(sqlx::query("UPDATE audit_events SET outcome = 'x'")
            .execute(p)
            .await
            .is_err());
        assert_eq!(store.rate_hit("k", 10).await.unwrap(), 1);
        assert_eq!(store.rate_hit("k", 10).await.unwrap(), 2);
        assert_eq!(store.rate_hit("k", 20).await.unwrap(), 1);
        assert!(store.delete_connection(&alice.id, &c.id).await.unwrap());
        assert!(!store.delete_connection(&alice.id, &c.id).await.unwrap());
        assert!(!store.text_cells().await.unwrap().is_empty());
    }
}
