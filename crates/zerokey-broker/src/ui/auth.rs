//! Sign in and sign out. Sign-in posts to the API's own login handler (same rate limits per
//! address and per name, same audit events) and turns its answer into a redirect that keeps
//! the session cookie; the form is protected by a double-submit cookie because no session
//! exists yet. Sign-out deletes the session in the store, not only the cookie.

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

fn login_form(
    jar: CookieJar,
    tls: bool,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
) -> Response {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let value = hex::encode(b);
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, value.clone()))
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
    login_form(jar, tls.0, StatusCode::OK, None, "")
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
    if expected.is_empty() || !token::same(&expected, &form.csrf) {
        return login_form(
            jar,
            tls.0,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired or lacks its security token (CSRF). Try again."),
            &form.username,
        );
    }
    let username = form.username.clone();
    let res = crate::routes::auth::login(
        State(state),
        Extension(addr),
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
            login_form(jar, tls.0, e.status, Some(&msg), &username)
        }
    }
}

/// `POST /ui/logout`: deletes the session server-side and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    form: super::UiForm<serde::de::IgnoredAny>,
) -> Response {
    match crate::routes::auth::logout(State(state), form.page.auth.clone(), jar).await {
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
