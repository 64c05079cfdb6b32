//! Writes one secret value to AWS Secrets Manager as `SecretString`: a new version of an
//! existing secret (`PutSecretValue`), or a new secret (`CreateSecret`) if there is none.
//! The read side (and the name rules both share) is [`crate::secrets`].

use crate::iam::classify;
use crate::secrets::{validate_secret_name, SecretsError};
use secrecy::{ExposeSecret, SecretString};

/// Why the secret could not be written. Messages name the secret, never its value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretStoreError {
    /// The name is not a valid Secrets Manager name or ARN.
    #[error(transparent)]
    BadName(#[from] SecretsError),
    /// The caller may not write the secret.
    #[error("secret {name:?}: {action}: access denied ({code})")]
    Denied {
        /// Secret name.
        name: String,
        /// The API call.
        action: &'static str,
        /// AWS error code.
        code: String,
    },
    /// Any other failure.
    #[error("secret {name:?}: {action} failed ({detail})")]
    Failed {
        /// Secret name.
        name: String,
        /// The API call.
        action: &'static str,
        /// Error code, HTTP status or what went wrong.
        detail: String,
    },
}

/// Where the value went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// Secret ARN.
    pub arn: String,
    /// The new version's id.
    pub version_id: String,
    /// True if the secret did not exist and was created.
    pub created: bool,
}

/// Checks a Secrets Manager secret name (or ARN), with the rules of [`crate::secrets`].
pub fn validate_name(name: &str) -> Result<(), SecretStoreError> {
    Ok(validate_secret_name(name)?)
}

/// Stores `value` as the current `SecretString` of secret `name`, creating the secret if it
/// does not exist.
#[tracing::instrument(skip(conf, value))]
pub async fn put_secret_string(
    conf: &aws_config::SdkConfig,
    name: &str,
    value: &SecretString,
    description: &str,
) -> Result<StoredSecret, SecretStoreError> {
    validate_name(name)?;
    let client = aws_sdk_secretsmanager::Client::new(conf);
    let fail = |action: &'static str, f: crate::iam::CallFailure| match (f.status, f.code) {
        (Some(403), code) => SecretStoreError::Denied {
            name: name.to_string(),
            action,
            code: code.unwrap_or_else(|| "HTTP 403".into()),
        },
        (_, Some(code)) if code.contains("AccessDenied") => SecretStoreError::Denied {
            name: name.to_string(),
            action,
            code,
        },
        (status, code) => SecretStoreError::Failed {
            name: name.to_string(),
            action,
            detail: code
                .or_else(|| status.map(|s| format!("HTTP {s}")))
                .unwrap_or_else(|| f.reason.to_string()),
        },
    };
    match client
        .put_secret_value()
        .secret_id(name)
        .secret_string(value.expose_secret())
        .send()
        .await
    {
        Ok(out) => Ok(StoredSecret {
            arn: out.arn().unwrap_or_default().to_string(),
            version_id: out.version_id().unwrap_or_default().to_string(),
            created: false,
        }),
        Err(e) => {
            let f = classify(&e);
            if f.code.as_deref() != Some("ResourceNotFoundException") {
                return Err(fail("secretsmanager:PutSecretValue", f));
            }
            let out = client
                .create_secret()
                .name(name)
                .description(description)
                .secret_string(value.expose_secret())
                .send()
                .await
                .map_err(|e| fail("secretsmanager:CreateSecret", classify(&e)))?;
            Ok(StoredSecret {
                arn: out.arn().unwrap_or_default().to_string(),
                version_id: out.version_id().unwrap_or_default().to_string(),
                created: true,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("prod/app/aws-key").is_ok());
        assert!(validate_name("arn:aws:secretsmanager:us-east-1:123456789012:secret:x").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("has space").is_err());
    }
}
