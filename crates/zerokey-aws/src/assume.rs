//! The one `sts:AssumeRole` of zerokey. A base principal (the standard provider chain, or
//! credentials given explicitly) assumes a role with an optional external ID, a session name,
//! a `SourceIdentity`, session policies (inline and managed), session tags and a duration;
//! the temporary credentials come back as [`AwsCredentials`] with their expiry.
//!
//! The CLI (`exec`, `credential-process`) and the broker call this; nothing is cached or
//! written anywhere.

use crate::client;
use crate::sts::{classify, FailureKind};
use crate::validate;
use crate::AwsCredentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_sts::operation::RequestId;
use std::fmt;

pub use crate::validate::{
    sanitize_session_name, DEFAULT_SESSION_SECONDS, MAX_SESSION_SECONDS, MIN_SESSION_SECONDS,
};

/// Clamps a requested session duration into STS's 900..=43200 range; `None` gives 3600.
/// The clamp is ours: the emulator accepts any value and the Rust SDK checks none.
pub fn clamp_duration(requested: Option<u32>) -> u32 {
    requested
        .unwrap_or(DEFAULT_SESSION_SECONDS)
        .clamp(MIN_SESSION_SECONDS, MAX_SESSION_SECONDS)
}

/// The base AWS configuration: base credentials from the standard provider chain
/// (environment first), region, endpoint (`AWS_ENDPOINT_URL*` for the emulator) and one HTTP
/// client shared by every derived client.
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

/// Which part of an [`AssumeRequest`] is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The role ARN.
    RoleArn,
    /// The external ID.
    ExternalId,
    /// The role session name.
    SessionName,
    /// The SourceIdentity.
    SourceIdentity,
    /// The inline session policy.
    Policy,
    /// The managed session policy ARNs.
    PolicyArns,
    /// The session tags.
    Tags,
    /// The session length.
    Duration,
}

impl Field {
    /// The CLI flag that sets it.
    pub fn flag(self) -> &'static str {
        match self {
            Field::RoleArn => "--role-arn",
            Field::ExternalId => "--external-id",
            Field::SessionName => "--session-name",
            Field::SourceIdentity => "--source-identity",
            Field::Policy => "--policy",
            Field::PolicyArns => "--policy-arn",
            Field::Tags => "--tag",
            Field::Duration => "--duration",
        }
    }
}

/// What one AssumeRole call asks for.
#[derive(Debug, Clone, Default)]
pub struct AssumeRequest<'a> {
    /// The role.
    pub role_arn: &'a str,
    /// The external ID the role's trust policy requires (not a secret).
    pub external_id: Option<&'a str>,
    /// `RoleSessionName` (2–64 chars of `[\w+=,.@-]`; sanitised when sent).
    pub session_name: &'a str,
    /// `SourceIdentity`, which CloudTrail keeps on every call made with the session, and
    /// on every role chained from it (needs `sts:SetSourceIdentity` in the trust policy).
    pub source_identity: Option<&'a str>,
    /// Inline session policy (JSON) that scopes the session down.
    pub policy: Option<&'a str>,
    /// Managed session policies (ARNs) that scope the session down.
    pub policy_arns: &'a [String],
    /// Session tags (need `sts:TagSession` in the trust policy).
    pub tags: &'a [(String, String)],
    /// Session length in seconds (clamped with [`clamp_duration`]).
    pub duration_seconds: Option<u32>,
}

impl AssumeRequest<'_> {
    /// Checks every part against STS's rules before anything is sent.
    pub fn check(&self) -> Result<(), AssumeError> {
        let bad = |field, message| AssumeError::BadInput { field, message };
        validate::role_arn(self.role_arn).map_err(|m| bad(Field::RoleArn, m))?;
        if let Some(id) = self.external_id {
            validate::external_id(id).map_err(|m| bad(Field::ExternalId, m))?;
        }
        validate::session_name(self.session_name).map_err(|m| bad(Field::SessionName, m))?;
        if let Some(si) = self.source_identity {
            validate::source_identity(si).map_err(|m| bad(Field::SourceIdentity, m))?;
        }
        if let Some(p) = self.policy {
            validate::session_policy(p).map_err(|m| bad(Field::Policy, m))?;
        }
        validate::policy_arns(self.policy_arns).map_err(|m| bad(Field::PolicyArns, m))?;
        let raw: Vec<String> = self.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        validate::session_tags(&raw).map_err(|m| bad(Field::Tags, m))?;
        if let Some(d) = self.duration_seconds {
            validate::duration(d).map_err(|m| bad(Field::Duration, m))?;
        }
        Ok(())
    }
}

