//! The container credential endpoint for `zerokey exec --ecs-server`: what ECS gives a task,
//! served on 127.0.0.1 for one child process.
//!
//! Every AWS SDK and the AWS CLI read `AWS_CONTAINER_CREDENTIALS_FULL_URI` and send
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` as the `Authorization` header; the answer is
//! `{AccessKeyId, SecretAccessKey, Token, Expiration}`. The SDKs ask again shortly before
//! `Expiration`, and the endpoint assumes the role again when the credentials it holds have
//! less than the refresh margin left, so a job can run longer than one session lasts.
//!
//! The endpoint listens on a random loopback port, checks a random 256-bit token with a
//! constant-time comparison (401 without one, 403 with a wrong one), answers `GET` only, and
//! stops when [`ContainerEndpoint::stop`] is called or the value is dropped. Credentials live
//! in [`AwsCredentials`] and in the zeroized body of one answer, nowhere else.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::future::BoxFuture;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use zeroize::Zeroizing;
use zerokey_aws::AwsCredentials;

/// The variable that tells SDKs where the endpoint is.
pub const FULL_URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// The variable that holds the token SDKs send as `Authorization`.
pub const TOKEN_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";

/// Gets a fresh set of credentials (assumes the role again). The error is our words.
pub type Refresher =
    Arc<dyn Fn() -> BoxFuture<'static, Result<AwsCredentials, String>> + Send + Sync>;

struct Shared {
    token: SecretString,
    current: Mutex<AwsCredentials>,
    refresh: Refresher,
    margin: Duration,
    role_arn: Option<String>,
    served: AtomicU64,
    refreshed: AtomicU64,
}

/// A running endpoint. Dropping it stops the server.
pub struct ContainerEndpoint {
    url: String,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for ContainerEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerEndpoint")
            .field("url", &self.url)
            .field("token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// Binding 127.0.0.1 failed.
    #[error("the credential endpoint could not listen on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
}

impl ContainerEndpoint {
    /// Starts serving `initial` on `127.0.0.1:<random port>`; `refresh` is called when the
    /// held credentials have less than `margin` left. `role_arn` is reported in answers.
    pub async fn start(
        initial: AwsCredentials,
        refresh: Refresher,
        margin: Duration,
        role_arn: Option<String>,
    ) -> Result<Self, EndpointError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(EndpointError::Bind)?;
        let addr = listener.local_addr().map_err(EndpointError::Bind)?;
        let mut raw = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(raw.as_mut());
        let token = SecretString::from(hex::encode(raw.as_ref()));
        let shared = Arc::new(Shared {
            token,
            current: Mutex::new(initial),
            refresh,
            margin,
            role_arn,
            served: AtomicU64::new(0),
            refreshed: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/credentials", get(answer))
            .with_state(Arc::clone(&shared));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = served.await {
                tracing::warn!(error = %e, "the credential endpoint stopped");
            }
        });
        Ok(ContainerEndpoint {
            url: format!("http://{addr}/credentials"),
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>/credentials`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The per-run authorization token.
    pub fn token(&self) -> &SecretString {
        &self.shared.token
    }

    /// Answers served so far.
    pub fn served(&self) -> u64 {
        self.shared.served.load(Ordering::Relaxed)
    }

    /// Times the role was assumed again.
    pub fn refreshed(&self) -> u64 {
        self.shared.refreshed.load(Ordering::Relaxed)
    }

    /// Stops listening and waits for the server task; the port is closed when this returns.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            // Open keep-alive connections would hold graceful shutdown: give them a moment.
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                tracing::debug!("credential endpoint connections cut at shutdown");
            }
        }
    }
}

impl Drop for ContainerEndpoint {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The answer ECS's endpoint gives (borrowed: the only copy made is the body).
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Answer<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    token: &'a str,
    expiration: &'a str,
    role_arn: &'a str,
}

fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "code": code, "message": message })),
    )
        .into_response()
}

async fn answer(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Some(given) = headers.get(header::AUTHORIZATION) else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "missing_token",
            "send the value of AWS_CONTAINER_AUTHORIZATION_TOKEN as the Authorization header",
        );
    };
    let expected = shared.token.expose_secret().as_bytes();
    if !bool::from(given.as_bytes().ct_eq(expected)) {
        tracing::warn!("credential endpoint: request with a wrong token refused");
        return refusal(
            StatusCode::FORBIDDEN,
            "wrong_token",
            "the authorization token does not match",
        );
    }
    let mut current = shared.current.lock().await;
    let now = OffsetDateTime::now_utc();
    let margin = i64::try_from(shared.margin.as_secs()).unwrap_or(i64::MAX);
    if current.seconds_left(now).is_some_and(|left| left < margin) {
        match (shared.refresh)().await {
            Ok(fresh) => {
                tracing::info!(
                    access_key_id = fresh.access_key_id(),
                    "credential endpoint: role assumed again before expiry"
                );
                *current = fresh;
                shared.refreshed.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) if current.seconds_left(now).is_some_and(|left| left > 0) => {
                tracing::warn!(error = %e, "credential endpoint: refresh failed; serving the current credentials until they expire");
            }
            Err(e) => {
                tracing::error!(error = %e, "credential endpoint: refresh failed and the credentials have expired");
                return refusal(
                    StatusCode::BAD_GATEWAY,
                    "refresh_failed",
                    "the role could not be assumed again; see zerokey's log",
                );
            }
        }
    }
    let expiration = current
        .expiration()
        .map(zerokey_aws::rfc3339)
        .unwrap_or_default();
    let token = current.session_token().map(ExposeSecret::expose_secret);
    let body = serde_json::to_vec(&Answer {
        access_key_id: current.access_key_id(),
        secret_access_key: current.secret_access_key().expose_secret(),
        token: token.unwrap_or_default(),
        expiration: &expiration,
        role_arn: shared.role_arn.as_deref().unwrap_or_default(),
    });
    let mut body = match body {
        Ok(b) => Zeroizing::new(b),
        Err(_) => {
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the answer could not be written",
            )
        }
    };
    drop(current);
    shared.served.fetch_add(1, Ordering::Relaxed);
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        std::mem::take(&mut *body),
    )
        .into_response()
}
