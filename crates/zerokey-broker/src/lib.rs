//! zerokey's broker: an axum service that stores only a role ARN and an external ID per
//! connection, assumes the role with STS on every request and drops the temporary credentials
//! when the response ends.
//!
//! [`app`] builds the router over an [`AppState`]; [`app_with`] adds routes of later parts
//! (web UI, `POST /api/exec`, attestation) under the same authentication, rate limits,
//! request ids, metrics and error shape. [`serve`] runs it until a shutdown signal.
//!
//! Layout: `routes/` one file per route group, `auth/` tokens, sessions, passwords, `store/`
//! sqlx storage and migrations, `limits.rs` rate limits, `policy.rs` IAM documents,
//! `validate.rs` input checks, `telemetry.rs` redacted JSON logs and metrics, `tls.rs` HTTPS,
//! `client.rs` the HTTP client of a broker (`zerokey exec --connection`), `admin.rs` the
//! operator's actions on the database (`zerokey admin`).

pub mod admin;
pub mod auth;
pub mod aws_child;
pub mod child;
pub mod client;
pub mod container_endpoint;
pub mod error;
pub mod exec;
pub mod limits;
pub mod policy;
pub mod reap;
pub mod routes;
pub mod server;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod ui;
pub mod validate;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;
use zerokey_aws::{BaseAws, CallerIdentity};

pub use error::ApiError;
pub use store::Store;

/// Broker settings (flags and `ZEROKEY_*` variables are turned into this by the CLI).
#[derive(Debug, Clone)]
pub struct Config {
    /// AssumeRole session length (clamped to 900..=43200; default 3600).
    pub session_seconds: u32,
    /// Largest object uploaded or downloaded through the broker, in bytes.
    pub max_object_bytes: u64,
    /// Largest JSON request body, in bytes.
    pub max_json_bytes: usize,
    /// Rate limits.
    pub limits: limits::Limits,
    /// Take the client address from `X-Forwarded-For` and the scheme from
    /// `X-Forwarded-Proto` (only behind a proxy that sets them).
    pub trust_proxy: bool,
    /// Always mark the session cookie `Secure` and send `Strict-Transport-Security` (set when
    /// the public URL is https or the broker serves TLS itself).
    pub secure_cookies: bool,
    /// Bearer token `/metrics` requires. With it, `/metrics` is also served on the public
    /// listener; without it, only [`metrics_app`] serves metrics.
    pub metrics_token: Option<telemetry::MetricsToken>,
    /// Login session lifetime.
    pub session_ttl: Duration,
    /// How long an external ID from `prepare` stays usable by `verify`.
    pub external_id_ttl: Duration,
    /// Default lifetime of API tokens created without one (`None`: never expire).
    pub token_lifetime: Option<Duration>,
}

/// Default lifetime of new API tokens: 90 days.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(90 * 86_400);

impl Default for Config {
    fn default() -> Self {
        Config {
            session_seconds: zerokey_aws::assume::DEFAULT_SESSION_SECONDS,
            max_object_bytes: 100 << 20,
            max_json_bytes: 64 << 10,
            limits: limits::Limits::default(),
            trust_proxy: false,
            secure_cookies: false,
            metrics_token: None,
            session_ttl: Duration::from_secs(12 * 3600),
            external_id_ttl: Duration::from_secs(7 * 24 * 3600),
            token_lifetime: Some(DEFAULT_TOKEN_LIFETIME),
        }
    }
}

struct Inner {
    store: Store,
    aws: BaseAws,
    config: Config,
    limiter: limits::Limiter,
    metrics: telemetry::Metrics,
    base_identity: OnceCell<CallerIdentity>,
    extensions: axum::http::Extensions,
    /// Audit rows are written after the response; each write holds a read guard, and
    /// readers of the audit table (and shutdown) take the write side to wait for them.
    audit_gate: Arc<tokio::sync::RwLock<()>>,
    /// Key of the sign-in form's CSRF binding (HMAC-SHA256).
    csrf_key: zeroize::Zeroizing<[u8; 32]>,
}

/// Shared state of every handler. Cheap to clone. Later parts keep their own state in
/// [`AppStateBuilder::extension`] and read it back with [`AppState::extension`].
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.inner.store.kind())
            .field("limiter", &self.inner.limiter.backend_name())
            .finish_non_exhaustive()
    }
}

