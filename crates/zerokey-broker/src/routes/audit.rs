//! `GET /api/audit`: the caller's own audit events, newest first.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::routes::ApiQuery;
use crate::store::AuditEvent;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

/// Query of `GET /api/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Page size (1–500, default 100).
    pub limit: Option<i64>,
    /// Only events older than this id (from `nextBefore`).
    pub before: Option<i64>,
}

/// One audit event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventOut {
    /// Sequence number.
    pub id: i64,
    /// RFC 3339 time.
    pub at: String,
    /// What was done, e.g. `s3.get_object`.
    pub action: String,
    /// Connection id.
    pub connection_id: Option<String>,
    /// Bucket, bucket/key or prefix.
    pub target: Option<String>,
    /// `ok`, `denied`, `invalid`, `not_found`, `error`.
    pub outcome: String,
    /// AWS request id of the call.
    pub aws_request_id: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Our request id.
    pub request_id: Option<String>,
}

/// A page of audit events.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// Events, newest first.
    pub events: Vec<AuditEventOut>,
    /// Pass as `before` for the next page.
    pub next_before: Option<i64>,
}

/// RFC 3339 form of Unix milliseconds.
pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl From<AuditEvent> for AuditEventOut {
    fn from(e: AuditEvent) -> Self {
        AuditEventOut {
            id: e.id,
            at: rfc3339(e.at),
            action: e.action,
            connection_id: e.connection_id,
            target: e.target,
            outcome: e.outcome,
            aws_request_id: e.aws_request_id,
            client_addr: e.client_addr,
            request_id: e.request_id,
        }
    }
}

/// The caller's audit events.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit: must be 1-500"));
    }
    state.audit_settled().await;
    let events = state
        .store()
        .audit_events(&auth.user.id, limit, q.before)
        .await?;
    let next_before = (events.len() as i64 == limit)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditPage {
        events: events.into_iter().map(Into::into).collect(),
        next_before,
    }))
}
