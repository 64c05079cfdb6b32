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

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable id (UUID).
    pub id: String,
    /// Login name.
    pub name: String,
}

/// A stored connection: the only AWS data the broker keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Connection id (UUID).
    pub id: String,
    /// Owner's user id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// The customer's role.
    pub role_arn: String,
    /// The external ID issued by `prepare`.
    pub external_id: String,
    /// Creation time (Unix ms).
    pub created_at: i64,
}

/// One audit event (append-only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEvent {
    /// Sequence number (0 before insertion).
    pub id: i64,
    /// Time (Unix ms).
    pub at: i64,
    /// Who (user id), when known.
    pub user_id: Option<String>,
    /// What, e.g. `s3.get_object`.
    pub action: String,
    /// On which connection.
    pub connection_id: Option<String>,
    /// Bucket, bucket/key or prefix the action touched.
    pub target: Option<String>,
    /// `ok`, `denied`, `invalid`, `error`, ...
    pub outcome: String,
    /// AWS request id of the call, when there was one.
    pub aws_request_id: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Our request id.
    pub request_id: Option<String>,
}

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

/// Masks the password of a database URL for messages.
pub fn mask_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:****{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn user_of(row: &impl RowExt) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.s("id")?,
        name: row.s("name")?,
    })
}

/// Column access that works on both backends' rows.
trait RowExt {
    fn s(&self, col: &str) -> Result<String, sqlx::Error>;
    fn os(&self, col: &str) -> Result<Option<String>, sqlx::Error>;
    fn i(&self, col: &str) -> Result<i64, sqlx::Error>;
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
        }
    };
}
row_ext!(sqlx::sqlite::SqliteRow);
row_ext!(sqlx::postgres::PgRow);

fn connection_of(row: &impl RowExt) -> Result<Connection, sqlx::Error> {
    Ok(Connection {
        id: row.s("id")?,
        user_id: row.s("user_id")?,
        name: row.s("name")?,
        role_arn: row.s("role_arn")?,
        external_id: row.s("external_id")?,
        created_at: row.i("created_at")?,
    })
}

