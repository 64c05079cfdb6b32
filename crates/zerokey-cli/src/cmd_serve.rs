//! `zerokey serve`: the broker web service. Opens (and migrates) the database, takes the base
//! AWS credentials from the standard provider chain, and serves the API (over HTTPS with
//! `--tls-cert`/`--tls-key`, reloaded on SIGHUP) until SIGTERM or Ctrl-C, letting requests in
//! flight finish. `/metrics` is served on `--metrics-listen` and/or behind a bearer token.
//! Logs are JSON lines on stderr, each passed through the detection engine so that no
//! credential reaches them.

use crate::Exit;
use anyhow::{bail, Context, Result};
use clap::Args;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zerokey_broker::limits::{Limit, Limiter, Limits};
use zerokey_broker::telemetry::MetricsToken;
use zerokey_broker::tls::TlsConfig;
use zerokey_broker::{telemetry, AppState, Config, Store};

/// Flags of `zerokey serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ZEROKEY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database URL: `sqlite://FILE` (created on first start) or `postgres://…` (several
    /// instances behind a load balancer share it, and their rate limits).
    #[arg(
        long,
        env = "ZEROKEY_DATABASE_URL",
        default_value = "sqlite://zerokey.db"
    )]
    pub database: String,
    /// AssumeRole session length in seconds (900-43200); also the longest `exec` session.
    #[arg(long, env = "ZEROKEY_SESSION_SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(u32).range(900..=43200))]
    pub session_seconds: u32,
    /// Largest object uploaded or downloaded through the broker (e.g. 100M, 5G).
    #[arg(long, env = "ZEROKEY_MAX_OBJECT_SIZE", default_value = "100M",
          value_parser = crate::args::parse_size)]
    pub max_object_size: u64,
    /// Redis URL for rate-limit counters shared by every instance (e.g. redis://127.0.0.1:6379).
    /// Without it, PostgreSQL stores share counters through the database; SQLite counts in process.
    #[arg(long, env = "ZEROKEY_REDIS_URL")]
    pub redis: Option<String>,
    /// API requests per minute per user.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_per_user: u32,
    /// API requests per minute per client address.
    #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_per_addr: u32,
    /// Login attempts per minute per client address (per user name and address: half of it,
    /// at least 1).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_rate: u32,
    /// `/healthz`, `/readyz` and `/metrics` requests per minute per client address (counted in
    /// this process).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub probe_rate: u32,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key. SIGHUP
    /// reloads both files.
    #[arg(
        long,
        env = "ZEROKEY_TLS_CERT",
        requires = "tls_key",
        value_name = "FILE"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(
        long,
        env = "ZEROKEY_TLS_KEY",
        requires = "tls_cert",
        value_name = "FILE"
    )]
    pub tls_key: Option<PathBuf>,
    /// Serve `/metrics` (plain HTTP) on this address of its own, e.g. 127.0.0.1:9090. Without
    /// it or a metrics token, metrics are not served.
    #[arg(long, env = "ZEROKEY_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// File holding the bearer token `/metrics` requires (else ZEROKEY_METRICS_TOKEN). With a
    /// token, `/metrics` is also served on the main listener.
    #[arg(long, env = "ZEROKEY_METRICS_TOKEN_FILE", value_name = "FILE")]
    pub metrics_token_file: Option<PathBuf>,
    /// Behind a reverse proxy: take the client address from X-Forwarded-For and TLS from
    /// X-Forwarded-Proto. Only when the proxy sets (and overwrites) both.
    #[arg(long, env = "ZEROKEY_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// The public URL users reach; `https://…` marks the session cookie Secure and sends
    /// Strict-Transport-Security.
    #[arg(long, env = "ZEROKEY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Directory of the scripts `POST /api/exec` may run (by file name; nothing runs if unset).
    #[arg(long, env = "ZEROKEY_EXEC_DIR")]
    pub exec_dir: Option<std::path::PathBuf>,
    /// Seconds after which an exec'd script and its whole process group are killed.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub exec_timeout: u64,
    /// Bytes of stdout and of stderr kept per run (the rest is dropped, `truncated: true`).
    #[arg(long, default_value = "64K", value_parser = crate::args::parse_size)]
    pub exec_max_output: u64,
    /// Scripts running at once per user (429 above).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub exec_per_user: u32,
    /// Default lifetime of API tokens created without one (`POST /api/tokens`, the web UI's
    /// Tokens page, `zerokey admin create-token`): `30d`, `12h`, ... or `never`.
    #[arg(long, env = "ZEROKEY_TOKEN_EXPIRY", default_value = "90d",
          value_parser = parse_token_expiry)]
    pub token_expiry: TokenExpiry,
    /// File whose bytes key the sign-in form's CSRF binding (at least 32 bytes, e.g. from
    /// `head -c 32 /dev/urandom`); give several instances the same file. Default: a random
    /// key per process (a form shown before a restart must be reloaded).
    #[arg(long, env = "ZEROKEY_CSRF_KEY_FILE")]
    pub csrf_key_file: Option<std::path::PathBuf>,
    /// Log filter (env-filter syntax); ZEROKEY_LOG overrides.
    #[arg(long, default_value = "info")]
    pub log: String,
}

