//! API tokens: only SHA-256 hashes are stored; expiry and revocation.

use super::users::user_of;
use super::{now_ms, RowExt, Store, StoreError, User};

/// An API token's metadata (never the token or its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Token id (UUID).
    pub id: String,
    /// Owner's user id.
    pub user_id: String,
    /// Owner's login name.
    pub user_name: String,
    /// The token's name (`label` column).
    pub name: String,
    /// Creation time (Unix ms).
    pub created_at: i64,
    /// Last use, at most a minute stale (Unix ms).
    pub last_used_at: Option<i64>,
    /// Expiry (Unix ms); `None` never expires.
    pub expires_at: Option<i64>,
    /// Revocation time (Unix ms).
    pub revoked_at: Option<i64>,
}

impl TokenInfo {
    /// `active`, `expired` or `revoked` at `now`.
    pub fn status(&self, now: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        }
    }
}

/// What a presented API token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLookup {
    /// Valid: its user and its id.
    Valid {
        /// The owner.
        user: User,
        /// The token's id.
        token_id: String,
    },
    /// Known but past its expiry.
    Expired,
    /// Known but revoked.
    Revoked,
    /// Not a token of this broker.
    Unknown,
}

fn token_of(row: &impl RowExt) -> Result<TokenInfo, sqlx::Error> {
    Ok(TokenInfo {
        id: row.s("id")?,
        user_id: row.s("user_id")?,
        user_name: row.s("user_name")?,
        name: row.s("label")?,
        created_at: row.i("created_at")?,
        last_used_at: row.oi("last_used_at")?,
        expires_at: row.oi("expires_at")?,
        revoked_at: row.oi("revoked_at")?,
    })
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, u.name AS user_name, t.label, t.created_at, \
     t.last_used_at, t.expires_at, t.revoked_at";

impl Store {
    /// Stores the SHA-256 hash of a new API token for `user_id`, named `name`, expiring at
    /// `expires_at` (Unix ms; `None`: never). Returns the token's id.
    pub async fn create_token(
        &self,
        user_id: &str,
        token_hash: &str,
        name: &str,
        expires_at: Option<i64>,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id).bind(user_id).bind(token_hash).bind(name).bind(now_ms()).bind(expires_at)
            .execute(p).await.map(|_| ()))?;
        Ok(id)
    }

    /// What an API token (by hash) is: valid (its user; its use is recorded), expired,
    /// revoked or unknown.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<TokenLookup, StoreError> {
        let sql = "SELECT u.id, u.name, t.id AS token_id, t.expires_at, t.revoked_at \
                   FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1";
        let found = on_pool!(self, p => match sqlx::query(sql).bind(token_hash).fetch_optional(p).await? {
            Some(r) => Some((user_of(&r)?, r.s("token_id")?, r.oi("expires_at")?, r.oi("revoked_at")?)),
            None => None,
        });
        let Some((user, token_id, expires_at, revoked_at)) = found else {
            return Ok(TokenLookup::Unknown);
        };
        let now = now_ms();
        if revoked_at.is_some() {
            return Ok(TokenLookup::Revoked);
        }
        if expires_at.is_some_and(|e| e <= now) {
            return Ok(TokenLookup::Expired);
        }
        // At most one write per token per minute: `last_used_at` is for humans, and a write
        // (an fsync) on every request would cost more than the request's own work.
        on_pool!(self, p => sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
             AND (last_used_at IS NULL OR last_used_at < $3)")
            .bind(now).bind(&token_id).bind(now - 60_000).execute(p).await.map(|_| ()))?;
        Ok(TokenLookup::Valid { user, token_id })
    }

    /// The user a valid API token (by hash) belongs to; records its use.
    pub async fn user_by_token_hash(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        Ok(match self.token_by_hash(token_hash).await? {
            TokenLookup::Valid { user, .. } => Some(user),
            _ => None,
        })
    }

    /// Tokens (metadata only), of one user or of everyone, oldest first.
    pub async fn list_tokens(&self, user_id: Option<&str>) -> Result<Vec<TokenInfo>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE ($1 IS NULL OR t.user_id = $1) ORDER BY t.created_at, t.id"
        );
        Ok(on_pool!(self, p => {
            let rows = sqlx::query(&sql).bind(user_id).fetch_all(p).await?;
            rows.iter().map(token_of).collect::<Result<Vec<_>, _>>()?
        }))
    }

    /// One token's metadata by id; with `user_id`, only that user's token.
    pub async fn token(
        &self,
        id: &str,
        user_id: Option<&str>,
    ) -> Result<Option<TokenInfo>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND ($2 IS NULL OR t.user_id = $2)"
        );
        Ok(
            on_pool!(self, p => match sqlx::query(&sql).bind(id).bind(user_id).fetch_optional(p).await? {
                Some(r) => Some(token_of(&r)?),
                None => None,
            }),
        )
    }

    /// Revokes a token by id (with `user_id`, only that user's). True when it was active and is
    /// now revoked; false when there is no such token or it was already revoked.
    pub async fn revoke_token(&self, id: &str, user_id: Option<&str>) -> Result<bool, StoreError> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
             AND ($3 IS NULL OR user_id = $3)")
            .bind(now_ms()).bind(id).bind(user_id).execute(p).await?.rows_affected());
        Ok(n == 1)
    }
}
