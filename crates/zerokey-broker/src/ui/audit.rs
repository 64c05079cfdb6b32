//! The audit log: the caller's own events, newest first, filtered by action and outcome.
//! The API pages by `before`; the page reads up to five API pages of 500 to fill 100 rows.

use super::{render, Page, UiQuery};
use crate::routes::audit::{self as api, AuditQuery};
use crate::routes::ApiQuery;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

/// Actions the broker records.
pub const ACTIONS: &[&str] = &[
    "auth.login",
    "connection.prepare",
    "connection.verify",
    "connection.delete",
    "connection.credentials",
    "s3.list_buckets",
    "s3.list_objects",
    "s3.get_object",
    "s3.head_object",
    "s3.put_object",
    "exec.run",
    "token.create",
    "token.revoke",
    "admin.create_user",
    "admin.create_token",
    "admin.revoke_token",
];

/// Outcomes the broker records.
pub const OUTCOMES: &[&str] = &["ok", "denied", "not_found", "invalid", "error"];

#[derive(Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    before: Option<i64>,
}

const ROWS: usize = 100;

/// `GET /ui/audit?action=A&outcome=O&before=N`.
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    UiQuery(f): UiQuery<AuditFilter>,
) -> Response {
    let mut rows = Vec::new();
    let mut before = f.before;
    // Where the next page starts: the id of the last event looked at, unless none are left.
    let mut next: Option<i64> = None;
    let mut error = None;
    'pages: for _ in 0..5 {
        let res = api::list(
            State(state.clone()),
            page.auth.clone(),
            ApiQuery(AuditQuery {
                limit: Some(500),
                before,
            }),
        )
        .await;
        match res {
            Ok(axum::Json(p)) => {
                for e in p.events {
                    next = Some(e.id);
                    if (f.action.is_empty() || e.action == f.action)
                        && (f.outcome.is_empty() || e.outcome == f.outcome)
                    {
                        rows.push(e);
                        if rows.len() == ROWS {
                            break 'pages;
                        }
                    }
                }
                match p.next_before {
                    Some(b) => before = Some(b),
                    None => {
                        next = None;
                        break;
                    }
                }
            }
            Err(e) => {
                error = Some(e.message);
                next = None;
                break;
            }
        }
    }
    let next_url = next.map(|id| {
        format!(
            "/ui/audit?action={}&outcome={}&before={id}",
            super::enc(&f.action, false),
            super::enc(&f.outcome, false)
        )
    });
    render(
        Some(&page),
        StatusCode::OK,
        "audit.html",
        context! {
            nav => "audit",
            events => rows.into_iter().map(|e| context! {
                at => e.at, action => e.action, outcome => e.outcome, target => e.target,
                connection_id => e.connection_id, aws_request_id => e.aws_request_id,
                client_addr => e.client_addr, request_id => e.request_id,
            }).collect::<Vec<_>>(),
            actions => ACTIONS,
            outcomes => OUTCOMES,
            action => f.action,
            outcome => f.outcome,
            next => next_url,
            error => error,
        },
    )
}
