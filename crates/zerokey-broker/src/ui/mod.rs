//! The broker's web UI: server-rendered pages (minijinja templates compiled into the binary)
//! over the JSON API's own handlers, so pages and API share validation, audit events, rate
//! limits and error messages. One file per page group: `auth.rs` sign in/out,
//! `connections.rs` the list, delete and the connect-an-account wizard, `s3.rs` buckets,
//! objects and object details, `audit.rs` the audit log, `tokens.rs` API tokens.
//!
//! Security: every state-changing form is a POST carrying the session's CSRF token in a
//! hidden `csrf` field (the sign-in form, before a session exists, uses a double-submit
//! cookie bound to a server key and the client address); pages get a strict
//! Content-Security-Policy (`default-src 'self'`, no inline script or style), `X-Frame-Options: DENY` and `frame-ancestors 'none'`, and
//! `Cache-Control: no-store`. External IDs and passwords travel only in POST bodies; no URL
//! carries a credential or an external ID. Static assets are embedded and served with a
//! year-long immutable cache (their URL carries a content hash).

mod audit;
mod auth;
mod connections;
mod s3;
mod tokens;

use crate::auth::{token, AuthUser, CSRF_HEADER};
use crate::error::ApiError;
use crate::{AppState, ClientAddr};
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::{context, Environment, Value};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Content-Security-Policy of every page.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Largest form body the pages accept.
const MAX_FORM_BYTES: usize = 32 << 10;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("error.html", include_str!("../../templates/error.html")),
    (
        "connections.html",
        include_str!("../../templates/connections.html"),
    ),
    ("delete.html", include_str!("../../templates/delete.html")),
    (
        "connect_start.html",
        include_str!("../../templates/connect_start.html"),
    ),
    ("connect.html", include_str!("../../templates/connect.html")),
    ("buckets.html", include_str!("../../templates/buckets.html")),
    ("objects.html", include_str!("../../templates/objects.html")),
    ("object.html", include_str!("../../templates/object.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    ("tokens.html", include_str!("../../templates/tokens.html")),
];

const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");

/// Short content hash of the static assets, appended to their URLs so that a new build is
/// fetched despite the long cache.
static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    h.update(APP_CSS.as_bytes());
    h.update(APP_JS.as_bytes());
    hex::encode(h.finalize()).chars().take(12).collect()
});

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, src) in TEMPLATES {
        if let Err(e) = env.add_template(name, src) {
            tracing::error!(template = name, error = %e, "web UI template does not compile");
        }
    }
    env
});

/// The web UI's routes, to pass to [`crate::app_with`].
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/connections") }))
        .route("/ui", get(|| async { Redirect::to("/ui/connections") }))
        .route("/ui/", get(|| async { Redirect::to("/ui/connections") }))
        .route("/ui/login", get(auth::login_page).post(auth::login))
        .route("/ui/logout", post(auth::logout))
        .route("/ui/connections", get(connections::list))
        .route(
            "/ui/connections/{id}/delete",
            get(connections::confirm_delete).post(connections::delete),
        )
        .route(
            "/ui/connect",
            get(connections::start).post(connections::prepare),
        )
        .route("/ui/connect/template", post(connections::template))
        .route("/ui/connect/verify", post(connections::verify))
        .route("/ui/buckets", get(s3::buckets))
        .route("/ui/objects", get(s3::objects))
        .route("/ui/object", get(s3::object))
        .route("/ui/audit", get(audit::page))
        .route("/ui/tokens", get(tokens::list).post(tokens::create))
        .route("/ui/tokens/{id}/revoke", post(tokens::revoke))
        .route("/ui/static/{name}", get(static_file))
        .route("/ui/{*rest}", get(not_found_page))
        .layer(middleware::from_fn_with_state(state, page_headers))
}

/// Security headers on every UI response, and the per-address rate limit the API has.
async fn page_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let addr = req
        .extensions()
        .get::<ClientAddr>()
        .map_or_else(|| "unknown".to_string(), |a| a.0.clone());
    let mut resp = match state
        .limiter()
        .check("addr", state.config().limits.per_addr, &addr)
        .await
    {
        Ok(()) => next.run(req).await,
        Err(r) => {
            state.metrics().rate_limited("addr");
            let mut resp = error_page(
                None,
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Too many requests; try again in {} s.", r.0.max(1)),
            );
            if let Ok(v) = HeaderValue::from_str(&r.0.max(1).to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

async fn not_found_page() -> Response {
    error_page(None, StatusCode::NOT_FOUND, "No such page.")
}

/// Query parameters of a page; a malformed query is an error page naming the parameter.
pub struct UiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for UiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Response> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(v)| UiQuery(v))
            .map_err(|e| {
                let t = e.body_text();
                let detail = t
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&t);
                let msg = if detail.starts_with("missing field") {
                    format!("This page's address lacks a parameter ({detail}).")
                } else {
                    "This page's address has a malformed parameter.".to_string()
                };
                error_page(None, StatusCode::BAD_REQUEST, &msg)
            })
    }
}