fn audit_of(row: &impl RowExt) -> Result<AuditEvent, sqlx::Error> {
    Ok(AuditEvent {
        id: row.i("id")?,
        at: row.i("at")?,
        user_id: row.os("user_id")?,
        action: row.s("action")?,
        connection_id: row.os("connection_id")?,
        target: row.os("target")?,
        outcome: row.s("outcome")?,
        aws_request_id: row.os("aws_request_id")?,
        client_addr: row.os("client_addr")?,
        request_id: row.os("request_id")?,
    })
}

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

    /// Creates a user with an argon2id `password_hash` (PHC string).
    pub async fn create_user(&self, name: &str, password_hash: &str) -> Result<User, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let res = on_pool!(self, p => sqlx::query(
            "INSERT INTO users (id, name, password_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&id).bind(name).bind(password_hash).bind(now_ms())
            .execute(p).await.map(|_| ()));
        match res {
            Ok(_) => Ok(User {
                id,
                name: name.to_string(),
            }),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!("user {name}"))),
            Err(e) => Err(e.into()),
        }
    }

    /// A user and their password hash, by login name.
    pub async fn user_by_name(
        &self,
        name: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError> {
        let sql = "SELECT id, name, password_hash FROM users WHERE name = $1";
        Ok(on_pool!(self, p => {
            match sqlx::query(sql).bind(name).fetch_optional(p).await? {
                Some(r) => Some((user_of(&r)?, r.os("password_hash")?)),
                None => None,
            }
        }))
    }

    /// Stores the SHA-256 hash of a new API token for `user_id`.
    pub async fn create_token(
        &self,
        user_id: &str,
        token_hash: &str,
        label: &str,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id).bind(user_id).bind(token_hash).bind(label).bind(now_ms())
            .execute(p).await.map(|_| ()))?;
        Ok(id)
    }

    /// The user an API token (by hash) belongs to; records its use.
    pub async fn user_by_token_hash(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        let sql = "SELECT u.id, u.name FROM api_tokens t JOIN users u ON u.id = t.user_id \
                   WHERE t.token_hash = $1";
        let user = on_pool!(self, p => match sqlx::query(sql).bind(token_hash).fetch_optional(p).await? {
            Some(r) => Some(user_of(&r)?),
            None => None,
        });
        if user.is_some() {
            // At most one write per token per minute: `last_used_at` is for humans, and a write
            // (an fsync) on every request would cost more than the request's own work.
            let now = now_ms();
            on_pool!(self, p => sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
                 AND (last_used_at IS NULL OR last_used_at < $3)")
                .bind(now).bind(token_hash).bind(now - 60_000).execute(p).await.map(|_| ()))?;
        }
        Ok(user)
    }

    /// Stores a login session (by hash of its cookie value).
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(id_hash).bind(user_id).bind(now_ms()).bind(expires_at)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The user of a live session.
    pub async fn user_by_session(&self, id_hash: &str) -> Result<Option<User>, StoreError> {
        let sql = "SELECT u.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id \
                   WHERE s.id_hash = $1 AND s.expires_at > $2";
        Ok(
            on_pool!(self, p => match sqlx::query(sql).bind(id_hash).bind(now_ms()).fetch_optional(p).await? {
                Some(r) => Some(user_of(&r)?),
                None => None,
            }),
        )
    }

    /// Ends a session; also drops expired ones.
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1 OR expires_at <= $2")
            .bind(id_hash).bind(now_ms()).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Records an external ID issued by `prepare` to `user_id`.
    pub async fn add_pending_external_id(
        &self,
        user_id: &str,
        external_id: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO pending_external_ids (external_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(external_id).bind(user_id).bind(now_ms()).bind(expires_at)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// True when `external_id` was issued to `user_id` and has not expired or been used.
    pub async fn pending_external_id(
        &self,
        user_id: &str,
        external_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT external_id FROM pending_external_ids \
                   WHERE external_id = $1 AND user_id = $2 AND expires_at > $3";
        Ok(
            on_pool!(self, p => sqlx::query(sql).bind(external_id).bind(user_id).bind(now_ms())
            .fetch_optional(p).await?.is_some()),
        )
    }

    /// Stores a verified connection and consumes its pending external ID, in one transaction.
    /// Returns `None` when the external ID is no longer pending (used concurrently).
    pub async fn insert_connection(
        &self,
        user_id: &str,
        name: &str,
        role_arn: &str,
        external_id: &str,
    ) -> Result<Option<Connection>, StoreError> {
        let conn = Connection {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_string(),
            name: name.to_string(),
            role_arn: role_arn.to_string(),
            external_id: external_id.to_string(),
            created_at: now_ms(),
        };
        let done = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let taken = sqlx::query(
                "DELETE FROM pending_external_ids WHERE external_id = $1 AND user_id = $2")
                .bind(external_id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if taken == 1 {
                sqlx::query("INSERT INTO connections (id, user_id, name, role_arn, external_id, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&conn.id).bind(&conn.user_id).bind(&conn.name).bind(&conn.role_arn)
                    .bind(&conn.external_id).bind(conn.created_at)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                true
            } else {
                tx.rollback().await?;
                false
            }
        });
        Ok(done.then_some(conn))
    }

    /// `user_id`'s connections, oldest first.
    pub async fn list_connections(&self, user_id: &str) -> Result<Vec<Connection>, StoreError> {
        let sql = "SELECT id, user_id, name, role_arn, external_id, created_at FROM connections \
                   WHERE user_id = $1 ORDER BY created_at, id";
        Ok(on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(user_id).fetch_all(p).await?;
            rows.iter().map(connection_of).collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// One of `user_id`'s connections; `None` for unknown ids and other users' connections.
    pub async fn connection(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<Connection>, StoreError> {
        let sql = "SELECT id, user_id, name, role_arn, external_id, created_at FROM connections \
                   WHERE id = $1 AND user_id = $2";
        Ok(
            on_pool!(self, p => match sqlx::query(sql).bind(id).bind(user_id).fetch_optional(p).await? {
                Some(r) => Some(connection_of(&r)?),
                None => None,
            }),
        )
    }

    /// Deletes one of `user_id`'s connections; false when there was none.
    pub async fn delete_connection(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM connections WHERE id = $1 AND user_id = $2")
            .bind(id).bind(user_id).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Appends an audit event (the table refuses updates and deletes).
    pub async fn append_audit(&self, e: &AuditEvent) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO audit_events (at, user_id, action, connection_id, target, outcome, aws_request_id, client_addr, request_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(e.at).bind(&e.user_id).bind(&e.action).bind(&e.connection_id).bind(&e.target)
            .bind(&e.outcome).bind(&e.aws_request_id).bind(&e.client_addr).bind(&e.request_id)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// `user_id`'s audit events, newest first, at most `limit`, older than `before` if given.
    pub async fn audit_events(
        &self,
        user_id: &str,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let sql = "SELECT id, at, user_id, action, connection_id, target, outcome, aws_request_id, client_addr, request_id \
                   FROM audit_events WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
        Ok(on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(user_id).bind(before.unwrap_or(i64::MAX)).bind(limit)
                .fetch_all(p).await?;
            rows.iter().map(audit_of).collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// Counts one hit on a fixed-window rate-limit counter shared by every instance using
    /// this database; returns the count in the current window.
    pub async fn rate_hit(&self, key: &str, window_start: i64) -> Result<i64, StoreError> {
        let sql = "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
                   ON CONFLICT (key) DO UPDATE SET \
                   count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
                   window_start = excluded.window_start \
                   RETURNING count";
        Ok(
            on_pool!(self, p => sqlx::query(sql).bind(key).bind(window_start).fetch_one(p).await?.i("count")?),
        )
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

    #[test]
    fn urls_are_masked() {
        assert_eq!(
            mask_url("postgres://app:hunter2@db:5432/zk"),
            "postgres://app:****@db:5432/zk"
        );
        assert_eq!(mask_url("sqlite://zerokey.db"), "sqlite://zerokey.db");
        assert_eq!(
            mask_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
    }

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
        store.create_token(&alice.id, "h1", "cli").await.unwrap();
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