/// Builds an [`AppState`].
pub struct AppStateBuilder {
    store: Store,
    aws: BaseAws,
    config: Config,
    limiter: Option<limits::Limiter>,
    extensions: axum::http::Extensions,
    csrf_key: Option<zeroize::Zeroizing<[u8; 32]>>,
}

impl AppStateBuilder {
    /// The key binding the sign-in form's CSRF token (default: random, made at start). Give
    /// every instance behind one load balancer the same key.
    pub fn csrf_key(mut self, key: zeroize::Zeroizing<[u8; 32]>) -> Self {
        self.csrf_key = Some(key);
        self
    }

    /// Settings (default: [`Config::default`]).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Where rate-limit counters live (default: the store when it is PostgreSQL, this
    /// process otherwise).
    pub fn limiter(mut self, limiter: limits::Limiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Adds a typed value for routes added with [`app_with`] (an exec runner, templates...).
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// The state.
    pub fn build(self) -> AppState {
        let limiter = self.limiter.unwrap_or_else(|| {
            if self.store.is_shared() {
                limits::Limiter::new(limits::Backend::Store(self.store.clone()))
            } else {
                limits::Limiter::new(limits::Backend::Local)
            }
        });
        AppState {
            inner: Arc::new(Inner {
                store: self.store,
                aws: self.aws,
                config: self.config,
                limiter,
                metrics: telemetry::Metrics::default(),
                base_identity: OnceCell::new(),
                extensions: self.extensions,
                audit_gate: Arc::new(tokio::sync::RwLock::new(())),
                csrf_key: self.csrf_key.unwrap_or_else(|| {
                    let mut k = zeroize::Zeroizing::new([0u8; 32]);
                    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, k.as_mut());
                    k
                }),
            }),
        }
    }
}

impl AppState {
    /// Starts building a state over a store and the base AWS configuration.
    pub fn builder(store: Store, aws: BaseAws) -> AppStateBuilder {
        AppStateBuilder {
            store,
            aws,
            config: Config::default(),
            limiter: None,
            extensions: axum::http::Extensions::new(),
            csrf_key: None,
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The base AWS configuration.
    pub fn aws(&self) -> &BaseAws {
        &self.inner.aws
    }

    /// Settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Rate limiter.
    pub fn limiter(&self) -> &limits::Limiter {
        &self.inner.limiter
    }

    /// Metrics.
    pub fn metrics(&self) -> &telemetry::Metrics {
        &self.inner.metrics
    }

    /// The key of the sign-in form's CSRF binding.
    pub(crate) fn csrf_key(&self) -> &[u8; 32] {
        &self.inner.csrf_key
    }

    /// A value added with [`AppStateBuilder::extension`].
    pub fn extension<T: Clone + Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.extensions.get::<T>()
    }

    /// The base principal (GetCallerIdentity), asked once.
    pub async fn base_identity(&self) -> Result<&CallerIdentity, ApiError> {
        self.inner
            .base_identity
            .get_or_try_init(|| async {
                self.inner
                    .aws
                    .caller_identity()
                    .await
                    .map_err(ApiError::aws_unavailable)
            })
            .await
    }

    /// Appends an audit event to the store and writes it as a JSON log line.
    pub async fn audit(&self, mut event: store::AuditEvent) {
        if event.client_request_id.is_none() {
            event.client_request_id = telemetry::current_client_request_id();
        }
        tracing::info!(
            target: "zerokey::audit",
            request_id = event.request_id.as_deref().unwrap_or("-"),
            user_id = event.user_id.as_deref().unwrap_or("-"),
            action = %event.action,
            connection_id = event.connection_id.as_deref().unwrap_or("-"),
            target_name = event.target.as_deref().unwrap_or("-"),
            outcome = %event.outcome,
            aws_request_id = event.aws_request_id.as_deref().unwrap_or("-"),
            client_addr = event.client_addr.as_deref().unwrap_or("-"),
            client_request_id = event.client_request_id.as_deref().unwrap_or("-"),
            "audit"
        );
        // The row is written off the request's path (one write, and its lock, less per
        // request); `audit_settled` waits for every row in flight.
        let gate = self.inner.audit_gate.clone().read_owned().await;
        let store = self.inner.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.append_audit(&event).await {
                tracing::error!(error = %e, action = %event.action, "audit event not stored");
            }
            drop(gate);
        });
    }

    /// Waits until every audit row handed to [`AppState::audit`] so far is written.
    pub async fn audit_settled(&self) {
        drop(self.inner.audit_gate.write().await);
    }
}