async fn static_file(Path(name): Path<String>) -> Response {
    let (body, ct) = match name.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        _ => return error_page(None, StatusCode::NOT_FOUND, "No such file."),
    };
    (
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

/// A signed-in user on a page: the user, their CSRF token and address.
#[derive(Debug, Clone)]
pub struct Page {
    /// Who.
    pub auth: AuthUser,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    /// Client address (for audit events).
    pub addr: ClientAddr,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let auth = AuthUser::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                if e.status == StatusCode::UNAUTHORIZED {
                    Redirect::to("/ui/login").into_response()
                } else {
                    error_page(None, e.status, &e.message)
                }
            })?;
        let csrf = crate::auth::session_cookie(parts)
            .map(|s| token::csrf_token(&s))
            .unwrap_or_default();
        let addr = parts
            .extensions
            .get::<ClientAddr>()
            .cloned()
            .unwrap_or_else(|| ClientAddr("unknown".into()));
        Ok(Page { auth, csrf, addr })
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// Parses an `application/x-www-form-urlencoded` body. Errors never repeat a value.
fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the form is not UTF-8".to_string())?;
    if !text.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
        return Err("the form is not URL-encoded".into());
    }
    let uri: axum::http::Uri = format!("/?{text}")
        .parse()
        .map_err(|_| "the form is malformed".to_string())?;
    axum::extract::Query::<T>::try_from_uri(&uri)
        .map(|axum::extract::Query(v)| v)
        .map_err(|e| {
            let t = e.body_text();
            let detail = t
                .strip_prefix("Failed to deserialize query string: ")
                .unwrap_or(&t);
            if detail.starts_with("missing field") {
                format!("form: {detail}")
            } else {
                "form: a field has the wrong value".to_string()
            }
        })
}

async fn read_form_body(body: Body) -> Result<bytes::Bytes, Response> {
    let limited = http_body_util::Limited::new(body, MAX_FORM_BYTES);
    http_body_util::BodyExt::collect(limited)
        .await
        .map(http_body_util::Collected::to_bytes)
        .map_err(|_| {
            error_page(
                None,
                StatusCode::PAYLOAD_TOO_LARGE,
                "The form is too large.",
            )
        })
}

/// A POSTed form of a signed-in user whose hidden `csrf` field matched the session's token.
pub struct UiForm<T> {
    /// The user.
    pub page: Page,
    /// The fields.
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for UiForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let ct = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(error_page(
                None,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the form as application/x-www-form-urlencoded.",
            ));
        }
        let bytes = read_form_body(body).await?;
        let presented = parse_form::<CsrfField>(&bytes)
            .map(|c| c.csrf)
            .unwrap_or_default();
        if crate::auth::session_cookie(&parts).is_none() {
            return Err(Redirect::to("/ui/login").into_response());
        }
        if !crate::auth::csrf_ok(&parts, &presented) {
            return Err(error_page(
                None,
                StatusCode::FORBIDDEN,
                "This form has a missing or outdated security token (CSRF). Reload the page and try again.",
            ));
        }
        // The token matched: let the API's extractor see it where it looks.
        if let Ok(v) = HeaderValue::from_str(&presented) {
            parts.headers.insert(CSRF_HEADER, v);
        }
        let page = Page::from_request_parts(&mut parts, state).await?;
        let form = parse_form::<T>(&bytes).map_err(|m| {
            render(
                Some(&page),
                StatusCode::BAD_REQUEST,
                "error.html",
                context! { message => m },
            )
        })?;
        Ok(UiForm { page, form })
    }
}

/// Renders `template` with `ctx` plus the user, CSRF token and asset version.
pub fn render(page: Option<&Page>, status: StatusCode, template: &str, ctx: Value) -> Response {
    let full = context! {
        user => page.map(|p| p.auth.user.name.clone()),
        csrf => page.map(|p| p.csrf.clone()),
        v => ASSET_VERSION.as_str(),
        ..ctx
    };
    match ENV.get_template(template).and_then(|t| t.render(full)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template, error = %e, "web UI template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>Error</title><p>Internal error.</p>".to_string()),
            )
                .into_response()
        }
    }
}

/// An error page with our message.
pub fn error_page(page: Option<&Page>, status: StatusCode, message: &str) -> Response {
    render(page, status, "error.html", context! { message => message })
}

/// An API error shown as a page.
pub fn api_error_page(page: &Page, e: &ApiError) -> Response {
    error_page(Some(page), e.status, &e.message)
}

/// Percent-encodes `s` for a URL path (keeping `/` when `keep_slash`) or query value.
pub fn enc(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Human-readable byte size.
pub fn human_size(n: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n.max(0) as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_compile() {
        for (name, _) in TEMPLATES {
            assert!(ENV.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn forms_parse_without_echoing_values() {
        #[derive(Deserialize, Debug)]
        struct F {
            a: String,
        }
        let f: F = parse_form(b"a=x+y%2Fz&csrf=1").unwrap();
        assert_eq!(f.a, "x y/z");
        let e = parse_form::<F>(b"b=secret-value").unwrap_err();
        assert!(e.contains("missing field"), "{e}");
        assert!(!e.contains("secret-value"));
        assert!(parse_form::<F>(b"a=1#frag").is_err());
    }

    #[test]
    fn encoding_and_sizes() {
        assert_eq!(enc("a b/c?.txt", true), "a%20b/c%3F.txt");
        assert_eq!(enc("a/b", false), "a%2Fb");
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(2048), "2.0 KiB");
    }
}
