//! Authentication: `Authorization: Bearer <token>` for API clients, a session cookie
//! (HttpOnly, SameSite=Strict, Secure behind TLS) for the web UI. Cookie-authenticated
//! requests that change state must carry the session's CSRF token in `x-csrf-token`.
//! Every authenticated request also counts against the per-user rate limit.

pub mod password;
pub mod token;

use crate::error::ApiError;
use crate::store::{TokenLookup, User};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use secrecy::SecretString;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "zk_session";
/// Header carrying the CSRF token for cookie-authenticated state changes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// An API token.
    Bearer,
    /// A login session cookie.
    Session,
}

/// The authenticated caller. Extracting it authenticates the request (401 otherwise) and
/// applies the per-user rate limit (429).
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user.
    pub user: User,
    /// How they authenticated.
    pub method: AuthMethod,
    /// The API token's id, for bearer requests.
    pub token_id: Option<String>,
}

/// The session cookie's value, if the request has one.
pub fn session_cookie(parts: &Parts) -> Option<SecretString> {
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(&parts.headers);
    jar.get(SESSION_COOKIE)
        .map(|c| SecretString::from(c.value().to_string()))
}

/// Checks a CSRF token (from a header or a form field) against the request's session.
pub fn csrf_ok(parts: &Parts, presented: &str) -> bool {
    session_cookie(parts).is_some_and(|s| token::same(&token::csrf_token(&s), presented))
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(found) = parts.extensions.get::<AuthUser>() {
            return Ok(found.clone());
        }
        let store = state.store();
        let auth = if let Some(tok) = bearer(parts) {
            if !tok.starts_with(token::TOKEN_PREFIX) || tok.len() > 200 {
                return Err(ApiError::unauthenticated());
            }
            let (user, token_id) = match store.token_by_hash(&token::hash(tok)).await? {
                TokenLookup::Valid { user, token_id } => (user, token_id),
                TokenLookup::Expired => {
                    return Err(ApiError::new(
                        axum::http::StatusCode::UNAUTHORIZED,
                        "token_expired",
                        "this API token has expired; ask for a new one",
                    ))
                }
                TokenLookup::Revoked => {
                    return Err(ApiError::new(
                        axum::http::StatusCode::UNAUTHORIZED,
                        "token_revoked",
                        "this API token was revoked",
                    ))
                }
                TokenLookup::Unknown => return Err(ApiError::unauthenticated()),
            };
            AuthUser {
                user,
                method: AuthMethod::Bearer,
                token_id: Some(token_id),
            }
        } else if let Some(session) = session_cookie(parts) {
            use secrecy::ExposeSecret;
            let user = store
                .user_by_session(&token::hash(session.expose_secret()))
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if !safe {
                let presented = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !token::same(&token::csrf_token(&session), presented) {
                    return Err(ApiError::new(
                        axum::http::StatusCode::FORBIDDEN,
                        "csrf",
                        "missing or wrong x-csrf-token for a cookie-authenticated request",
                    ));
                }
            }
            AuthUser {
                user,
                method: AuthMethod::Session,
                token_id: None,
            }
        } else {
            return Err(ApiError::unauthenticated());
        };
        let limits = &state.config().limits;
        if let Err(r) = state
            .limiter()
            .check("user", limits.per_user, &auth.user.id)
            .await
        {
            state.metrics().rate_limited("user");
            return Err(ApiError::rate_limited(r.0));
        }
        crate::telemetry::set_user(&auth.user.id);
        parts.extensions.insert(auth.clone());
        Ok(auth)
    }
}
