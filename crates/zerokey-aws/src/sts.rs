//! STS calls.

use crate::AwsCredentials;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

/// Environment variables that set the STS endpoint (the emulator in tests), most specific first.
pub const ENDPOINT_VARS: [&str; 2] = ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"];

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

/// Calls `sts:GetCallerIdentity` with `creds`: the only call that needs no permission, so it
/// tells whether credentials work without touching anything.
pub async fn caller_identity(
    creds: &AwsCredentials,
    region: &str,
) -> Result<CallerIdentity, StsError> {
    let mut config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(creds.to_sdk());
    if let Some(url) = ENDPOINT_VARS
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
    {
        config = config.endpoint_url(url);
    }
    let client = aws_sdk_sts::Client::from_conf(config.build());
    match client.get_caller_identity().send().await {
        Ok(out) => Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        }),
        Err(SdkError::ServiceError(e)) => {
            let status = e.raw().status().as_u16();
            let code = e
                .err()
                .code()
                .map_or_else(|| format!("HTTP {status}"), str::to_string);
            // STS answers 403 for unknown, wrong, expired or deleted credentials; some
            // endpoints (the emulator) send bodies the SDK cannot parse, so the status decides.
            let rejected = status == 403
                || matches!(
                    code.as_str(),
                    "InvalidClientTokenId"
                        | "SignatureDoesNotMatch"
                        | "ExpiredToken"
                        | "InvalidToken"
                        | "AccessDenied"
                        | "InvalidAccessKeyId"
                );
            if rejected {
                Err(StsError::Rejected { code })
            } else {
                Err(StsError::Unavailable(format!("error code {code}")))
            }
        }
        Err(e) => Err(StsError::Unavailable(kind_of(&e).to_string())),
    }
}

fn kind_of<E, R>(e: &SdkError<E, R>) -> &'static str {
    match e {
        SdkError::ConstructionFailure(_) => "request could not be built",
        SdkError::TimeoutError(_) => "timed out",
        SdkError::DispatchFailure(_) => "could not connect",
        SdkError::ResponseError(_) => "unreadable response",
        SdkError::ServiceError(_) => "service error",
        _ => "unknown failure",
    }
}