/// Temporary credentials from AssumeRole. Not `Clone`, not `Serialize`; drop them to discard.
#[derive(Debug)]
pub struct AssumedRole {
    /// The session's credentials, with their expiry.
    pub credentials: AwsCredentials,
    /// ARN of the assumed-role session.
    pub assumed_role_arn: Option<String>,
    /// STS request id, for the audit log.
    pub request_id: Option<String>,
}

/// Why AssumeRole failed. Messages are ours and name the input; AWS's raw text (which can
/// name the base account) is kept out, its error code is kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssumeError {
    /// A part of the request failed validation; nothing was sent.
    #[error("{}: {message}", field.flag())]
    BadInput {
        /// Which part.
        field: Field,
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
        /// AWS error code or `HTTP <status>`.
        code: String,
        /// STS request id, when there was one.
        request_id: Option<String>,
    },
    /// STS refused: trust policy, external ID, permissions, unknown role.
    #[error(
        "role {role_arn} could not be assumed ({code}): check that its trust policy allows this \
         principal (with sts:SetSourceIdentity and sts:TagSession when a source identity or tags \
         are sent) and that the external ID matches"
    )]
    Denied {
        /// The role asked for.
        role_arn: String,
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
    #[error("STS AssumeRole failed: {0}")]
    Unavailable(String),
    /// STS answered without credentials.
    #[error("STS answered without credentials")]
    NoCredentials,
}

impl AssumeError {
    /// STS request id, when STS answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            AssumeError::Denied { request_id, .. }
            | AssumeError::Invalid { request_id, .. }
            | AssumeError::BaseRejected { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether STS refused (as opposed to: could not be asked, or was not reached).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            AssumeError::Denied { .. }
                | AssumeError::Invalid { .. }
                | AssumeError::BaseRejected { .. }
        )
    }
}

impl BaseAws {
    /// Loads the standard provider chain (environment first), region and endpoint.
    pub async fn from_env() -> Self {
        Self::from_config(client::load_config(None, None).await)
    }

    /// Like [`BaseAws::from_env`] with an explicit region and, optionally, the profile of
    /// the shared config files that holds the base credentials.
    pub async fn load(region: &str, profile: Option<&str>) -> Self {
        Self::from_config(client::load_config(Some(region), profile).await)
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

    /// Fails with [`AssumeError::NoBaseCredentials`] when the provider chain has nothing, so
    /// "none configured" is told apart from "refused".
    pub async fn ensure_credentials(&self) -> Result<(), AssumeError> {
        let provider = self
            .config
            .credentials_provider()
            .ok_or(AssumeError::NoBaseCredentials)?;
        provider
            .provide_credentials()
            .await
            .map(drop)
            .map_err(|_| AssumeError::NoBaseCredentials)
    }

    /// The base principal's identity (GetCallerIdentity); its ARN goes in trust policies.
    pub async fn caller_identity(&self) -> Result<crate::CallerIdentity, crate::StsError> {
        crate::sts::caller_identity_with(&self.sts).await
    }

    /// Calls `sts:AssumeRole` (the request is checked first).
    pub async fn assume_role(&self, req: &AssumeRequest<'_>) -> Result<AssumedRole, AssumeError> {
        req.check()?;
        let duration = clamp_duration(req.duration_seconds);
        let mut call = self
            .sts
            .assume_role()
            .role_arn(req.role_arn)
            .role_session_name(sanitize_session_name(req.session_name))
            .duration_seconds(i32::try_from(duration).unwrap_or(3600));
        if let Some(id) = req.external_id {
            call = call.external_id(id);
        }
        if let Some(si) = req.source_identity {
            call = call.source_identity(sanitize_session_name(si));
        }
        if let Some(p) = req.policy {
            call = call.policy(p);
        }
        for arn in req.policy_arns {
            call = call.policy_arns(
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build(),
            );
        }
        for (k, v) in req.tags {
            let tag = aws_sdk_sts::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|_| AssumeError::BadInput {
                    field: Field::Tags,
                    message: format!("tag {k:?} could not be built"),
                })?;
            call = call.tags(tag);
        }
        let out = match call.send().await {
            Ok(out) => out,
            Err(e) => {
                let f = classify(&e);
                return Err(match f.kind {
                    FailureKind::CredentialsRejected => AssumeError::BaseRejected {
                        code: f.code,
                        request_id: f.request_id,
                    },
                    FailureKind::Denied | FailureKind::TokenRejected => AssumeError::Denied {
                        role_arn: req.role_arn.to_string(),
                        code: f.code,
                        request_id: f.request_id,
                    },
                    FailureKind::Invalid => AssumeError::Invalid {
                        code: f.code,
                        request_id: f.request_id,
                    },
                    FailureKind::Unavailable => AssumeError::Unavailable(f.reason()),
                });
            }
        };
        let request_id = out.request_id().map(str::to_string);
        let assumed_role_arn = out.assumed_role_user().map(|u| u.arn().to_string());
        let creds = out.credentials().ok_or(AssumeError::NoCredentials)?;
        Ok(AssumedRole {
            credentials: AwsCredentials::from_sts(creds),
            assumed_role_arn,
            request_id,
        })
    }
}

