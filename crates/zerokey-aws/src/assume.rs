//! STS AssumeRole for the broker: the base principal (standard provider chain) assumes a
//! customer's role with its external ID, a session name, a `SourceIdentity` and an optional
//! inline session policy; the temporary credentials come back as [`AwsCredentials`].

use crate::AwsCredentials;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::RequestId;
use secrecy::SecretString;
use std::fmt;
use std::time::Duration;

/// Shortest session STS grants (15 minutes).
pub const MIN_SESSION_SECONDS: u32 = 900;
/// Longest session STS grants (12 hours; the role's `MaxSessionDuration` may be lower).
pub const MAX_SESSION_SECONDS: u32 = 43_200;
/// Session length when none is configured (1 hour).
pub const DEFAULT_SESSION_SECONDS: u32 = 3_600;

/// Clamps a requested session duration into STS's 900..=43200 range; `None` gives 3600.
/// The clamp is ours: the emulator accepts any value and the Rust SDK checks none.
pub fn clamp_duration(requested: Option<u32>) -> u32 {
    requested
        .unwrap_or(DEFAULT_SESSION_SECONDS)
        .clamp(MIN_SESSION_SECONDS, MAX_SESSION_SECONDS)
}

/// The broker's own AWS configuration: base credentials from the standard provider chain
/// (environment first), region, endpoint (`AWS_ENDPOINT_URL*` for the emulator) and one HTTP
/// client shared by every per-request client.
#[derive(Clone)]
pub struct BaseAws {
    config: aws_config::SdkConfig,
    sts: aws_sdk_sts::Client,
}

impl fmt::Debug for BaseAws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BaseAws")
            .field("region", &self.config.region().map(|r| r.as_ref()))
            .field("endpoint", &self.config.endpoint_url())
            .finish_non_exhaustive()
    }
}

/// What one AssumeRole call asks for.
#[derive(Debug, Clone)]
pub struct AssumeRequest<'a> {
    /// The customer's role.
    pub role_arn: &'a str,
    /// The external ID the vendor issued for this connection (not a secret).
    pub external_id: &'a str,
    /// `RoleSessionName` (2–64 chars of `[\w+=,.@-]`; sanitised here).
    pub session_name: &'a str,
    /// `SourceIdentity`, which CloudTrail keeps on every call made with the session.
    pub source_identity: Option<&'a str>,
    /// Inline session policy (JSON) that scopes the session down to one request's needs.
    pub policy: Option<&'a str>,
    /// Session length in seconds (clamped with [`clamp_duration`]).
    pub duration_seconds: Option<u32>,
}

/// Temporary credentials from AssumeRole. Not `Clone`, not `Serialize`; drop them to discard.
#[derive(Debug)]
pub struct AssumedRole {
    /// The session's credentials.
    pub credentials: AwsCredentials,
    /// When STS says they expire (Unix seconds).
    pub expires_at: Option<i64>,
    /// ARN of the assumed-role session.
    pub assumed_role_arn: Option<String>,
    /// STS request id, for the audit log.
    pub request_id: Option<String>,
}

/// Why AssumeRole failed. Messages are ours: AWS's raw text names the base account.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssumeError {
    /// STS refused: trust policy, external ID, permissions, unknown role.
    #[error("the role could not be assumed ({code})")]
    Denied {
        /// AWS error code or `HTTP <status>` when the body was not parseable.
        code: String,
        /// STS request id, when there was one.
        request_id: Option<String>,
    },
    /// The request was rejected as malformed (bad parameter, policy too large).
    #[error("STS rejected the request as invalid ({code})")]
    Invalid {
        /// AWS error code.
        code: String,
        /// STS request id, when there was one.
        request_id: Option<String>,
    },
    /// STS could not be reached, timed out or answered unexpectedly.
    #[error("STS request failed: {0}")]
    Unavailable(String),
    /// STS answered without credentials.
    #[error("STS answered without credentials")]
    NoCredentials,
}

impl AssumeError {
    /// STS request id, when STS answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            AssumeError::Denied { request_id, .. } | AssumeError::Invalid { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }
}

/// Makes `raw` a valid `RoleSessionName`/`SourceIdentity`: characters outside `[\w+=,.@-]`
/// become `-`, the length is cut to 64 and padded to 2.
pub fn sanitize_session_name(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while s.len() < 2 {
        s.push('-');
    }
    s
}

