//! Web UI sessions: SHA-256 hashes of session ids.

use super::users::user_of;
use super::{now_ms, Store, StoreError, User};

impl Store {
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
}