/// The client's address (from the socket, or `X-Forwarded-For` with `trust_proxy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

/// True when the request reached us (or the proxy) over TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViaTls(pub bool);

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Sent on every response served over TLS (or with an https public URL): browsers then use
/// https only, for a year, on this host and its subdomains.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Routes that answer without authentication and cheaply, rate-limited per address in process.
fn is_probe(route: &str) -> bool {
    matches!(route, "/healthz" | "/readyz" | "/metrics")
}

fn valid_request_id(v: &str) -> bool {
    (1..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
}

async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Our request id is always ours: a client's `X-Request-Id` is kept apart (checked and
    // bounded), so one user cannot make their rows share another's id.
    let id = uuid::Uuid::new_v4().to_string();
    let client_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map(str::to_string);
    let trust = state.config().trust_proxy;
    let forwarded = trust
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|v| v.trim().to_string())
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        })
        .flatten();
    let addr = forwarded.unwrap_or_else(|| {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
    });
    let tls = state.config().secure_cookies
        || (trust
            && req
                .headers()
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")));
    let method = telemetry::method_label(req.method().as_str());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    req.extensions_mut().insert(ClientAddr(addr.clone()));
    req.extensions_mut().insert(ViaTls(tls));
    let ctx = telemetry::RequestCtx::with_client_id(id.clone(), client_id.clone());
    let limited = route.starts_with("/api/");
    let probe = is_probe(&route);
    let run = async {
        if probe {
            if let Err(r) = state.limiter().check_in_process(
                "probe_addr",
                state.config().limits.probe_per_addr,
                &addr,
            ) {
                state.metrics().rate_limited("probe_addr");
                return ApiError::rate_limited(r.0).into_response();
            }
        }
        if limited {
            if let Err(r) = state
                .limiter()
                .check("addr", state.config().limits.per_addr, &addr)
                .await
            {
                state.metrics().rate_limited("addr");
                return ApiError::rate_limited(r.0).into_response();
            }
        }
        next.run(req).await
    };
    let mut resp = telemetry::with_request(ctx.clone(), run).await;
    if route.starts_with("/api/")
        && resp.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE
        && !is_json(&resp)
    {
        // A limit enforced below our handlers (a framework extractor) answers in plain text;
        // every API answer is our JSON error shape.
        resp = telemetry::with_request(ctx.clone(), async {
            ApiError::too_large("request body too large").into_response()
        })
        .await;
    }
    let status = resp.status().as_u16();
    state.metrics().request(method, &route, status);
    tracing::info!(
        target: "zerokey::http",
        request_id = %id,
        method,
        route = %route,
        status,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        client_addr = %addr,
        client_request_id = client_id.as_deref().unwrap_or("-"),
        user_id = ctx.user().as_deref().unwrap_or("-"),
        "request"
    );
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(X_REQUEST_ID, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if route.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

async fn not_found() -> ApiError {
    ApiError::not_found("route")
}

/// The broker's router.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// The broker's router plus `extra` routes (web UI pages, `POST /api/exec`, attestation).
/// Extra routes get the same request ids, client address, per-address rate limit, metrics,
/// access log and error shape; extracting [`auth::AuthUser`] authenticates them.
///
/// `/metrics` is on this router only when a metrics token is configured; otherwise serve
/// [`metrics_app`] on a separate (private) listener.
pub fn app_with(state: AppState, extra: Router<AppState>) -> Router {
    let mut router = routes::router().merge(extra);
    if state.config().metrics_token.is_some() {
        router = router.route("/metrics", axum::routing::get(routes::health::metrics));
    }
    router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::internal("handler panicked").into_response()
            },
        ))
        .with_state(state)
}

/// `/metrics` alone, for a listener of its own (`--metrics-listen`); it requires the metrics
/// token when one is configured.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(routes::health::metrics))
        .fallback(not_found)
        .with_state(state)
}

/// Serves [`metrics_app`] on `listener` until `shutdown` completes.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Waits for SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}

/// Serves `router` on `listener` (a `tokio::net::TcpListener`, or a [`tls::TlsListener`])
/// until `shutdown` completes, then lets requests in flight finish and closes the store.
pub async fn serve<L>(
    listener: L,
    state: AppState,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    // `tap_io` gives any listener with socket addresses the client address extension.
    let listener = axum::serve::ListenerExt::tap_io(listener, |_: &mut L::Io| {});
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    state.audit_settled().await;
    state.store().close().await;
    Ok(())
}
