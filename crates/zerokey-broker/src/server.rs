//! Running the broker: the main listener (plain or TLS, certificates reloaded on SIGHUP), the
//! optional metrics listener, one shutdown signal (SIGTERM or Ctrl-C) for both, requests in
//! flight allowed to finish. `zerokey serve` builds the [`AppState`] and binds; this runs it.

use crate::tls::{TlsConfig, TlsListener};
use crate::AppState;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A step of starting or serving failed; `what` names it.
    #[error("{what}")]
    Io {
        /// The step.
        what: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The metrics task panicked or was cancelled.
    #[error("metrics listener")]
    Metrics(#[source] tokio::task::JoinError),
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> ServerError {
    move |source| ServerError::Io { what, source }
}

/// Completes once the shutdown signal has arrived.
async fn stopped(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Serves `state` on `listener` (over TLS with `tls`) and `/metrics` on `metrics`, until
/// SIGTERM or Ctrl-C; logs where it listens (`database` is masked).
pub async fn run(
    state: AppState,
    listener: TcpListener,
    metrics: Option<TcpListener>,
    tls: Option<TlsConfig>,
    database: &str,
) -> Result<(), ServerError> {
    let local = listener
        .local_addr()
        .map_err(io("reading the bound address"))?;
    let metrics_addr: Option<SocketAddr> = match &metrics {
        Some(l) => Some(
            l.local_addr()
                .map_err(io("reading the bound metrics address"))?,
        ),
        None => None,
    };
    let metrics_where = match (metrics_addr, state.config().metrics_token.is_some()) {
        (Some(a), true) => format!("{a} and the main listener, with a bearer token"),
        (Some(a), false) => a.to_string(),
        (None, true) => "the main listener, with a bearer token".to_string(),
        (None, false) => "off".to_string(),
    };
    tracing::info!(
        listen = %local,
        tls = tls.is_some(),
        metrics = %metrics_where,
        database = %crate::store::mask_url(database),
        store = state.store().kind(),
        limiter = state.limiter().backend_name(),
        "zerokey broker listening"
    );
    // One shutdown signal for every listener.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        crate::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let metrics_task = metrics.map(|l| {
        tokio::spawn(crate::serve_metrics(
            l,
            state.clone(),
            stopped(stop_rx.clone()),
        ))
    });
    let router = crate::app_with(state.clone(), crate::ui::router(state.clone()));
    let served = match tls {
        Some(tls) => {
            let reloader = tls
                .reload_on_sighup()
                .map_err(io("installing the SIGHUP handler"))?;
            let listener =
                TlsListener::new(listener, tls).map_err(io("starting the TLS listener"))?;
            let r = crate::serve(listener, state, router, stopped(stop_rx.clone())).await;
            reloader.abort();
            r
        }
        None => crate::serve(listener, state, router, stopped(stop_rx.clone())).await,
    };
    served.map_err(io("serving"))?;
    if let Some(t) = metrics_task {
        t.await
            .map_err(ServerError::Metrics)?
            .map_err(io("serving metrics"))?;
    }
    // Give the log writer a moment; requests in flight have finished.
    tokio::time::sleep(Duration::from_millis(10)).await;
    tracing::info!("zerokey broker stopped");
    Ok(())
}
