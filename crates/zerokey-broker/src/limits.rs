//! Rate limits per user, per client address, and stricter ones on login. In process
//! (`governor`) by default; shared by every instance through the PostgreSQL store or Redis
//! when configured, because a limit that each instance counts alone is not a limit.
//! If a shared backend fails, the in-process limiter answers instead (logged).

use crate::store::{now_ms, Store};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One limit: at most `limit` hits per `window` for each key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    /// Hits allowed per window.
    pub limit: u32,
    /// Window length.
    pub window: Duration,
}

impl Limit {
    /// `limit` hits per minute.
    pub const fn per_minute(limit: u32) -> Self {
        Limit {
            limit,
            window: Duration::from_secs(60),
        }
    }
}

/// The limits the broker applies.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Authenticated API requests per user.
    pub per_user: Limit,
    /// API requests per client address.
    pub per_addr: Limit,
    /// Login attempts per client address.
    pub login_per_addr: Limit,
    /// Login attempts per (user name, client address).
    pub login_per_name: Limit,
    /// `/healthz`, `/readyz` and `/metrics` per client address, always counted in this
    /// process (a probe never writes to the database or Redis).
    pub probe_per_addr: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_user: Limit::per_minute(600),
            per_addr: Limit::per_minute(1200),
            login_per_addr: Limit::per_minute(10),
            login_per_name: Limit::per_minute(5),
            probe_per_addr: Limit::per_minute(120),
        }
    }
}

/// Where counters live.
pub enum Backend {
    /// This process only.
    Local,
    /// The PostgreSQL (or SQLite) store's `rate_limits` table.
    Store(Store),
    /// Redis.
    Redis(redis::aio::MultiplexedConnection),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Local => "Local",
            Backend::Store(_) => "Store",
            Backend::Redis(_) => "Redis",
        })
    }
}

/// The in-process limiters, one per (rule, limit).
type LocalLimiters = HashMap<(String, Limit), std::sync::Arc<DefaultKeyedRateLimiter<String>>>;

/// Checks and counts hits.
#[derive(Debug)]
pub struct Limiter {
    backend: Backend,
    local: std::sync::Mutex<LocalLimiters>,
    calls: AtomicU64,
}

/// A rejected hit: retry after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

const REDIS_SCRIPT: &str = r"
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return c
";

impl Limiter {
    /// A limiter over `backend`.
    pub fn new(backend: Backend) -> Self {
        Limiter {
            backend,
            local: std::sync::Mutex::new(HashMap::new()),
            calls: AtomicU64::new(0),
        }
    }

    /// Connects to Redis at `url` (e.g. `redis://127.0.0.1:6379`).
    pub async fn redis(url: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let conn = client.get_multiplexed_async_connection().await?;
        Ok(Self::new(Backend::Redis(conn)))
    }

    /// Which backend counts (`local`, `database`, `redis`).
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Local => "local",
            Backend::Store(_) => "database",
            Backend::Redis(_) => "redis",
        }
    }

    /// Counts one hit of `key` against `limit` (named `rule`).
    pub async fn check(&self, rule: &str, limit: Limit, key: &str) -> Result<(), RetryAfter> {
        if limit.limit == 0 {
            return Ok(());
        }
        let window_ms = i64::try_from(limit.window.as_millis())
            .unwrap_or(60_000)
            .max(1);
        let now = now_ms();
        let start = now - now.rem_euclid(window_ms);
        let retry = RetryAfter(u64::try_from((start + window_ms - now + 999) / 1000).unwrap_or(1));
        let shared_key = format!("{rule}:{key}");
        let count = match &self.backend {
            Backend::Local => return self.check_local(rule, limit, key),
            Backend::Store(store) => store
                .rate_hit(&shared_key, start)
                .await
                .map_err(|e| e.to_string()),
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                redis::Script::new(REDIS_SCRIPT)
                    .key(format!("zerokey:rl:{shared_key}:{start}"))
                    .arg(window_ms)
                    .invoke_async::<i64>(&mut conn)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        match count {
            Ok(n) if n > i64::from(limit.limit) => Err(retry),
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(backend = self.backend_name(), error = %e,
                    "shared rate limit unavailable; counting in this process");
                self.check_local(rule, limit, key)
            }
        }
    }

    /// Counts one hit of `key` against `limit` in this process only, whatever the backend
    /// (for cheap probes that must not touch the database).
    pub fn check_in_process(&self, rule: &str, limit: Limit, key: &str) -> Result<(), RetryAfter> {
        self.check_local(rule, limit, key)
    }

    fn check_local(&self, rule: &str, limit: Limit, key: &str) -> Result<(), RetryAfter> {
        let Some(burst) = NonZeroU32::new(limit.limit) else {
            return Ok(());
        };
        let period = limit.window / limit.limit;
        let Some(quota) = Quota::with_period(period) else {
            return Ok(());
        };
        let limiter = {
            let Ok(mut map) = self.local.lock() else {
                return Ok(());
            };
            map.entry((rule.to_string(), limit))
                .or_insert_with(|| {
                    std::sync::Arc::new(RateLimiter::keyed(quota.allow_burst(burst)))
                })
                .clone()
        };
        if self.calls.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_string()).map_err(|nu| {
            let wait = nu.wait_time_from(DefaultClock::default().now());
            RetryAfter(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_limits_reject_with_retry_after() {
        let l = Limiter::new(Backend::Local);
        let lim = Limit::per_minute(2);
        assert!(l.check("t", lim, "a").await.is_ok());
        assert!(l.check("t", lim, "a").await.is_ok());
        let RetryAfter(secs) = l.check("t", lim, "a").await.unwrap_err();
        assert!((1..=60).contains(&secs), "{secs}");
        assert!(l.check("t", lim, "b").await.is_ok(), "keys are separate");
    }
}
