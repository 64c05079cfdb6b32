//! Connections: `prepare` issues an external ID and the documents the customer needs to
//! create the role; `verify` validates roleArn and externalId strictly, assumes the role,
//! lists buckets, and only then stores the connection; list and delete are the owner's only
//! (another user's connection is a 404, never a 403).

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::service::{assume, assume_outcome, event, s3_outcome};
pub use crate::service::{owned, owned_by_id};
use crate::store::{now_ms, Connection};
use crate::{policy, validate, AppState, ClientAddr};
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::Json;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Body of `POST /api/connections/prepare` (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrepareRequest {
    /// Restrict the permission policy to these buckets (default: all buckets).
    #[serde(default)]
    pub buckets: Vec<String>,
}

/// What the customer needs to create the role.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    /// The external ID to require in the trust policy; pass it to verify.
    pub external_id: String,
    /// The broker's principal that the trust policy must name.
    pub principal_arn: String,
    /// Trust policy for the role.
    #[schema(value_type = Object)]
    pub trust_policy: Value,
    /// Least-privilege S3 permission policy for the role.
    #[schema(value_type = Object)]
    pub permission_policy: Value,
    /// CloudFormation template creating the role with both policies.
    #[schema(value_type = Object)]
    pub cloud_formation_template: Value,
    /// Session length the broker asks for, in seconds.
    pub session_duration_seconds: u32,
    /// Until when verify accepts this external ID (RFC 3339).
    pub expires_at: String,
}

/// Body of `POST /api/aws/verify`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyRequest {
    /// The role the customer created.
    pub role_arn: String,
    /// The external ID from prepare.
    pub external_id: String,
    /// Display name (default: the role name).
    pub name: Option<String>,
}

/// A stored connection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionOut {
    /// Connection id; pass as `connection=` to the S3 routes.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The customer's role.
    pub role_arn: String,
    /// Its external ID.
    pub external_id: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

impl From<Connection> for ConnectionOut {
    fn from(c: Connection) -> Self {
        ConnectionOut {
            id: c.id,
            name: c.name,
            role_arn: c.role_arn,
            external_id: c.external_id,
            created_at: crate::routes::audit::rfc3339(c.created_at),
        }
    }
}

/// Answer of verify.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Verified {
    /// The stored connection.
    pub connection: ConnectionOut,
    /// Buckets the role could list.
    pub buckets: Vec<String>,
}

/// The caller's connections.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectionList {
    /// Connections, oldest first.
    pub connections: Vec<ConnectionOut>,
}

fn new_external_id() -> String {
    let mut b = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("zk-{}", hex::encode(b))
}

