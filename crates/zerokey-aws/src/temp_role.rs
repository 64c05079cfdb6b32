//! Temporary credentials from STS: [`TempCredentials`] (key pair, session token, expiry) and
//! plain `sts:AssumeRole` with the base credentials of the environment/provider chain, as
//! `zerokey exec` uses it. Nothing here is cached or written anywhere.

use crate::AwsCredentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use time::OffsetDateTime;

/// Shortest session STS grants (15 minutes).
pub const MIN_DURATION_SECS: u32 = 900;
/// Longest session STS grants for a role (12 hours; the role's own maximum may be lower).
pub const MAX_DURATION_SECS: u32 = 43_200;
/// Session length used when none is asked for (1 hour).
pub const DEFAULT_DURATION_SECS: u32 = 3_600;

/// Temporary credentials: access key id, secret key, session token and when they expire.
/// The secret parts are zeroized on drop; `Debug` shows neither; not `Serialize`, not `Clone`.
pub struct TempCredentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: SecretString,
    expiration: OffsetDateTime,
}

impl TempCredentials {
    /// Wraps temporary credentials.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: SecretString,
        session_token: SecretString,
        expiration: OffsetDateTime,
    ) -> Self {
        TempCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key,
            session_token,
            expiration,
        }
    }

    /// Copies STS's answer into zeroizing storage.
    pub(crate) fn from_sts(c: &aws_sdk_sts::types::Credentials) -> Self {
        let expiration = OffsetDateTime::from_unix_timestamp(c.expiration().secs())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        TempCredentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: SecretString::from(c.secret_access_key().to_string()),
            session_token: SecretString::from(c.session_token().to_string()),
            expiration,
        }
    }

    /// The access key id (starts with `ASIA`; not secret on its own).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Callers must not log or print it.
    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }

    /// The session token. Callers must not log or print it.
    pub fn session_token(&self) -> &SecretString {
        &self.session_token
    }

    /// When STS says the credentials stop working.
    pub fn expiration(&self) -> OffsetDateTime {
        self.expiration
    }

    /// The same credentials as an [`AwsCredentials`], for the other wrappers of this crate.
    pub fn to_aws_credentials(&self) -> AwsCredentials {
        AwsCredentials::new(
            self.access_key_id.clone(),
            SecretString::from(self.secret_access_key.expose_secret().to_string()),
            Some(SecretString::from(
                self.session_token.expose_secret().to_string(),
            )),
        )
    }
}

impl fmt::Debug for TempCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("session_token", &"[redacted]")
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// What to assume.
#[derive(Debug, Clone)]
pub struct AssumeRoleRequest {
    /// `arn:aws:iam::<account>:role/<name>`.
    pub role_arn: String,
    /// External ID the role's trust policy requires, if any.
    pub external_id: Option<String>,
    /// Session name (appears in CloudTrail and in the assumed-role ARN).
    pub session_name: String,
    /// Session length in seconds, [`MIN_DURATION_SECS`]..=[`MAX_DURATION_SECS`].
    pub duration_secs: u32,
    /// Region for the STS endpoint.
    pub region: String,
}

/// Why a role could not be assumed. Messages are ours and name the input; AWS's raw text
/// (which can name the base account) is kept out, its error code is kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TempRoleError {
    /// An input failed validation before anything was sent.
    #[error("{field}: {message}")]
    Invalid {
        /// The flag or field, e.g. `--role-arn`.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// No base credentials in the environment or provider chain.
    #[error(
        "no base AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
         AWS_PROFILE, or run where an instance/container role is available)"
    )]
    NoBaseCredentials,
    /// STS refused the base credentials themselves.
    #[error("the base AWS credentials were rejected by STS ({code})")]
    BaseRejected {
        /// AWS error code or HTTP status.
        code: String,
    },
    /// STS refused to let the base principal assume the role.
    #[error(
        "role {role_arn} could not be assumed ({code}): check that its trust policy allows \
         this principal and that the external ID matches"
    )]
    Denied {
        /// The role asked for.
        role_arn: String,
        /// AWS error code or HTTP status.
        code: String,
    },
    /// STS could not be reached or answered unexpectedly.
    #[error("STS AssumeRole failed: {0}")]
    Unavailable(String),
}

/// Checks an IAM role ARN: `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn validate_role_arn(arn: &str) -> Result<(), String> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(format!(
            "{arn:?} is not an IAM role ARN (expected arn:aws:iam::123456789012:role/NAME)"
        ));
    };
    if !matches!(
        partition,
        "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
    ) {
        return Err(format!("{arn:?}: unknown partition {partition:?}"));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{arn:?}: the account id must be 12 digits"));
    }
    let Some(name) = resource.strip_prefix("role/") else {
        return Err(format!(
            "{arn:?}: not a role (the resource must start with role/)"
        ));
    };
    let ok = |b: u8| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b);
    if name.is_empty() || name.len() > 512 || !name.bytes().all(ok) || name.ends_with('/') {
        return Err(format!("{arn:?}: invalid role name"));
    }
    Ok(())
}

/// Checks an external ID: 2 to 1224 characters of `[A-Za-z0-9+=,.@:/_-]` (STS's rule).
pub fn validate_external_id(id: &str) -> Result<(), String> {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b"+=,.@:/_-".contains(&b);
    if !(2..=1224).contains(&id.len()) {
        return Err(format!(
            "must be 2 to 1224 characters long (got {})",
            id.len()
        ));
    }
    if !id.bytes().all(ok) {
        return Err("may contain only letters, digits and +=,.@:/_-".into());
    }
    Ok(())
}