/// An owned AssumeRole request, for a caller that assumes the same role more than once (a
/// refreshing endpoint) or builds the request from flags.
#[derive(Debug, Clone, Default)]
pub struct RoleSession {
    /// The role.
    pub role_arn: String,
    /// External ID, when the trust policy requires one.
    pub external_id: Option<String>,
    /// Role session name.
    pub session_name: String,
    /// SourceIdentity, when one is sent.
    pub source_identity: Option<String>,
    /// Inline session policy (compact JSON).
    pub policy: Option<String>,
    /// Managed session policy ARNs.
    pub policy_arns: Vec<String>,
    /// Session tags.
    pub tags: Vec<(String, String)>,
    /// Session length in seconds.
    pub duration_seconds: u32,
}

impl RoleSession {
    /// The borrowed request [`BaseAws::assume_role`] takes.
    pub fn request(&self) -> AssumeRequest<'_> {
        AssumeRequest {
            role_arn: &self.role_arn,
            external_id: self.external_id.as_deref(),
            session_name: &self.session_name,
            source_identity: self.source_identity.as_deref(),
            policy: self.policy.as_deref(),
            policy_arns: &self.policy_arns,
            tags: &self.tags,
            duration_seconds: Some(self.duration_seconds),
        }
    }
}

/// A session name that says who and what: `zk-<what>-<who>-<unix time>`, sanitised and cut
/// to STS's 64 characters (the time is kept whole).
pub fn session_name_for(what: &str, who: Option<&str>, unix_time: i64) -> String {
    let time = unix_time.to_string();
    let head = match who {
        Some(w) if !w.is_empty() => format!("zk-{what}-{w}"),
        _ => format!("zk-{what}"),
    };
    let keep = 64usize.saturating_sub(time.len() + 1);
    let head: String = head.chars().take(keep).collect();
    sanitize_session_name(&format!("{head}-{time}"))
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
    fn session_names_say_who_and_what() {
        assert_eq!(
            session_name_for("exec", Some("alice smith"), 1_733_600_000),
            "zk-exec-alice-smith-1733600000"
        );
        assert_eq!(session_name_for("cp", None, 7), "zk-cp-7");
        let long = session_name_for("exec", Some(&"u".repeat(100)), 1_733_600_000);
        assert_eq!(long.len(), 64);
        assert!(long.ends_with("-1733600000"));
        assert!(crate::validate::session_name(&long).is_ok());
    }

    #[test]
    fn a_bad_request_names_the_flag() {
        let tags = vec![("aws:x".to_string(), "1".to_string())];
        let req = AssumeRequest {
            role_arn: "arn:aws:iam::123456789012:role/deploy",
            session_name: "zk-test",
            tags: &tags,
            ..Default::default()
        };
        let e = req.check().unwrap_err().to_string();
        assert!(e.starts_with("--tag: "), "{e}");
        let req = AssumeRequest {
            role_arn: "arn:aws:iam::123456789012:user/deploy",
            session_name: "zk-test",
            ..Default::default()
        };
        assert!(req
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("--role-arn: "));
    }
}
