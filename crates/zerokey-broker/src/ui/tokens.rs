//! API tokens: the list (name, created, last used, expiry, status), create with an expiry
//! (the new token is shown once, on the answer to the POST, never in a URL) and revoke. The
//! page calls the API's own handlers, so it shares their checks and audit events.

use super::{api_error_page, render, Page, UiForm};
use crate::routes::tokens::{self as api, CreatedToken, TokenOut};
use crate::store::now_ms;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The expiry choices of the create form; `""` is the broker's default.
const EXPIRY_OPTIONS: &[(&str, &str)] = &[
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("90d", "90 days"),
    ("365d", "1 year"),
    ("never", "Never"),
];

#[derive(Serialize)]
struct Shown {
    name: String,
    token: String,
    expires_at: Option<String>,
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in: String,
}

async fn page_with(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    created: Option<CreatedToken>,
    error: Option<String>,
    name: &str,
    expires_in: &str,
) -> Response {
    let now = now_ms();
    let tokens: Vec<TokenOut> = match state.store().list_tokens(Some(&page.auth.user.id)).await {
        Ok(t) => t.into_iter().map(|t| TokenOut::of(t, None, now)).collect(),
        Err(e) => return api_error_page(page, &e.into()),
    };
    let default_label = match state.config().token_lifetime {
        Some(d) => format!("Default ({} days)", d.as_secs().div_ceil(86_400)),
        None => "Default (never)".to_string(),
    };
    let mut options = vec![context! { value => "", label => default_label }];
    options.extend(
        EXPIRY_OPTIONS
            .iter()
            .map(|(value, label)| context! { value => value, label => label }),
    );
    let shown = created.map(|c| Shown {
        name: c.name.clone(),
        token: c.token.clone(),
        expires_at: c.expires_at.clone(),
    });
    render(
        Some(page),
        status,
        "tokens.html",
        context! {
            nav => "tokens", tokens => tokens, created => shown, error => error,
            name => name, expires_in => expires_in, expiry_options => options,
        },
    )
}

/// `GET /ui/tokens`.
pub async fn list(State(state): State<AppState>, page: Page) -> Response {
    page_with(&state, &page, StatusCode::OK, None, None, "", "").await
}

/// `POST /ui/tokens`: creates a token and shows it once.
pub async fn create(State(state): State<AppState>, form: UiForm<CreateForm>) -> Response {
    let page = form.page;
    let f = form.form;
    let expires = (!f.expires_in.is_empty()).then_some(f.expires_in.as_str());
    match api::create_token(&state, &page.auth, &page.addr, &f.name, expires).await {
        Ok(created) => {
            page_with(
                &state,
                &page,
                StatusCode::CREATED,
                Some(created),
                None,
                "",
                "",
            )
            .await
        }
        Err(e) => {
            page_with(
                &state,
                &page,
                e.status,
                None,
                Some(e.message.clone()),
                &f.name,
                &f.expires_in,
            )
            .await
        }
    }
}

/// `POST /ui/tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: UiForm<serde::de::IgnoredAny>,
) -> Response {
    let page = form.page;
    match api::revoke_token(&state, &page.auth, &page.addr, &id).await {
        Ok(()) => Redirect::to("/ui/tokens").into_response(),
        Err(e) => api_error_page(&page, &e),
    }
}
