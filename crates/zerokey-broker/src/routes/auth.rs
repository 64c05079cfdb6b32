//! Login sessions for the web UI: `POST /api/login` sets the session cookie (HttpOnly,
//! SameSite=Strict, Secure behind TLS) and returns the CSRF token; `POST /api/logout` ends
//! it; `GET /api/me` tells who is logged in. Login is rate-limited per address and per
//! (name, address).

use crate::auth::{password, token, AuthMethod, AuthUser, SESSION_COOKIE};
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::store::{now_ms, AuditEvent};
use crate::{AppState, ClientAddr, ViaTls};
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Body of `POST /api/login`. Deliberately not `Debug`-printing the password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    #[schema(value_type = String, format = Password)]
    #[serde(deserialize_with = "secret")]
    pub password: SecretString,
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

/// Answer of `POST /api/login` and `GET /api/me`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// User id.
    pub id: String,
    /// User name.
    pub name: String,
    /// CSRF token to send as `x-csrf-token` with cookie-authenticated changes (login only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// Logs in with a password; sets the session cookie.
#[utoipa::path(post, path = "/api/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    Extension(tls): Extension<ViaTls>,
    jar: CookieJar,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let limits = &state.config().limits;
    // Per name *and* address: wrong passwords sent from elsewhere must not lock the real user
    // out (the per-address limit bounds each sender).
    let name_key = format!("{}|{}", addr.0, req.username);
    for (rule, limit, key) in [
        ("login_addr", limits.login_per_addr, addr.0.as_str()),
        ("login_name", limits.login_per_name, name_key.as_str()),
    ] {
        if let Err(r) = state.limiter().check(rule, limit, key).await {
            state.metrics().rate_limited(rule);
            return Err(ApiError::rate_limited(r.0));
        }
    }
    let found = if crate::validate::user_name(&req.username).is_ok() {
        state.store().user_by_name(&req.username).await?
    } else {
        None
    };
    let (user, hash) = match found {
        Some((u, Some(h))) => (Some(u), h),
        _ => (None, password::dummy_hash().to_string()),
    };
    let pw = req.password;
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .unwrap_or(false);
    let request_id = crate::telemetry::current_request_id();
    let user = match (user, ok) {
        (Some(u), true) => u,
        (u, _) => {
            state
                .audit(AuditEvent {
                    at: now_ms(),
                    user_id: u.map(|u| u.id),
                    action: "auth.login".into(),
                    outcome: "denied".into(),
                    client_addr: Some(addr.0.clone()),
                    request_id: Some(request_id),
                    ..Default::default()
                })
                .await;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "login_failed",
                "wrong user name or password",
            ));
        }
    };
    let session = token::new_session();
    let ttl = state.config().session_ttl;
    let expires = now_ms() + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
    state
        .store()
        .create_session(&token::hash(session.expose_secret()), &user.id, expires)
        .await?;
    state
        .audit(AuditEvent {
            at: now_ms(),
            user_id: Some(user.id.clone()),
            action: "auth.login".into(),
            outcome: "ok".into(),
            client_addr: Some(addr.0.clone()),
            request_id: Some(request_id),
            ..Default::default()
        })
        .await;
    let cookie = Cookie::build((SESSION_COOKIE, session.expose_secret().to_string()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(tls.0)
        .path("/")
        .max_age(time::Duration::seconds(
            i64::try_from(ttl.as_secs()).unwrap_or(43_200),
        ))
        .build();
    let me = Me {
        id: user.id,
        name: user.name,
        csrf_token: Some(token::csrf_token(&session)),
    };
    Ok((jar.add(cookie), Json(me)).into_response())
}

/// Ends the session; with a bearer token, revokes that token.
#[utoipa::path(post, path = "/api/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "logged out (session ended, or bearer token revoked)"),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    auth: AuthUser,
    addr: Option<Extension<ClientAddr>>,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    let addr = addr.map_or_else(|| ClientAddr("unknown".into()), |Extension(a)| a);
    match (auth.method, auth.token_id.as_deref()) {
        (AuthMethod::Bearer, Some(id)) => {
            crate::routes::tokens::revoke_token(&state, &auth, &addr, id).await?;
        }
        _ => {
            if let Some(c) = jar.get(SESSION_COOKIE) {
                state
                    .store()
                    .delete_session(&token::hash(c.value()))
                    .await?;
            }
        }
    }
    let removal = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    Ok((jar.remove(removal), StatusCode::NO_CONTENT).into_response())
}

/// Who is logged in.
#[utoipa::path(get, path = "/api/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(auth: AuthUser) -> Json<Me> {
    Json(Me {
        id: auth.user.id,
        name: auth.user.name,
        csrf_token: None,
    })
}