impl BaseAws {
    /// Loads the standard provider chain (environment first), region and endpoint.
    pub async fn from_env() -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            )
            .load()
            .await;
        Self::from_config(config)
    }

    /// Uses an already-built SDK configuration (tests pass static canary keys this way).
    pub fn from_config(config: aws_config::SdkConfig) -> Self {
        let sts = aws_sdk_sts::Client::new(&config);
        BaseAws { config, sts }
    }

    /// The SDK configuration (region, endpoint, HTTP client) shared by derived clients.
    pub fn sdk_config(&self) -> &aws_config::SdkConfig {
        &self.config
    }

    /// Region of the base configuration (`us-east-1` when none is set).
    pub fn region(&self) -> String {
        self.config
            .region()
            .map_or_else(|| "us-east-1".to_string(), |r| r.as_ref().to_string())
    }

    /// The base principal's identity (GetCallerIdentity); its ARN goes in trust policies.
    pub async fn caller_identity(&self) -> Result<crate::CallerIdentity, AssumeError> {
        match self.sts.get_caller_identity().send().await {
            Ok(out) => Ok(crate::CallerIdentity {
                account: out.account().unwrap_or_default().to_string(),
                arn: out.arn().unwrap_or_default().to_string(),
            }),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Calls `sts:AssumeRole`.
    pub async fn assume_role(&self, req: &AssumeRequest<'_>) -> Result<AssumedRole, AssumeError> {
        let duration = clamp_duration(req.duration_seconds);
        let mut call = self
            .sts
            .assume_role()
            .role_arn(req.role_arn)
            .external_id(req.external_id)
            .role_session_name(sanitize_session_name(req.session_name))
            .duration_seconds(i32::try_from(duration).unwrap_or(3600));
        if let Some(si) = req.source_identity {
            call = call.source_identity(sanitize_session_name(si));
        }
        if let Some(p) = req.policy {
            call = call.policy(p);
        }
        let out = call.send().await.map_err(map_err)?;
        let request_id = out.request_id().map(str::to_string);
        let assumed_role_arn = out.assumed_role_user().map(|u| u.arn().to_string());
        let creds = out.credentials.ok_or(AssumeError::NoCredentials)?;
        let expires_at = Some(creds.expiration().secs());
        let credentials = AwsCredentials::new(
            creds.access_key_id,
            SecretString::from(creds.secret_access_key),
            Some(SecretString::from(creds.session_token)),
        );
        Ok(AssumedRole {
            credentials,
            expires_at,
            assumed_role_arn,
            request_id,
        })
    }
}

fn map_err<E>(e: SdkError<E>) -> AssumeError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &e {
        SdkError::ServiceError(se) => {
            let meta = se.err().meta();
            let request_id = meta
                .extra("aws_request_id")
                .map(str::to_string)
                .or_else(|| meta.extra("request_id").map(str::to_string));
            // With the emulator's enforcement on, error bodies are HTML the SDK cannot parse:
            // the code is missing and only the status is known.
            let status = se.raw().status().as_u16();
            let code = se
                .err()
                .code()
                .map_or_else(|| format!("HTTP {status}"), str::to_string);
            let invalid = matches!(
                code.as_str(),
                "MalformedPolicyDocument"
                    | "PackedPolicyTooLarge"
                    | "ValidationError"
                    | "InvalidParameterValue"
                    | "HTTP 400"
            );
            if invalid {
                AssumeError::Invalid { code, request_id }
            } else if code.starts_with("HTTP 5") || code == "ServiceUnavailable" {
                AssumeError::Unavailable(format!("error code {code}"))
            } else {
                AssumeError::Denied { code, request_id }
            }
        }
        SdkError::TimeoutError(_) => AssumeError::Unavailable("timed out".into()),
        SdkError::DispatchFailure(_) => AssumeError::Unavailable("could not connect".into()),
        SdkError::ResponseError(_) => AssumeError::Unavailable("unreadable response".into()),
        SdkError::ConstructionFailure(_) => {
            AssumeError::Unavailable("request could not be built".into())
        }
        _ => AssumeError::Unavailable("unknown failure".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_clamped() {
        assert_eq!(clamp_duration(None), 3600);
        assert_eq!(clamp_duration(Some(60)), 900);
        assert_eq!(clamp_duration(Some(100_000)), 43_200);
        assert_eq!(clamp_duration(Some(7200)), 7200);
    }

    #[test]
    fn session_names_are_sanitised() {
        assert_eq!(sanitize_session_name("zk alice/1"), "zk-alice-1");
        assert_eq!(sanitize_session_name("a"), "a-");
        assert_eq!(sanitize_session_name(&"x".repeat(100)).len(), 64);
    }
}
