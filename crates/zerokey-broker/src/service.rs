//! The service layer of connection-backed requests: every call that acts with a customer's role
//! takes the same steps, written once here --
//!
//! 1. load the caller's connection (a malformed or foreign id is a 404, never a 403);
//! 2. assume its role for this one request, with a session policy naming only what the request
//!    touches, a session name carrying the request id and `SourceIdentity` = `zk-<user>`;
//! 3. make one AWS call, then drop the temporary credentials;
//! 4. write one audit row (outcome, AWS request id), also when a step fails.
//!
//! A route handler validates its input, opens a [`Call`] and hands it the AWS call.

use std::future::Future;
use std::time::Instant;

use zerokey_aws::{AssumeRequest, AssumedRole, S3Error, S3Session};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::store::{now_ms, AuditEvent, Connection};
use crate::{validate, AppState, ClientAddr};

/// Builds an audit event for the current request.
pub fn event(auth: &AuthUser, addr: &ClientAddr, action: &str, outcome: &str) -> AuditEvent {
    AuditEvent {
        at: now_ms(),
        user_id: Some(auth.user.id.clone()),
        action: action.into(),
        outcome: outcome.into(),
        client_addr: Some(addr.0.clone()),
        request_id: Some(crate::telemetry::current_request_id()),
        ..Default::default()
    }
}

/// The audit outcome of a failed AssumeRole: `denied` when STS refused (trust policy,
/// external ID, permissions, a malformed request), `error` when it could not be reached or
/// answered unexpectedly (an outage is not a refusal).
pub fn assume_outcome(e: &zerokey_aws::AssumeError) -> &'static str {
    match e {
        e if e.is_refusal() => "denied",
        _ => "error",
    }
}

/// The audit outcome of a failed S3 call.
pub fn s3_outcome(e: &zerokey_aws::S3Error) -> &'static str {
    match e {
        zerokey_aws::S3Error::AccessDenied { .. } => "denied",
        zerokey_aws::S3Error::NoSuchBucket { .. } | zerokey_aws::S3Error::NoSuchKey { .. } => {
            "not_found"
        }
        zerokey_aws::S3Error::Invalid { .. } => "invalid",
        _ => "error",
    }
}

/// Assumes `role_arn` for one request with session policy `policy`, recording latency.
pub async fn assume(
    state: &AppState,
    auth: &AuthUser,
    role_arn: &str,
    external_id: &str,
    policy: &str,
) -> Result<AssumedRole, zerokey_aws::AssumeError> {
    let seconds = state.config().session_seconds;
    assume_as(
        state,
        auth,
        role_arn,
        external_id,
        "zk",
        Some(policy),
        seconds,
    )
    .await
}

/// Assumes `role_arn` with session name `<prefix>-<request id>`, `SourceIdentity` =
/// `zk-<user>`, an optional session policy and `duration` seconds; records the latency and
/// the outcome in the metrics.
pub async fn assume_as(
    state: &AppState,
    auth: &AuthUser,
    role_arn: &str,
    external_id: &str,
    prefix: &str,
    policy: Option<&str>,
    duration: u32,
) -> Result<AssumedRole, zerokey_aws::AssumeError> {
    let request_id = crate::telemetry::current_request_id();
    // Who and what: `<prefix>-<user>-<request id>`, the request id kept whole (it ties the
    // CloudTrail event to our audit log), the user name cut to fit STS's 64 characters.
    let request_id: String = request_id.chars().take(48).collect();
    let keep = 64usize.saturating_sub(prefix.len() + request_id.len() + 2);
    let user: String = auth.user.name.chars().take(keep).collect();
    let session_name = if user.is_empty() {
        format!("{prefix}-{request_id}")
    } else {
        format!("{prefix}-{user}-{request_id}")
    };
    // User names may hold characters STS refuses in a SourceIdentity: sanitise, then send.
    let session_name = zerokey_aws::assume::sanitize_session_name(&session_name);
    let source_identity =
        zerokey_aws::assume::sanitize_session_name(&format!("zk-{}", auth.user.name));
    let started = Instant::now();
    let res = state
        .aws()
        .assume_role(&AssumeRequest {
            role_arn,
            external_id: Some(external_id),
            session_name: &session_name,
            source_identity: Some(&source_identity),
            policy,
            duration_seconds: Some(zerokey_aws::clamp_duration(Some(duration))),
            ..Default::default()
        })
        .await;
    state
        .metrics()
        .assume(started.elapsed().as_secs_f64(), res.is_ok());
    res
}

