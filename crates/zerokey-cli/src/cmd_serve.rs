//! `zerokey serve`: the broker web service. Opens (and migrates) the database, takes the base
//! AWS credentials from the standard provider chain, and serves the API (over HTTPS with
//! `--tls-cert`/`--tls-key`, reloaded on SIGHUP) until SIGTERM or Ctrl-C, letting requests in
//! flight finish. `/metrics` is served on `--metrics-listen` and/or behind a bearer token.
//! Logs are JSON lines on stderr, each passed through the detection engine so that no
//! credential reaches them.

use crate::args::ServeArgs;
use crate::Exit;
use anyhow::{bail, Context, Result};
use secrecy::SecretString;
use std::path::Path;
use std::time::Duration;
use zerokey_broker::limits::{Limit, Limiter, Limits};
use zerokey_broker::telemetry::MetricsToken;
use zerokey_broker::tls::TlsConfig;
use zerokey_broker::{telemetry, AppState, Config, Store};

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
    let metrics_listener = match args.metrics_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("--metrics-listen {addr}: cannot bind"))?,
        ),
        None => None,
    };
    zerokey_broker::server::run(state, listener, metrics_listener, tls, &args.database).await?;
    Ok(())
}

fn mask(url: &str) -> String {
    zerokey_broker::store::mask_url(url)
}
