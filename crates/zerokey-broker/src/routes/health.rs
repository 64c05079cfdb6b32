//! Probes and metrics: `/healthz` (the process answers), `/readyz` (the database answers a
//! read, within a bound), `/metrics` (Prometheus text; behind a bearer token or on a listener
//! of its own). None of them writes anything.

use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Longest `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the database answers a `SELECT 1` within two seconds.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "ready"), (status = 503, description = "database unreachable")))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(READY_TIMEOUT, state.store().ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
        Err(_) => {
            tracing::warn!("readiness check failed: the database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}

/// Prometheus metrics: request counts, AssumeRole latency, rate-limit rejections. Served on
/// the public listener only with a metrics token (`Authorization: Bearer …`), else on the
/// metrics listener alone.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format"),
              (status = 401, description = "metrics token missing or wrong")))]
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config().metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, t)| t.trim());
        if !token.matches(presented) {
            return ApiError::unauthenticated().into_response();
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}