/// Loads one of the caller's connections by path id (a malformed or foreign id is a 404).
pub async fn owned_by_id(
    state: &AppState,
    auth: &AuthUser,
    id: &str,
) -> Result<Connection, ApiError> {
    if !validate::is_uuid(id) {
        return Err(ApiError::not_found("connection"));
    }
    state
        .store()
        .connection(&auth.user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("connection"))
}

/// Loads one of the caller's connections for the `connection=` query parameter.
pub async fn owned(
    state: &AppState,
    auth: &AuthUser,
    id: Option<&str>,
) -> Result<Connection, ApiError> {
    let id = id.ok_or_else(|| ApiError::invalid("connection: query parameter required"))?;
    if !validate::is_uuid(id) {
        return Err(ApiError::invalid("connection: not a connection id"));
    }
    state
        .store()
        .connection(&auth.user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("connection"))
}

/// The AWS request id of a successful call's result, for the audit row.
pub trait AwsRequestId {
    /// The id AWS gave the request, if it answered with one.
    fn aws_request_id(&self) -> Option<String>;
}

impl<T> AwsRequestId for (T, Option<String>) {
    fn aws_request_id(&self) -> Option<String> {
        self.1.clone()
    }
}

macro_rules! request_id_field {
    ($($t:ty),*) => {$(
        impl AwsRequestId for $t {
            fn aws_request_id(&self) -> Option<String> {
                self.request_id.clone()
            }
        }
    )*};
}
request_id_field!(
    zerokey_aws::s3::ObjectPage,
    zerokey_aws::s3::GetObject,
    zerokey_aws::s3::HeadObject
);

/// One request's use of one of the caller's connections.
pub struct Call<'a> {
    state: &'a AppState,
    auth: &'a AuthUser,
    addr: &'a ClientAddr,
    conn: Connection,
    action: &'static str,
    target: Option<String>,
}

impl<'a> Call<'a> {
    /// Loads the caller's connection named by the `connection=` query parameter for
    /// `action` (the audit action, e.g. `s3.get_object`) on `target` (e.g. `bucket/key`).
    pub async fn open(
        state: &'a AppState,
        auth: &'a AuthUser,
        addr: &'a ClientAddr,
        connection: Option<&str>,
        action: &'static str,
        target: Option<String>,
    ) -> Result<Call<'a>, ApiError> {
        let conn = owned(state, auth, connection).await?;
        Ok(Call {
            state,
            auth,
            addr,
            conn,
            action,
            target,
        })
    }

    /// The connection (its role ARN goes into session policies).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn audit_event(&self, outcome: &str, aws_request_id: Option<String>) -> AuditEvent {
        let mut ev = event(self.auth, self.addr, self.action, outcome);
        ev.connection_id = Some(self.conn.id.clone());
        ev.target = self.target.clone();
        ev.aws_request_id = aws_request_id;
        ev
    }

    /// Assumes the role with session policy `policy`, runs `call` on S3 with the temporary
    /// credentials (dropped when `call` ends), audits the outcome and maps an S3 error to
    /// our error shape.
    pub async fn s3<T, F, Fut>(self, policy: String, call: F) -> Result<T, ApiError>
    where
        T: AwsRequestId,
        F: FnOnce(S3Session) -> Fut,
        Fut: Future<Output = Result<T, S3Error>>,
    {
        let role = match assume(
            self.state,
            self.auth,
            &self.conn.role_arn,
            &self.conn.external_id,
            &policy,
        )
        .await
        {
            Ok(role) => role,
            Err(e) => {
                let ev = self.audit_event(assume_outcome(&e), e.request_id().map(str::to_string));
                self.state.audit(ev).await;
                return Err(ApiError::from_assume(&e));
            }
        };
        let s3 = S3Session::new(self.state.aws(), &role);
        drop(role);
        let res = call(s3).await;
        let ev = match &res {
            Ok(v) => self.audit_event("ok", v.aws_request_id()),
            Err(e) => self.audit_event(s3_outcome(e), e.request_id().map(str::to_string)),
        };
        self.state.audit(ev).await;
        res.map_err(|e| ApiError::from_s3(&e))
    }
}
