//! `POST /api/exec`: runs one script of the allowlisted directory with temporary credentials
//! of one of the caller's connections, or with keys posted in the body (used once, zeroized,
//! never stored or logged). Refused with 404 when the server has no `--exec-dir`.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::exec::{self, ChildCredentials, ExecConfig, Slots};
use crate::routes::ApiJson;
use crate::service::{assume_as, event, owned_by_id};
use crate::{AppState, ClientAddr};
use axum::extract::{Extension, State};
use axum::Json;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the exec route needs beside the state: settings, run slots, the engine for output.
#[derive(Clone)]
pub struct ExecState {
    /// Settings.
    pub config: Arc<ExecConfig>,
    /// Runs in progress per user.
    pub slots: Slots,
    /// Detection engine for redacting output.
    pub matcher: Arc<zerokey_core::Matcher>,
}

/// Keys posted with the request. Deserialized straight into secret types; never `Debug`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostedKeys {
    /// Access key id.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "secret")]
    pub access_key_id: SecretString,
    /// Secret access key.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "secret")]
    pub secret_access_key: SecretString,
    /// Session token, for temporary credentials.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "opt_secret")]
    pub session_token: Option<SecretString>,
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

fn opt_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Option::<String>::deserialize(d).map(|o| o.map(SecretString::from))
}

/// Body of `POST /api/exec`: exactly one of `connection` and `credentials`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecRequest {
    /// File name of a script in the exec directory.
    pub script: String,
    /// Arguments (no shell metacharacters; at most 32).
    #[serde(default)]
    pub args: Vec<String>,
    /// One of the caller's connections: the role is assumed for this run.
    pub connection: Option<String>,
    /// Keys to use for this run only.
    pub credentials: Option<PostedKeys>,
    /// `AWS_REGION` of the child (default: the broker's region).
    pub region: Option<String>,
}

/// What the script did. Output is redacted and capped.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecResult {
    /// Exit code, when it exited.
    pub exit_code: Option<i32>,
    /// Signal that ended it.
    pub signal: Option<i32>,
    /// Killed (with its process group) at the timeout.
    pub timed_out: bool,
    /// Standard output, redacted.
    pub stdout: String,
    /// Standard error, redacted.
    pub stderr: String,
    /// Output beyond the cap was dropped.
    pub truncated: bool,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

fn valid_region(r: &str) -> bool {
    (4..=32).contains(&r.len())
        && r.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Runs an allowlisted script with temporary credentials.
#[utoipa::path(post, path = "/api/exec", tag = "exec", request_body = ExecRequest,
    security(("bearer" = [])),
    responses((status = 200, body = ExecResult), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    ApiJson(req): ApiJson<ExecRequest>,
) -> Result<Json<ExecResult>, ApiError> {
    let Some(ex) = state.extension::<ExecState>().cloned() else {
        return Err(ApiError::not_found(
            "exec (the server runs without --exec-dir)",
        ));
    };
    let script = exec::resolve_script(&ex.config.dir, &req.script)
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    exec::check_args(&req.args).map_err(|e| ApiError::invalid(e.to_string()))?;
    let region = match &req.region {
        Some(r) if valid_region(r) => r.clone(),
        Some(_) => return Err(ApiError::invalid("region: not an AWS region name")),
        None => state.aws().region(),
    };
    let mut ev = event(&auth, &addr, "exec.run", "ok");
    ev.target = Some(req.script.clone());
    let creds = match (req.connection.as_deref(), req.credentials) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::invalid(
                "give exactly one of connection and credentials",
            ))
        }
        (None, Some(k)) => {
            let id = secrecy::ExposeSecret::expose_secret(&k.access_key_id);
            if !(16..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(ApiError::invalid(
                    "credentials.accessKeyId: not an access key id",
                ));
            }
            ChildCredentials {
                access_key_id: k.access_key_id,
                secret_access_key: k.secret_access_key,
                session_token: k.session_token,
                region,
            }
        }
        (Some(id), None) => {
            let conn = owned_by_id(&state, &auth, id).await?;
            ev.connection_id = Some(conn.id.clone());
            let role = assume_as(
                &state,
                &auth,
                &conn.role_arn,
                &conn.external_id,
                "zk-run",
                None,
                zerokey_aws::assume::MIN_SESSION_SECONDS,
            )
            .await;
            let role = match role {
                Ok(r) => r,
                Err(e) => {
                    ev.outcome = crate::service::assume_outcome(&e).into();
                    ev.aws_request_id = e.request_id().map(str::to_string);
                    state.audit(ev).await;
                    return Err(ApiError::from_assume(&e));
                }
            };
            ev.aws_request_id = role.request_id.clone();
            let c = &role.credentials;
            ChildCredentials {
                access_key_id: SecretString::from(c.access_key_id().to_string()),
                secret_access_key: c.secret_access_key().clone(),
                session_token: c.session_token().cloned(),
                region,
            }
        }
    };
    let Some(_slot) = ex.slots.try_take(&auth.user.id, ex.config.per_user) else {
        return Err(ApiError::rate_limited(1));
    };
    let outcome = exec::run(&ex.config, &ex.matcher, &script, &req.args, &creds).await;
    drop(creds);
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            ev.outcome = "error".into();
            state.audit(ev).await;
            return Err(ApiError::internal(e));
        }
    };
    ev.outcome = if outcome.timed_out {
        "timeout".into()
    } else if outcome.exit_code == Some(0) {
        "ok".into()
    } else {
        "failed".into()
    };
    state.audit(ev).await;
    Ok(Json(ExecResult {
        exit_code: outcome.exit_code,
        signal: outcome.signal,
        timed_out: outcome.timed_out,
        stdout: outcome.stdout,
        stderr: outcome.stderr,
        truncated: outcome.truncated,
        duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
    }))
}
