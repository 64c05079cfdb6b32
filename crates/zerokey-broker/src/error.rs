//! The API's error type: `{"error":{"code","message","request_id"}}`. 4xx messages are ours
//! and name the input; 5xx bodies are generic while the cause goes to the log with the
//! request id. AWS's own text never reaches a client (it names the base account).

use crate::telemetry;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zerokey_aws::{AssumeError, S3Error};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `invalid_input`.
    pub code: &'static str,
    /// Message for the client.
    pub message: String,
    /// Cause for the log (never sent to the client).
    pub cause: Option<String>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

/// Body of an error answer (for OpenAPI).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Error details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `invalid_input`, `not_found`, `rate_limited`.
    pub code: String,
    /// What went wrong, in our words.
    pub message: String,
    /// Request id, also in the `x-request-id` header and the logs.
    pub request_id: String,
}

impl ApiError {
    /// Any status with our message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            cause: None,
            retry_after: None,
        }
    }

    /// 400 for bad input; the message names the input.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }

    /// 401.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "authentication required: send Authorization: Bearer <token> or log in",
        )
    }

    /// 404 (also for other users' resources: their existence is not revealed).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 413.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests; retry in {retry_after} s"),
        );
        e.retry_after = Some(retry_after.max(1));
        e
    }

    /// 500 with a generic body; `cause` goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the request id identifies it in the server log",
        );
        e.cause = Some(cause.to_string());
        e
    }

    /// 502 when AWS could not be reached.
    pub fn aws_unavailable(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_GATEWAY,
            "aws_unavailable",
            "AWS could not be reached; try again later",
        );
        e.cause = Some(cause.to_string());
        e
    }

    /// Maps an AssumeRole failure to our words.
    pub fn from_assume(e: &AssumeError) -> Self {
        match e {
            e if e.is_refusal() => {
                let mut err = Self::new(
                    StatusCode::FORBIDDEN,
                    "role_not_assumable",
                    "the role could not be assumed: check that it exists, that its trust policy \
                     names the principal and the external ID from /api/connections/prepare, and \
                     that it allows sts:AssumeRole and sts:SetSourceIdentity",
                );
                err.cause = Some(e.to_string());
                err
            }
            _ => Self::aws_unavailable(e),
        }
    }

    /// Maps an S3 failure to our words.
    pub fn from_s3(e: &S3Error) -> Self {
        let mut err = match e {
            S3Error::AccessDenied { .. } => Self::new(
                StatusCode::FORBIDDEN,
                "s3_access_denied",
                "the role's permissions do not allow this S3 request",
            ),
            S3Error::NoSuchBucket { .. } => Self::not_found("bucket"),
            S3Error::NoSuchKey { .. } => Self::not_found("object"),
            S3Error::Invalid { .. } => Self::new(
                StatusCode::BAD_REQUEST,
                "s3_rejected",
                "S3 rejected the request",
            ),
            _ => return Self::aws_unavailable(e),
        };
        err.cause = Some(e.to_string());
        err
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = telemetry::current_request_id();
        if self.status.is_server_error() {
            tracing::error!(
                request_id = %request_id,
                code = self.code,
                cause = self.cause.as_deref().unwrap_or(""),
                "request failed"
            );
        } else if let Some(cause) = &self.cause {
            tracing::info!(request_id = %request_id, code = self.code, cause = %cause, "request refused");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                request_id,
            },
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}