/// Issues an external ID and the trust policy, permission policy and CloudFormation template
/// for the customer's role.
#[utoipa::path(post, path = "/api/connections/prepare", tag = "connections",
    request_body(content = Option<PrepareRequest>), security(("bearer" = [])),
    responses((status = 200, body = Prepared), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn prepare(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    crate::routes::ApiBody(body): crate::routes::ApiBody,
) -> Result<Json<Prepared>, ApiError> {
    let req: PrepareRequest = if body.iter().all(u8::is_ascii_whitespace) {
        PrepareRequest::default()
    } else {
        crate::routes::parse_json(&body)?
    };
    if req.buckets.len() > 100 {
        return Err(ApiError::invalid("buckets: at most 100"));
    }
    for b in &req.buckets {
        validate::bucket(b).map_err(ApiError::invalid)?;
    }
    let identity = state.base_identity().await?;
    let principal = policy::trust_principal(&identity.arn);
    let external_id = new_external_id();
    let ttl = i64::try_from(state.config().external_id_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let expires = now_ms() + ttl;
    state
        .store()
        .add_pending_external_id(&auth.user.id, &external_id, expires)
        .await?;
    state
        .audit(event(&auth, &addr, "connection.prepare", "ok"))
        .await;
    let partition = principal.split(':').nth(1).unwrap_or("aws").to_string();
    let session = zerokey_aws::clamp_duration(Some(state.config().session_seconds));
    Ok(Json(Prepared {
        trust_policy: policy::trust(&principal, &external_id),
        permission_policy: policy::permissions(&partition, &req.buckets),
        cloud_formation_template: policy::cloudformation(
            &principal,
            &external_id,
            &req.buckets,
            session,
        ),
        principal_arn: principal,
        external_id,
        session_duration_seconds: session,
        expires_at: crate::routes::audit::rfc3339(expires),
    }))
}

/// Validates, assumes the role, lists buckets, and only then stores the connection.
#[utoipa::path(post, path = "/api/aws/verify", tag = "connections", request_body = VerifyRequest,
    security(("bearer" = [])),
    responses((status = 201, body = Verified), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<(StatusCode, Json<Verified>), ApiError> {
    validate::role_arn(&req.role_arn).map_err(ApiError::invalid)?;
    validate::external_id(&req.external_id).map_err(ApiError::invalid)?;
    let name = match &req.name {
        Some(n) => {
            validate::connection_name(n).map_err(ApiError::invalid)?;
            n.clone()
        }
        None => req
            .role_arn
            .rsplit('/')
            .next()
            .unwrap_or("connection")
            .to_string(),
    };
    if !state
        .store()
        .pending_external_id(&auth.user.id, &req.external_id)
        .await?
    {
        return Err(ApiError::invalid(
            "externalId: not issued to you by POST /api/connections/prepare, already used, or expired",
        ));
    }
    let mut ev = event(&auth, &addr, "connection.verify", "ok");
    ev.target = Some(req.role_arn.clone());
    let role = match assume(
        &state,
        &auth,
        &req.role_arn,
        &req.external_id,
        &policy::list_buckets(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            ev.outcome = assume_outcome(&e).into();
            ev.aws_request_id = e.request_id().map(str::to_string);
            state.audit(ev).await;
            return Err(ApiError::from_assume(&e));
        }
    };
    let s3 = zerokey_aws::S3Session::new(state.aws(), &role);
    drop(role);
    let buckets = match s3.list_buckets().await {
        Ok((b, rid)) => {
            ev.aws_request_id = rid;
            b
        }
        Err(e) => {
            ev.outcome = s3_outcome(&e).into();
            ev.aws_request_id = e.request_id().map(str::to_string);
            state.audit(ev).await;
            return Err(ApiError::from_s3(&e));
        }
    };
    drop(s3);
    let Some(conn) = state
        .store()
        .insert_connection(&auth.user.id, &name, &req.role_arn, &req.external_id)
        .await?
    else {
        return Err(ApiError::invalid(
            "externalId: already used by another connection",
        ));
    };
    ev.connection_id = Some(conn.id.clone());
    state.audit(ev).await;
    Ok((
        StatusCode::CREATED,
        Json(Verified {
            connection: conn.into(),
            buckets: buckets.into_iter().map(|b| b.name).collect(),
        }),
    ))
}

/// The caller's connections.
#[utoipa::path(get, path = "/api/connections", tag = "connections", security(("bearer" = [])),
    responses((status = 200, body = ConnectionList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<ConnectionList>, ApiError> {
    let conns = state.store().list_connections(&auth.user.id).await?;
    Ok(Json(ConnectionList {
        connections: conns.into_iter().map(Into::into).collect(),
    }))
}

/// Deletes one of the caller's connections.
#[utoipa::path(delete, path = "/api/connections/{id}", tag = "connections", security(("bearer" = [])),
    params(("id" = String, Path, description = "connection id")),
    responses((status = 204, description = "deleted"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !validate::is_uuid(&id) || !state.store().delete_connection(&auth.user.id, &id).await? {
        return Err(ApiError::not_found("connection"));
    }
    let mut ev = event(&auth, &addr, "connection.delete", "ok");
    ev.connection_id = Some(id);
    state.audit(ev).await;
    Ok(StatusCode::NO_CONTENT)
}
