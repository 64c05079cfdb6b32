//! Logs, request ids and metrics. Log lines are JSON and pass through [`RedactingMakeWriter`],
//! which runs the `zerokey-core` engine over each line and replaces any credential before the
//! line is written. Metrics are kept in process and rendered as Prometheus text.

use sha2::Digest as _;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tracing_subscriber::fmt::MakeWriter;
use zerokey_core::{Marker, Matcher, Redactor};

/// What the request-context middleware knows about the request being served.
#[derive(Debug)]
pub struct RequestCtx {
    /// Request id (also the `x-request-id` response header).
    pub id: String,
    user: Mutex<Option<String>>,
    /// The client's own `X-Request-Id`, when well-formed (never used as ours).
    client_id: Option<String>,
}

impl RequestCtx {
    /// A context for request `id`.
    pub fn new(id: String) -> Arc<Self> {
        Self::with_client_id(id, None)
    }

    /// A context for request `id` whose client sent `client_id` as its own request id.
    pub fn with_client_id(id: String, client_id: Option<String>) -> Arc<Self> {
        Arc::new(RequestCtx {
            id,
            user: Mutex::new(None),
            client_id,
        })
    }

    /// The authenticated user's id, once known.
    pub fn user(&self) -> Option<String> {
        self.user.lock().ok().and_then(|u| u.clone())
    }
}

tokio::task_local! {
    static CTX: Arc<RequestCtx>;
}

/// The current request's id (`-` outside a request).
pub fn current_request_id() -> String {
    CTX.try_with(|c| c.id.clone())
        .unwrap_or_else(|_| "-".to_string())
}

/// The client's own request id of the current request, if it sent a well-formed one.
pub fn current_client_request_id() -> Option<String> {
    CTX.try_with(|c| c.client_id.clone()).ok().flatten()
}

/// Records the authenticated user for the access log line.
pub fn set_user(user_id: &str) {
    let _ = CTX.try_with(|c| {
        if let Ok(mut u) = c.user.lock() {
            *u = Some(user_id.to_string());
        }
    });
}

/// Runs `fut` inside request context `ctx`.
pub async fn with_request<F: std::future::Future>(ctx: Arc<RequestCtx>, fut: F) -> F::Output {
    CTX.scope(ctx, fut).await
}

/// The built-in detection rules, compiled once, for log redaction.
pub fn builtin_matcher() -> Result<Arc<Matcher>, zerokey_core::RuleError> {
    let set = zerokey_core::RuleSet::builtin()?;
    Ok(Arc::new(Matcher::new(&set)?))
}

/// The redactor log lines pass through: every credential the engine finds becomes
/// `[REDACTED:<rule id>]` (the engine's [`Redactor`] with [`Marker::RuleId`]).
fn log_redactor(matcher: Arc<Matcher>) -> Redactor {
    Redactor::new(matcher).with_marker(Marker::RuleId)
}

/// A `MakeWriter` that redacts each log line with the engine before handing it on.
#[derive(Clone)]
pub struct RedactingMakeWriter<M> {
    inner: M,
    redactor: Arc<Redactor>,
}

impl<M> RedactingMakeWriter<M> {
    /// Wraps `inner` (stderr, a file, a test buffer).
    pub fn new(inner: M, matcher: Arc<Matcher>) -> Self {
        RedactingMakeWriter {
            inner,
            redactor: Arc::new(log_redactor(matcher)),
        }
    }
}

/// Buffers one event and writes it redacted when dropped.
pub struct RedactingWriter<W: Write> {
    buf: Vec<u8>,
    inner: W,
    redactor: Arc<Redactor>,
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let clean = self.redactor.redact_line(&self.buf);
        let _ = self.inner.write_all(&clean);
        let _ = self.inner.flush();
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            buf: Vec::with_capacity(256),
            inner: self.inner.make_writer(),
            redactor: self.redactor.clone(),
        }
    }
}

