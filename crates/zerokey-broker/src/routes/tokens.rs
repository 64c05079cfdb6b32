//! The caller's API tokens: `GET /api/tokens` lists them (metadata only, never a token or its
//! hash), `POST /api/tokens` creates one and returns it once (signed-in browser sessions only:
//! a token cannot mint tokens, so a leaked one cannot outlive its own revocation), and
//! `DELETE /api/tokens/{id}` revokes one (another user's token is a 404). `POST /api/logout`
//! with a bearer token revokes that token. Every create and revoke is an audit event.

use crate::auth::{token, AuthMethod, AuthUser};
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::service::event;
use crate::store::{now_ms, TokenInfo};
use crate::{validate, AppState, ClientAddr};
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::Json;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

/// One token, as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenOut {
    /// Token id (for `DELETE /api/tokens/{id}`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last use (RFC 3339, at most a minute stale), if ever used.
    pub last_used_at: Option<String>,
    /// Expiry (RFC 3339); absent: never expires.
    pub expires_at: Option<String>,
    /// Revocation time (RFC 3339), if revoked.
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    /// True for the token this request was made with.
    pub current: bool,
}

impl TokenOut {
    /// The owner's view of `t`, marking `current` when it is the caller's token.
    pub fn of(t: TokenInfo, current: Option<&str>, now: i64) -> Self {
        let r = crate::routes::audit::rfc3339;
        TokenOut {
            status: t.status(now).to_string(),
            current: current == Some(t.id.as_str()),
            id: t.id,
            name: t.name,
            created_at: r(t.created_at),
            last_used_at: t.last_used_at.map(r),
            expires_at: t.expires_at.map(r),
            revoked_at: t.revoked_at.map(r),
        }
    }
}

/// The caller's tokens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenList {
    /// Tokens, oldest first (revoked and expired ones included).
    pub tokens: Vec<TokenOut>,
}

/// Body of `POST /api/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// Name to tell tokens apart (1-64 of letters, digits, space, `.`, `_`, `-`).
    pub name: String,
    /// Lifetime: `30d`, `12h`, `1w`, ... or `never`; default: the broker's `--token-expiry`.
    pub expires_in: Option<String>,
}

/// Answer of `POST /api/tokens`: the only time the token is shown.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedToken {
    /// Token id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The token (`zkt_…`); only its SHA-256 is stored, so it cannot be shown again.
    pub token: String,
    /// Expiry (RFC 3339); absent: never expires.
    pub expires_at: Option<String>,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// Expiry time (Unix ms) of a token created now with `lifetime`.
pub fn expiry(lifetime: Option<std::time::Duration>) -> Option<i64> {
    lifetime.map(|d| now_ms().saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)))
}

/// Lists the caller's tokens.
#[utoipa::path(get, path = "/api/tokens", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TokenList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<TokenList>, ApiError> {
    let now = now_ms();
    let tokens = state.store().list_tokens(Some(&auth.user.id)).await?;
    Ok(Json(TokenList {
        tokens: tokens
            .into_iter()
            .map(|t| TokenOut::of(t, auth.token_id.as_deref(), now))
            .collect(),
    }))
}

/// Creates a token for the signed-in user and returns it once.
#[utoipa::path(post, path = "/api/tokens", tag = "auth", request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedToken), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    create_token(&state, &auth, &addr, &req.name, req.expires_in.as_deref())
        .await
        .map(|c| (StatusCode::CREATED, Json(c)))
}

/// Creates a token (shared by the API and the web UI's Tokens page).
pub async fn create_token(
    state: &AppState,
    auth: &AuthUser,
    addr: &ClientAddr,
    name: &str,
    expires_in: Option<&str>,
) -> Result<CreatedToken, ApiError> {
    if auth.method != AuthMethod::Session {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "tokens are created by a signed-in user (web UI or a login session) or by \
             `zerokey admin create-token`, never with another token",
        ));
    }
    token::valid_name(name).map_err(ApiError::invalid)?;
    let lifetime = match expires_in.map(str::trim).filter(|s| !s.is_empty()) {
        None => state.config().token_lifetime,
        Some(s) => {
            token::parse_lifetime(s).map_err(|e| ApiError::invalid(format!("expiresIn: {e}")))?
        }
    };
    let expires_at = expiry(lifetime);
    let secret = token::new_token();
    let id = state
        .store()
        .create_token(
            &auth.user.id,
            &token::hash(secret.expose_secret()),
            name,
            expires_at,
        )
        .await?;
    let mut ev = event(auth, addr, "token.create", "ok");
    ev.target = Some(format!("token/{id}"));
    state.audit(ev).await;
    Ok(CreatedToken {
        id,
        name: name.to_string(),
        token: secret.expose_secret().to_string(),
        expires_at: expires_at.map(crate::routes::audit::rfc3339),
    })
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "token id")),
    responses((status = 204, description = "revoked"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    revoke_token(&state, &auth, &addr, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes one of the caller's tokens (shared by the API and the web UI). Unknown and
/// foreign tokens are a 404; revoking a revoked token changes nothing.
pub async fn revoke_token(
    state: &AppState,
    auth: &AuthUser,
    addr: &ClientAddr,
    id: &str,
) -> Result<(), ApiError> {
    let store = state.store();
    if !validate::is_uuid(id) {
        return Err(ApiError::not_found("token"));
    }
    if !store.revoke_token(id, Some(&auth.user.id)).await? {
        return match store.token(id, Some(&auth.user.id)).await? {
            Some(_) => Ok(()),
            None => Err(ApiError::not_found("token")),
        };
    }
    let mut ev = event(auth, addr, "token.revoke", "ok");
    ev.target = Some(format!("token/{id}"));
    state.audit(ev).await;
    Ok(())
}
