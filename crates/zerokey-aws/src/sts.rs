//! STS: the one mapping of STS failures to our words, and GetCallerIdentity.

use crate::AwsCredentials;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

/// Who a set of credentials belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// 12-digit account id.
    pub account: String,
    /// ARN of the user or assumed role.
    pub arn: String,
}

/// Why an STS call failed. Messages are ours: AWS's raw text is kept out (it can name
/// accounts); the error code is kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StsError {
    /// STS refused the credentials (unknown key, wrong secret, expired token, disabled key).
    #[error("credentials rejected by STS ({code})")]
    Rejected {
        /// AWS error code, e.g. `InvalidClientTokenId`.
        code: String,
    },
    /// STS could not be reached or answered unexpectedly.
    #[error("STS request failed: {0}")]
    Unavailable(String),
}

/// What kind of failure an STS (or other AWS) error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// The signing credentials themselves were refused.
    CredentialsRejected,
    /// A web identity token was refused.
    TokenRejected,
    /// The caller may not do this (trust policy, external ID, permissions, unknown role).
    Denied,
    /// The request was malformed (bad parameter, policy too large).
    Invalid,
    /// Not reached, timed out, throttled, a server error or an unreadable answer.
    Unavailable,
}

/// One STS failure, classified. `code` is AWS's error code, `HTTP <status>` when the body
/// could not be parsed (the emulator's enforcement answers HTML), or our words for a failure
/// that never reached a service.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub kind: FailureKind,
    pub code: String,
    pub request_id: Option<String>,
    /// Whether the service answered at all.
    pub reached: bool,
}

impl Failure {
    /// `error code <code>` when the service answered, else what went wrong on the way.
    pub fn reason(&self) -> String {
        if self.reached {
            format!("error code {}", self.code)
        } else {
            self.code.clone()
        }
    }
}

/// The one classification of STS errors used by every call of this crate.
pub(crate) fn classify<E>(e: &SdkError<E>) -> Failure
where
    E: ProvideErrorMetadata,
{
    let SdkError::ServiceError(se) = e else {
        return Failure {
            kind: FailureKind::Unavailable,
            code: sdk_failure(e).to_string(),
            request_id: None,
            reached: false,
        };
    };
    let meta = se.err().meta();
    let request_id = meta
        .extra("aws_request_id")
        .or_else(|| meta.extra("request_id"))
        .map(str::to_string);
    let status = se.raw().status().as_u16();
    let code = se
        .err()
        .code()
        .map_or_else(|| format!("HTTP {status}"), str::to_string);
    let kind = match code.as_str() {
        "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "InvalidAccessKeyId"
        | "InvalidToken"
        | "IncompleteSignature"
        | "MissingAuthenticationToken" => FailureKind::CredentialsRejected,
        "InvalidIdentityToken"
        | "ExpiredTokenException"
        | "IDPRejectedClaim"
        | "IDPCommunicationError" => FailureKind::TokenRejected,
        "MalformedPolicyDocument"
        | "PackedPolicyTooLarge"
        | "ValidationError"
        | "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "HTTP 400" => FailureKind::Invalid,
        "ServiceUnavailable" | "InternalFailure" | "Throttling" | "RegionDisabledException" => {
            FailureKind::Unavailable
        }
        _ if status >= 500 => FailureKind::Unavailable,
        _ if (400..500).contains(&status) => FailureKind::Denied,
        _ => FailureKind::Unavailable,
    };
    Failure {
        kind,
        code,
        request_id,
        reached: true,
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

/// Calls `sts:GetCallerIdentity` with `creds`: the only call that needs no permission, so it
/// tells whether credentials work without touching anything.
pub async fn caller_identity(
    creds: &AwsCredentials,
    region: &str,
) -> Result<CallerIdentity, StsError> {
    let client = crate::client::sts(region, Some(creds));
    caller_identity_with(&client).await
}

/// GetCallerIdentity with an existing client.
pub(crate) async fn caller_identity_with(
    client: &aws_sdk_sts::Client,
) -> Result<CallerIdentity, StsError> {
    match client.get_caller_identity().send().await {
        Ok(out) => Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        }),
        Err(e) => {
            let f = classify(&e);
            Err(match f.kind {
                // STS answers 403 for unknown, wrong, expired or deleted credentials.
                FailureKind::CredentialsRejected | FailureKind::Denied => {
                    StsError::Rejected { code: f.code }
                }
                _ => StsError::Unavailable(f.reason()),
            })
        }
    }
}
