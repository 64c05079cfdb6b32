//! Connections (role ARN + external ID, per user) and the external IDs issued for them.

use super::{now_ms, RowExt, Store, StoreError};

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

impl Store {
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
}