/// Installs the broker's global subscriber: JSON lines, redacted, to `writer`, filtered by
/// `filter` (env-filter syntax). Returns false when a subscriber was already installed.
pub fn init_json_logs<M>(writer: M, matcher: Arc<Matcher>, filter: &str) -> bool
where
    M: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(RedactingMakeWriter::new(writer, matcher))
        .try_init()
        .is_ok()
}

/// Upper bounds (seconds) of the AssumeRole latency histogram.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Process-local metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(String, String, u16), u64>>,
    assume_counts: [AtomicU64; BUCKETS.len()],
    assume_count: AtomicU64,
    assume_sum_us: AtomicU64,
    assume_failures: AtomicU64,
    rate_limited: Mutex<HashMap<String, u64>>,
}

impl Metrics {
    /// Counts one request by method, route template and status. Methods outside the
    /// standard ones count as `other`, so a client cannot add series.
    pub fn request(&self, method: &str, route: &str, status: u16) {
        let method = method_label(method);
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
    }

    /// Records one AssumeRole call's latency.
    pub fn assume(&self, seconds: f64, ok: bool) {
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                self.assume_counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.assume_count.fetch_add(1, Ordering::Relaxed);
        let us = (seconds * 1e6) as u64;
        self.assume_sum_us.fetch_add(us, Ordering::Relaxed);
        if !ok {
            self.assume_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one rate-limit rejection.
    pub fn rate_limited(&self, rule: &str) {
        if let Ok(mut m) = self.rate_limited.lock() {
            *m.entry(rule.to_string()).or_default() += 1;
        }
    }

    /// Prometheus text exposition format.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        s.push_str(
            "# HELP zerokey_http_requests_total HTTP requests by method, route and status.\n",
        );
        s.push_str("# TYPE zerokey_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            let mut rows: Vec<_> = m.iter().collect();
            rows.sort();
            for ((method, route, status), n) in rows {
                let _ = writeln!(
                    s,
                    "zerokey_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(method),
                    escape(route)
                );
            }
        }
        s.push_str("# HELP zerokey_assume_role_seconds STS AssumeRole latency.\n");
        s.push_str("# TYPE zerokey_assume_role_seconds histogram\n");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "zerokey_assume_role_seconds_bucket{{le=\"{le}\"}} {}",
                self.assume_counts[i].load(Ordering::Relaxed)
            );
        }
        let count = self.assume_count.load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "zerokey_assume_role_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "zerokey_assume_role_seconds_sum {}",
            self.assume_sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "zerokey_assume_role_seconds_count {count}");
        s.push_str("# HELP zerokey_assume_role_failures_total AssumeRole calls that failed.\n");
        s.push_str("# TYPE zerokey_assume_role_failures_total counter\n");
        let _ = writeln!(
            s,
            "zerokey_assume_role_failures_total {}",
            self.assume_failures.load(Ordering::Relaxed)
        );
        s.push_str("# HELP zerokey_rate_limited_total Requests rejected by a rate limit.\n");
        s.push_str("# TYPE zerokey_rate_limited_total counter\n");
        if let Ok(m) = self.rate_limited.lock() {
            let mut rows: Vec<_> = m.iter().collect();
            rows.sort();
            for (rule, n) in rows {
                let _ = writeln!(
                    s,
                    "zerokey_rate_limited_total{{limit=\"{}\"}} {n}",
                    escape(rule)
                );
            }
        }
        s
    }
}

/// The metric and log label of an HTTP method: one of the standard methods, or `other`.
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .iter()
        .find(|k| **k == method)
        .copied()
        .unwrap_or("other")
}

/// Longest client-supplied value written into a log line, in bytes.
pub const MAX_LOGGED_INPUT: usize = 256;

/// `v` cut to at most [`MAX_LOGGED_INPUT`] bytes (at a character boundary, with `…` added),
/// for client input that reaches a log line.
pub fn bounded(v: &str) -> std::borrow::Cow<'_, str> {
    if v.len() <= MAX_LOGGED_INPUT {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut end = MAX_LOGGED_INPUT;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &v[..end]))
}