pub fn run(args: ServeArgs) -> Result<Exit> {
    let matcher = telemetry::builtin_matcher().context("compiling the detection rules for logs")?;
    let filter = std::env::var(crate::env::ZEROKEY_LOG).unwrap_or_else(|_| args.log.clone());
    telemetry::init_json_logs(std::io::stderr, matcher, &filter);
    let https_url = match &args.public_url {
        None => false,
        Some(u) if u.starts_with("https://") => true,
        Some(u) if u.starts_with("http://") => false,
        Some(u) => bail!("--public-url {u:?}: expected an http:// or https:// URL"),
    };
    // Files are checked before anything is opened or created.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(TlsConfig::load(cert, key).context("--tls-cert/--tls-key")?)
        }
        _ => None,
    };
    let metrics_token = metrics_token(args.metrics_token_file.as_deref())?;
    let secure_cookies = https_url || tls.is_some();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(serve(args, secure_cookies, tls, metrics_token))?;
    Ok(Exit::Clean)
}

/// The metrics token: from `--metrics-token-file`, else `ZEROKEY_METRICS_TOKEN`; never a
/// command-line value (other users see those in `ps`).
fn metrics_token(file: Option<&Path>) -> Result<Option<MetricsToken>> {
    let secret = match file {
        Some(path) => {
            let bytes = zeroize::Zeroizing::new(
                fs_err::read(path).context("--metrics-token-file: cannot read the token")?,
            );
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                anyhow::anyhow!("--metrics-token-file {}: not UTF-8 text", path.display())
            })?;
            let secret = SecretString::from(text.to_string());
            match MetricsToken::new(&secret) {
                Some(t) => return Ok(Some(t)),
                None => bail!("--metrics-token-file {}: the file is empty", path.display()),
            }
        }
        None => match std::env::var(crate::env::ZEROKEY_METRICS_TOKEN) {
            Ok(v) => SecretString::from(v),
            Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                bail!("{}: not UTF-8 text", crate::env::ZEROKEY_METRICS_TOKEN)
            }
        },
    };
    match MetricsToken::new(&secret) {
        Some(t) => Ok(Some(t)),
        None => bail!("{} is set but empty", crate::env::ZEROKEY_METRICS_TOKEN),
    }
}