/// Checks a role session name: 2 to 64 characters of `[A-Za-z0-9+=,.@_-]`.
pub fn validate_session_name(name: &str) -> Result<(), String> {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b);
    if !(2..=64).contains(&name.len()) || !name.bytes().all(ok) {
        return Err(format!(
            "{name:?} must be 2 to 64 characters of letters, digits and +=,.@_-"
        ));
    }
    Ok(())
}

/// Checks a session length against STS's limits.
pub fn validate_duration(secs: u32) -> Result<(), String> {
    if !(MIN_DURATION_SECS..=MAX_DURATION_SECS).contains(&secs) {
        return Err(format!(
            "{secs} seconds is outside what STS allows ({MIN_DURATION_SECS} to {MAX_DURATION_SECS})"
        ));
    }
    Ok(())
}

fn validate(req: &AssumeRoleRequest) -> Result<(), TempRoleError> {
    let bad = |field, message| TempRoleError::Invalid { field, message };
    validate_role_arn(&req.role_arn).map_err(|m| bad("--role-arn", m))?;
    if let Some(id) = &req.external_id {
        validate_external_id(id).map_err(|m| bad("--external-id", m))?;
    }
    validate_session_name(&req.session_name).map_err(|m| bad("--session-name", m))?;
    validate_duration(req.duration_secs).map_err(|m| bad("--duration", m))?;
    Ok(())
}

/// Assumes `req.role_arn` with the base credentials of the default provider chain
/// (environment, profile, web identity, container, instance metadata). The endpoint follows
/// `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`.
pub async fn assume_role(req: &AssumeRoleRequest) -> Result<TempCredentials, TempRoleError> {
    validate(req)?;
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(req.region.clone()))
        .load()
        .await;
    // Resolve the base credentials first, so "none configured" gets its own error.
    let provider = conf
        .credentials_provider()
        .ok_or(TempRoleError::NoBaseCredentials)?;
    if provider.provide_credentials().await.is_err() {
        return Err(TempRoleError::NoBaseCredentials);
    }
    let client = aws_sdk_sts::Client::new(&conf);
    let mut call = client
        .assume_role()
        .role_arn(&req.role_arn)
        .role_session_name(&req.session_name)
        .duration_seconds(i32::try_from(req.duration_secs).unwrap_or(i32::MAX));
    if let Some(id) = &req.external_id {
        call = call.external_id(id);
    }
    match call.send().await {
        Ok(out) => out
            .credentials()
            .map(TempCredentials::from_sts)
            .ok_or_else(|| TempRoleError::Unavailable("STS returned no credentials".into())),
        Err(SdkError::ServiceError(e)) => {
            let status = e.raw().status().as_u16();
            let code = e
                .err()
                .code()
                .map_or_else(|| format!("HTTP {status}"), str::to_string);
            Err(match code.as_str() {
                "InvalidClientTokenId"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "InvalidAccessKeyId"
                | "InvalidToken" => TempRoleError::BaseRejected { code },
                _ if status == 403 || code == "AccessDenied" => TempRoleError::Denied {
                    role_arn: req.role_arn.clone(),
                    code,
                },
                _ => TempRoleError::Unavailable(format!("error code {code}")),
            })
        }
        Err(e) => Err(TempRoleError::Unavailable(sdk_failure(&e).to_string())),
    }
}

/// Our words for an SDK failure that is not a service error.
pub(crate) fn sdk_failure<E, R>(e: &SdkError<E, R>) -> &'static str {
    match e {
        SdkError::ConstructionFailure(_) => "request could not be built",
        SdkError::TimeoutError(_) => "timed out",
        SdkError::DispatchFailure(_) => "could not connect",
        SdkError::ResponseError(_) => "unreadable response",
        SdkError::ServiceError(_) => "service error",
        _ => "unknown failure",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(validate_role_arn("arn:aws:iam::123456789012:role/deploy").is_ok());
        assert!(validate_role_arn("arn:aws:iam::123456789012:role/ci/publish-pypi").is_ok());
        assert!(validate_role_arn("arn:aws:iam::12345:role/x").is_err());
        assert!(validate_role_arn("arn:aws:iam::123456789012:user/x").is_err());
        assert!(validate_role_arn("arn:aws:s3:::bucket").is_err());
        assert!(validate_role_arn("not-an-arn").is_err());
        assert!(validate_role_arn("arn:aws:iam::123456789012:role/a b").is_err());
    }

    #[test]
    fn external_ids_and_durations() {
        assert!(validate_external_id("zk-6f1c2a").is_ok());
        assert!(validate_external_id("x").is_err());
        assert!(validate_external_id("has space").is_err());
        assert!(validate_duration(900).is_ok());
        assert!(validate_duration(899).is_err());
        assert!(validate_duration(43_201).is_err());
        assert!(validate_session_name("zerokey-exec").is_ok());
        assert!(validate_session_name("has space").is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = TempCredentials::new(
            "ASIAZ3MHQ7VXL2WRT5NB",
            SecretString::from("Xq9vT2mLp8rW4nK7sB3dF6gH1jZ0cV5yU8eR2tA4"),
            SecretString::from("IQoJb3JpZ2luX2VjEsessiontoken"),
            OffsetDateTime::UNIX_EPOCH,
        );
        let dbg = format!("{c:?} {:?}", c.to_aws_credentials());
        assert!(!dbg.contains("Xq9vT2"), "{dbg}");
        assert!(!dbg.contains("sessiontoken"), "{dbg}");
    }
}
