//! Sign in and sign out. Sign-in posts to the API's own login handler (same rate limits per
//! address and per name, same audit events) and turns its answer into a redirect that keeps
//! the session cookie. No session exists yet, so the form is protected by a bound double
//! submit: the cookie carries a random pre-session id, and the form's token is an HMAC (with a
//! server key) of that id, the time it was issued and the client's address. A cookie planted by
//! another origin or a sibling subdomain does not validate (its maker cannot compute the
//! token), nor does a pair fetched from another address, nor one older than an hour.
//! Sign-out deletes the session in the store, not only the cookie.

use super::{error_page, parse_form, read_form_body, render};
use crate::auth::{token, AuthUser};
use crate::routes::auth::LoginRequest;
use crate::routes::ApiJson;
use crate::{AppState, ClientAddr, ViaTls};
use axum::extract::{Extension, FromRequestParts, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use minijinja::context;
use rand::RngCore;
use secrecy::SecretString;
use serde::Deserialize;

/// Cookie of the sign-in form's CSRF token (double submit).
const LOGIN_CSRF_COOKIE: &str = "zk_login_csrf";

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    username: String,
    #[serde(deserialize_with = "secret")]
    password: SecretString,
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

/// How long a sign-in form stays valid.
const LOGIN_FORM_TTL_SECS: i64 = 3600;

/// The sign-in form's token: `<issued unix secs>.<hex HMAC-SHA256(key, pre-session id, issued,
/// client address)>`.
fn login_token(key: &[u8; 32], pre_session: &str, issued: i64, addr: &str) -> String {
    use hmac::{Mac, SimpleHmac};
    let Ok(mut mac) = <SimpleHmac<sha2::Sha256> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    let issued_s = issued.to_string();
    for part in ["zerokey-login-csrf-v1", pre_session, &issued_s, addr] {
        mac.update(&part.len().to_le_bytes());
        mac.update(part.as_bytes());
    }
    format!("{issued_s}.{}", hex::encode(mac.finalize().into_bytes()))
}

/// True when `presented` is the token of `pre_session` for `addr`, issued within the hour.
fn login_token_ok(key: &[u8; 32], pre_session: &str, addr: &str, presented: &str) -> bool {
    let Some((issued, _)) = presented.split_once('.') else {
        return false;
    };
    let Ok(issued) = issued.parse::<i64>() else {
        return false;
    };
    let now = crate::store::now_ms() / 1000;
    if pre_session.len() != 64 || issued > now + 60 || now - issued > LOGIN_FORM_TTL_SECS {
        return false;
    }
    token::same(&login_token(key, pre_session, issued, addr), presented)
}

fn login_form(
    state: &AppState,
    addr: &ClientAddr,
    jar: CookieJar,
    tls: bool,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
) -> Response {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let pre_session = hex::encode(b);
    let value = login_token(
        state.csrf_key(),
        &pre_session,
        crate::store::now_ms() / 1000,
        &addr.0,
    );
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, pre_session))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(tls)
        .path("/ui/login")
        .build();
    let page = render(
        None,
        status,
        "login.html",
        context! { login_csrf => value, error => error, username => username },
    );
    (jar.add(cookie), page).into_response()
}

/// `GET /ui/login`.
pub async fn login_page(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    Extension(tls): Extension<ViaTls>,
    jar: CookieJar,
    req: Request,
) -> Response {
    let (mut parts, _) = req.into_parts();
    if crate::auth::session_cookie(&parts).is_some()
        && AuthUser::from_request_parts(&mut parts, &state)
            .await
            .is_ok()
    {
        return Redirect::to("/ui/connections").into_response();
    }
    login_form(&state, &addr, jar, tls.0, StatusCode::OK, None, "")
}

/// `POST /ui/login`.
pub async fn login(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    Extension(tls): Extension<ViaTls>,
    jar: CookieJar,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return error_page(
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the form as application/x-www-form-urlencoded.",
        );
    }
    let bytes = match read_form_body(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let form: LoginForm = match parse_form(&bytes) {
        Ok(f) => f,
        Err(_) => {
            return login_form(
                &state,
                &addr,
                jar,
                tls.0,
                StatusCode::BAD_REQUEST,
                Some("Enter a user name and a password."),
                "",
            )
        }
    };
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if !login_token_ok(state.csrf_key(), &expected, &addr.0, &form.csrf) {
        return login_form(
            &state,
            &addr,
            jar,
            tls.0,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired or lacks its security token (CSRF). Try again."),
            &form.username,
        );
    }
    let username = form.username.clone();
    let res = crate::routes::auth::login(
        State(state.clone()),
        Extension(addr.clone()),
        Extension(tls),
        jar.clone(),
        ApiJson(LoginRequest {
            username: form.username,
            password: form.password,
        }),
    )
    .await;
    match res {
        Ok(api) => {
            let mut resp = Redirect::to("/ui/connections").into_response();
            for v in api.headers().get_all(header::SET_COOKIE) {
                resp.headers_mut().append(header::SET_COOKIE, v.clone());
            }
            let gone = Cookie::build((LOGIN_CSRF_COOKIE, ""))
                .path("/ui/login")
                .build();
            let jar = CookieJar::new().remove(gone);
            (jar, resp).into_response()
        }
        Err(e) => {
            let msg = match e.code {
                "login_failed" => "Wrong user name or password.".to_string(),
                _ => e.message.clone(),
            };
            login_form(&state, &addr, jar, tls.0, e.status, Some(&msg), &username)
        }
    }
}

/// `POST /ui/logout`: deletes the session server-side and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    form: super::UiForm<serde::de::IgnoredAny>,
) -> Response {
    match crate::routes::auth::logout(
        State(state),
        form.page.auth.clone(),
        Some(Extension(form.page.addr.clone())),
        jar,
    )
    .await
    {
        Ok(api) => {
            let mut resp = Redirect::to("/ui/login").into_response();
            for v in api.headers().get_all(header::SET_COOKIE) {
                resp.headers_mut().append(header::SET_COOKIE, v.clone());
            }
            resp
        }
        Err(e) => super::api_error_page(&form.page, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_tokens_bind_pre_session_address_and_key() {
        let key = [7u8; 32];
        let pre = "ab".repeat(32);
        let now = crate::store::now_ms() / 1000;
        let t = login_token(&key, &pre, now, "10.0.0.1");
        assert!(login_token_ok(&key, &pre, "10.0.0.1", &t));
        assert!(!login_token_ok(&key, &pre, "10.0.0.2", &t), "other address");
        assert!(
            !login_token_ok(&[8u8; 32], &pre, "10.0.0.1", &t),
            "other key"
        );
        assert!(!login_token_ok(&key, &"cd".repeat(32), "10.0.0.1", &t));
        // The old double submit (form value == cookie value) no longer validates.
        assert!(!login_token_ok(&key, &pre, "10.0.0.1", &pre));
        let old = login_token(&key, &pre, now - LOGIN_FORM_TTL_SECS - 1, "10.0.0.1");
        assert!(!login_token_ok(&key, &pre, "10.0.0.1", &old), "expired");
    }
}
