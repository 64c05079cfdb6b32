//! Fixed-window rate-limit counters shared by every instance using the database.

use super::{RowExt, Store, StoreError};

impl Store {
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
}