async fn serve(
    args: ServeArgs,
    secure_cookies: bool,
    tls: Option<TlsConfig>,
    metrics_token: Option<MetricsToken>,
) -> Result<()> {
    let store = Store::connect(&args.database).await?;
    let aws = zerokey_aws::BaseAws::from_env().await;
    let config = Config {
        session_seconds: args.session_seconds,
        max_object_bytes: args.max_object_size,
        limits: Limits {
            per_user: Limit::per_minute(args.rate_per_user),
            per_addr: Limit::per_minute(args.rate_per_addr),
            login_per_addr: Limit::per_minute(args.login_rate),
            login_per_name: Limit::per_minute((args.login_rate / 2).max(1)),
            probe_per_addr: Limit::per_minute(args.probe_rate),
        },
        trust_proxy: args.trust_proxy,
        secure_cookies,
        metrics_token,
        token_lifetime: args.token_expiry.0,
        ..Config::default()
    };
    let mut builder = AppState::builder(store, aws).config(config);
    if let Some(path) = &args.csrf_key_file {
        let bytes = zeroize::Zeroizing::new(
            std::fs::read(path)
                .with_context(|| format!("--csrf-key-file {}: cannot read", path.display()))?,
        );
        if bytes.len() < 32 {
            bail!(
                "--csrf-key-file {}: needs at least 32 bytes, has {}",
                path.display(),
                bytes.len()
            );
        }
        builder = builder.csrf_key(zerokey_broker::auth::token::derive_key(&bytes));
    }
    if let Some(dir) = &args.exec_dir {
        let real = std::fs::canonicalize(dir)
            .with_context(|| format!("--exec-dir {}: cannot open", dir.display()))?;
        if !real.is_dir() {
            bail!("--exec-dir {}: not a directory", dir.display());
        }
        builder = builder.extension(zerokey_broker::routes::exec::ExecState {
            config: std::sync::Arc::new(zerokey_broker::exec::ExecConfig {
                dir: real,
                timeout: Duration::from_secs(args.exec_timeout),
                max_output: usize::try_from(args.exec_max_output).unwrap_or(usize::MAX),
                per_user: args.exec_per_user as usize,
                // This binary is the launcher: the script dies if the server is killed.
                launcher: Some(std::path::PathBuf::from("/proc/self/exe")),
            }),
            slots: zerokey_broker::exec::Slots::default(),
            matcher: telemetry::builtin_matcher()
                .context("compiling the detection rules for exec output")?,
        });
    }
    if let Some(url) = &args.redis {
        let limiter = Limiter::redis(url)
            .await
            .with_context(|| format!("--redis {}: cannot connect", mask(url)))?;
        builder = builder.limiter(limiter);
    }
    let state = builder.build();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("--listen {}: cannot bind", args.listen))?;
    let local = listener.local_addr().context("reading the bound address")?;
    let metrics_listener = match args.metrics_listen {
        Some(addr) => {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("--metrics-listen {addr}: cannot bind"))?;
            let bound = l
                .local_addr()
                .context("reading the bound metrics address")?;
            Some((l, bound))
        }
        None => None,
    };
    let metrics_where = match (&metrics_listener, state.config().metrics_token.is_some()) {
        (Some((_, a)), true) => format!("{a} and the main listener, with a bearer token"),
        (Some((_, a)), false) => a.to_string(),
        (None, true) => "the main listener, with a bearer token".to_string(),
        (None, false) => "off".to_string(),
    };
    tracing::info!(
        listen = %local,
        tls = tls.is_some(),
        metrics = %metrics_where,
        database = %zerokey_broker::store::mask_url(&args.database),
        store = state.store().kind(),
        limiter = state.limiter().backend_name(),
        "zerokey broker listening"
    );
    // One shutdown signal for every listener.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        zerokey_broker::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let metrics_task = metrics_listener.map(|(l, _)| {
        tokio::spawn(zerokey_broker::serve_metrics(
            l,
            state.clone(),
            stopped(stop_rx.clone()),
        ))
    });
    let router = zerokey_broker::app_with(state.clone(), zerokey_broker::ui::router(state.clone()));
    let served = match tls {
        Some(tls) => {
            let reloader = tls
                .reload_on_sighup()
                .context("installing the SIGHUP handler")?;
            let listener = zerokey_broker::tls::TlsListener::new(listener, tls)
                .context("starting the TLS listener")?;
            let r = zerokey_broker::serve(listener, state, router, stopped(stop_rx.clone())).await;
            reloader.abort();
            r
        }
        None => zerokey_broker::serve(listener, state, router, stopped(stop_rx.clone())).await,
    };
    served.context("serving")?;
    if let Some(t) = metrics_task {
        t.await
            .context("metrics listener")?
            .context("serving metrics")?;
    }
    // Give the log writer a moment; requests in flight have finished.
    tokio::time::sleep(Duration::from_millis(10)).await;
    tracing::info!("zerokey broker stopped");
    Ok(())
}

/// Completes once the shutdown signal has arrived.
async fn stopped(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// A token lifetime flag (`None`: never expires).
#[derive(Debug, Clone, Copy)]
pub struct TokenExpiry(pub Option<Duration>);

fn parse_token_expiry(s: &str) -> Result<TokenExpiry, String> {
    zerokey_broker::auth::token::parse_lifetime(s).map(TokenExpiry)
}

fn mask(url: &str) -> String {
    zerokey_broker::store::mask_url(url)
}
