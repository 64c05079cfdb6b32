//! HTTP routes, one file per group, and what they share: the JSON body extractor (our own
//! messages, never an echo of the body) and the OpenAPI document.

pub mod audit;
pub mod auth;
pub mod connections;
pub mod credentials;
pub mod exec;
pub mod health;
pub mod s3;
pub mod tokens;

use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::routing::{delete, get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

/// A JSON body with the broker's limit and error messages. Messages name the field or the
/// position but never repeat a value (a body may carry a secret).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let ct = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/json") {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as Content-Type: application/json",
            ));
        }
        let limit = state.config().max_json_bytes;
        let body = http_body_util::Limited::new(req.into_body(), limit);
        let bytes: Bytes = match http_body_util::BodyExt::collect(body).await {
            Ok(c) => c.to_bytes(),
            Err(_) => {
                return Err(ApiError::too_large(format!(
                    "JSON body larger than {limit} bytes"
                )))
            }
        };
        parse_json(&bytes).map(ApiJson)
    }
}

/// A raw request body of at most the broker's JSON limit; a larger one is a 413 in our error
/// shape (for routes whose body is optional).
#[derive(Debug)]
pub struct ApiBody(pub Bytes);

impl FromRequest<AppState> for ApiBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.config().max_json_bytes;
        let body = http_body_util::Limited::new(req.into_body(), limit);
        match http_body_util::BodyExt::collect(body).await {
            Ok(c) => Ok(ApiBody(c.to_bytes())),
            Err(_) => Err(ApiError::too_large(format!(
                "request body larger than {limit} bytes"
            ))),
        }
    }
}

/// Parses a JSON body; errors name the field or the position, never a value.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        let head = msg.split(" at line").next().unwrap_or("");
        let detail = if head.starts_with("missing field") || head.starts_with("unknown field") {
            head.split(", expected").next().unwrap_or(head).to_string()
        } else {
            match e.classify() {
                serde_json::error::Category::Data => "a field has the wrong type or value".into(),
                serde_json::error::Category::Eof => "unexpected end of input".into(),
                _ => "malformed JSON".into(),
            }
        };
        ApiError::invalid(format!(
            "request body: {detail} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

/// The OpenAPI document of the broker's API.
#[derive(OpenApi)]
#[openapi(
    info(title = "zerokey broker", description = "S3 through per-request AssumeRole; stores only roleArn + externalId"),
    paths(
        auth::login, auth::logout, auth::me,
        connections::prepare, connections::verify, connections::list, connections::remove, credentials::issue,
        s3::buckets, s3::objects, s3::get_object, s3::put_object,
        audit::list, exec::run,
        tokens::list, tokens::create, tokens::revoke,
        health::healthz, health::readyz, health::metrics,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail,
        tokens::TokenOut, tokens::TokenList, tokens::CreateTokenRequest, tokens::CreatedToken)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login sessions for the web UI"),
        (name = "connections", description = "Customer roles: prepare, verify, list, delete"),
        (name = "s3", description = "S3 through the broker, one AssumeRole per request"),
        (name = "audit", description = "The caller's audit events"),
        (name = "exec", description = "Allowlisted scripts with temporary credentials"),
        (name = "health", description = "Probes and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// All built-in routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/me", get(auth::me))
        .route("/api/tokens", get(tokens::list).post(tokens::create))
        .route("/api/tokens/{id}", delete(tokens::revoke))
        .route("/api/connections/prepare", post(connections::prepare))
        .route("/api/aws/verify", post(connections::verify))
        .route("/api/connections", get(connections::list))
        .route("/api/connections/{id}", delete(connections::remove))
        .route(
            "/api/connections/{id}/credentials",
            post(credentials::issue),
        )
        .route("/api/s3/buckets", get(s3::buckets))
        .route("/api/s3/buckets/{bucket}/objects", get(s3::objects))
        .route(
            "/api/s3/buckets/{bucket}/objects/{*key}",
            get(s3::get_object).put(s3::put_object),
        )
        .route("/api/audit", get(audit::list))
        .route("/api/exec", post(exec::run))
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
    // `/metrics` is added by `app_with` (with a metrics token) or `metrics_app`.
}

/// Query-string parameters with the broker's error shape.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> axum::extract::FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &AppState,
    ) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded_like(q).map(ApiQuery)
    }
}

fn serde_urlencoded_like<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{q}")
            .parse()
            .map_err(|_| ApiError::invalid("query string: malformed"))?,
    )
    .map(|axum::extract::Query(v)| v)
    .map_err(|e| {
        let text = e.body_text();
        let detail = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        ApiError::invalid(format!("query string: {detail}"))
    })
}