/// The bearer token that `/metrics` requires (`--metrics-token-file` or
/// `ZEROKEY_METRICS_TOKEN`). Only its SHA-256 is kept; [`MetricsToken::matches`] compares in
/// constant time.
#[derive(Clone)]
pub struct MetricsToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken([REDACTED])")
    }
}

impl MetricsToken {
    /// A token from its secret value (surrounding whitespace ignored); `None` when empty.
    pub fn new(secret: &secrecy::SecretString) -> Option<Self> {
        use secrecy::ExposeSecret;
        let v = secret.expose_secret().trim();
        if v.is_empty() {
            return None;
        }
        Some(MetricsToken {
            digest: sha2::Sha256::digest(v.as_bytes()).into(),
        })
    }

    /// True when `presented` is the token (constant time in its content).
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let d: [u8; 32] = sha2::Sha256::digest(presented.as_bytes()).into();
        bool::from(d.ct_eq(&self.digest))
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_log_lines_are_replaced() {
        let m = builtin_matcher().unwrap();
        let line = br#"{"msg":"x","aws_access_key_id":"AKIAZ7KLFYYLBEG3RHDS","token":"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"}"#;
        let r = log_redactor(m);
        let out = String::from_utf8(r.redact_line(line).into_owned()).unwrap();
        assert!(!out.contains("AKIAZ7KLFYYLBEG3RHDS"), "{out}");
        assert!(!out.contains("CKWcWaQKm5Fj1ChIX3hn5"), "{out}");
        assert!(out.contains("[REDACTED:"), "{out}");
        let plain = br#"{"msg":"nothing to see"}"#;
        assert_eq!(r.redact_line(plain).into_owned(), plain.to_vec());
    }

    #[test]
    fn unknown_methods_count_as_other() {
        let m = Metrics::default();
        for i in 0..300 {
            m.request(&format!("X{i}{}", "Y".repeat(1000)), "unmatched", 404);
        }
        m.request("GET", "/healthz", 200);
        let text = m.render();
        let series = text
            .lines()
            .filter(|l| l.starts_with("zerokey_http_requests_total{"))
            .count();
        assert_eq!(series, 2, "{text}");
        assert!(text.contains("method=\"other\",route=\"unmatched\",status=\"404\"} 300"));
        assert!(!text.contains("YYYY"));
    }

    #[test]
    fn long_client_input_is_cut_for_logs() {
        assert_eq!(bounded("GET"), "GET");
        let long = "é".repeat(1000);
        let cut = bounded(&long);
        assert!(cut.len() <= MAX_LOGGED_INPUT + "…".len(), "{}", cut.len());
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn metrics_token_compares_digests() {
        let t = MetricsToken::new(&secrecy::SecretString::from(" s3cret-metrics\n")).unwrap();
        assert!(t.matches("s3cret-metrics"));
        assert!(!t.matches("s3cret-metric"));
        assert!(!t.matches(""));
        assert!(!format!("{t:?}").contains("s3cret"));
        assert!(MetricsToken::new(&secrecy::SecretString::from("  ")).is_none());
    }

    #[test]
    fn metrics_render_as_prometheus_text() {
        let m = Metrics::default();
        m.request("GET", "/api/s3/buckets", 200);
        m.assume(0.003, true);
        m.rate_limited("login_addr");
        let text = m.render();
        assert!(text.contains(
            "zerokey_http_requests_total{method=\"GET\",route=\"/api/s3/buckets\",status=\"200\"} 1"
        ));
        assert!(text.contains("zerokey_assume_role_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("zerokey_assume_role_seconds_bucket{le=\"0.0025\"} 0"));
        assert!(text.contains("zerokey_rate_limited_total{limit=\"login_addr\"} 1"));
    }
}
