//! Users: accounts and their deletion (sessions, tokens and connections go with them).

use super::{is_unique_violation, now_ms, RowExt, Store, StoreError};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable id (UUID).
    pub id: String,
    /// Login name.
    pub name: String,
}

pub(super) fn user_of(row: &impl RowExt) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.s("id")?,
        name: row.s("name")?,
    })
}

impl Store {
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

    /// Deletes a user and, with them, their tokens, sessions, pending external IDs and
    /// connections (in one statement: foreign keys cascade). Audit rows stay. False when there
    /// was no such user.
    pub async fn delete_user(&self, user_id: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id).execute(p).await?.rows_affected());
        Ok(n == 1)
    }
}
