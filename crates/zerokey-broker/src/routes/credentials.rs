//! `POST /api/connections/{id}/credentials`: temporary credentials of one of the caller's
//! connections, for `zerokey exec --connection ID` on the caller's machine. API tokens only (a
//! browser session never receives credentials), one AssumeRole per call, the answer is not
//! cached (`Cache-Control: no-store`) and the credentials are dropped once it is written.

use crate::auth::{AuthMethod, AuthUser};
use crate::error::ApiError;
use crate::service::{assume_as, event, owned_by_id};
use crate::{AppState, ClientAddr};
use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use zeroize::Zeroize;

/// Body of the credentials request (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialsRequest {
    /// Session length in seconds, 900 up to the broker's configured session length.
    pub duration_seconds: Option<u32>,
}

/// Temporary credentials of the connection's role (the only answer that carries a secret).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CredentialsOut {
    /// `ASIA…` key id.
    #[schema(rename = "accessKeyId")]
    access_key_id: String,
    /// Secret access key.
    #[schema(rename = "secretAccessKey")]
    secret_access_key: String,
    /// Session token.
    #[schema(rename = "sessionToken")]
    session_token: String,
    /// Expiry (RFC 3339).
    expiration: String,
}

/// Assumes the connection's role once and returns its temporary credentials.
#[utoipa::path(post, path = "/api/connections/{id}/credentials", tag = "connections",
    params(("id" = String, Path, description = "connection id")),
    request_body(content = Option<CredentialsRequest>), security(("bearer" = [])),
    responses((status = 200, body = CredentialsOut), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    Path(id): Path<String>,
    crate::routes::ApiBody(body): crate::routes::ApiBody,
) -> Result<Response, ApiError> {
    if auth.method != AuthMethod::Bearer {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "bearer_required",
            "temporary credentials are issued to API tokens only, never to a browser session",
        ));
    }
    let req: CredentialsRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CredentialsRequest::default()
    } else {
        crate::routes::parse_json(&body)?
    };
    let max = state.config().session_seconds;
    let duration = match req.duration_seconds {
        None => max,
        Some(d) if (zerokey_aws::assume::MIN_SESSION_SECONDS..=max).contains(&d) => d,
        Some(_) => {
            return Err(ApiError::invalid(format!(
                "durationSeconds: must be between {} and {max}",
                zerokey_aws::assume::MIN_SESSION_SECONDS
            )))
        }
    };
    let conn = owned_by_id(&state, &auth, &id).await?;
    let mut ev = event(&auth, &addr, "connection.credentials", "ok");
    ev.connection_id = Some(conn.id.clone());
    ev.target = Some(conn.role_arn.clone());
    let res = assume_as(
        &state,
        &auth,
        &conn.role_arn,
        &conn.external_id,
        "zk-exec",
        None,
        duration,
    )
    .await;
    let role = match res {
        Ok(r) => r,
        Err(e) => {
            ev.outcome = crate::service::assume_outcome(&e).into();
            ev.aws_request_id = e.request_id().map(str::to_string);
            state.audit(ev).await;
            return Err(ApiError::from_assume(&e));
        }
    };
    ev.aws_request_id = role.request_id.clone();
    let Some(token) = role.credentials.session_token() else {
        return Err(ApiError::internal(
            "AssumeRole answered without a session token",
        ));
    };
    let expiration = role
        .credentials
        .expiration()
        .map(|t| crate::routes::audit::rfc3339(t.unix_timestamp().saturating_mul(1000)))
        .unwrap_or_default();
    let mut body = serde_json::to_vec(&serde_json::json!({
        "accessKeyId": role.credentials.access_key_id(),
        "secretAccessKey": role.credentials.secret_access_key().expose_secret(),
        "sessionToken": token.expose_secret(),
        "expiration": expiration,
    }))
    .map_err(ApiError::internal)?;
    drop(role);
    state.audit(ev).await;
    let mut resp = (StatusCode::OK, body.clone()).into_response();
    body.zeroize();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
