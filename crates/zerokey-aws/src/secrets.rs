//! Secrets Manager: read one secret's string value (optionally one key of a JSON secret) into
//! a `SecretString`. Errors name the secret and the key, never the value.

use crate::sts::sdk_failure;
use crate::AwsCredentials;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

/// Why a secret could not be read. Never carries any part of the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    /// The name is not a valid secret name or ARN.
    #[error("invalid secret name {name:?}: {message}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        message: &'static str,
    },
    /// No such secret (or it is scheduled for deletion).
    #[error("secret {name:?} not found in Secrets Manager (region {region})")]
    NotFound {
        /// The name given.
        name: String,
        /// Region searched.
        region: String,
    },
    /// The role may not read it (or decrypt it with its KMS key).
    #[error("reading secret {name:?} was denied ({code}): the role needs secretsmanager:GetSecretValue on it (and kms:Decrypt for a customer key)")]
    Denied {
        /// The name given.
        name: String,
        /// AWS error code or HTTP status.
        code: String,
    },
    /// The secret holds binary data, not a string.
    #[error("secret {name:?} is binary, not a string; zerokey passes only string secrets")]
    NotAString {
        /// The name given.
        name: String,
    },
    /// `--json-key` was given but the value is not a JSON object.
    #[error("secret {name:?} is not a JSON object, so --json-key {key:?} cannot be looked up")]
    NotJsonObject {
        /// The name given.
        name: String,
        /// The key asked for.
        key: String,
    },
    /// The JSON object has no such key.
    #[error("secret {name:?} has no JSON key {key:?}")]
    MissingKey {
        /// The name given.
        name: String,
        /// The key asked for.
        key: String,
    },
    /// The key holds an object, an array or null.
    #[error("JSON key {key:?} of secret {name:?} is not a string, number or boolean")]
    KeyNotAString {
        /// The name given.
        name: String,
        /// The key asked for.
        key: String,
    },
    /// Secrets Manager could not be reached or answered unexpectedly.
    #[error("Secrets Manager GetSecretValue for {name:?} failed: {reason}")]
    Unavailable {
        /// The name given.
        name: String,
        /// What went wrong, in our words.
        reason: String,
    },
}

/// Checks a secret name or ARN: 1 to 2048 characters of `[A-Za-z0-9/_+=.@:-]`.
pub fn validate_secret_name(name: &str) -> Result<(), SecretsError> {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b"/_+=.@:-!".contains(&b);
    let message = if name.is_empty() || name.len() > 2048 {
        "must be 1 to 2048 characters"
    } else if !name.bytes().all(ok) {
        "may contain only letters, digits and /_+=.@-! (or be a secret ARN)"
    } else {
        return Ok(());
    };
    Err(SecretsError::InvalidName {
        name: name.to_string(),
        message,
    })
}

/// Reads the current string value of secret `name` with `creds`.
pub async fn get_secret_string(
    creds: &AwsCredentials,
    region: &str,
    name: &str,
) -> Result<SecretString, SecretsError> {
    validate_secret_name(name)?;
    let client = crate::client::secrets_manager(region, creds);
    match client.get_secret_value().secret_id(name).send().await {
        Ok(out) => match out.secret_string() {
            Some(s) => Ok(SecretString::from(s.to_string())),
            None => Err(SecretsError::NotAString {
                name: name.to_string(),
            }),
        },
        Err(SdkError::ServiceError(e)) => {
            let status = e.raw().status().as_u16();
            let code = e
                .err()
                .code()
                .map_or_else(|| format!("HTTP {status}"), str::to_string);
            Err(match code.as_str() {
                "ResourceNotFoundException" => SecretsError::NotFound {
                    name: name.to_string(),
                    region: region.to_string(),
                },
                "AccessDeniedException" | "AccessDenied" | "DecryptionFailure" => {
                    SecretsError::Denied {
                        name: name.to_string(),
                        code,
                    }
                }
                _ if status == 403 => SecretsError::Denied {
                    name: name.to_string(),
                    code,
                },
                _ => SecretsError::Unavailable {
                    name: name.to_string(),
                    reason: format!("error code {code}"),
                },
            })
        }
        Err(e) => Err(SecretsError::Unavailable {
            name: name.to_string(),
            reason: sdk_failure(&e).to_string(),
        }),
    }
}

/// Wipes every string in a parsed JSON value before it is dropped.
fn wipe(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(wipe),
        serde_json::Value::Object(o) => o.values_mut().for_each(wipe),
        _ => {}
    }
}

/// Picks `key` out of a JSON-object secret (`{"token": "pypi-…"}`). Numbers and booleans are
/// returned as their JSON text. The parsed copy is wiped before returning.
pub fn json_key(
    secret: &SecretString,
    name: &str,
    key: &str,
) -> Result<SecretString, SecretsError> {
    let mut value: serde_json::Value = match serde_json::from_str(secret.expose_secret()) {
        Ok(v) => v,
        Err(_) => {
            return Err(SecretsError::NotJsonObject {
                name: name.to_string(),
                key: key.to_string(),
            })
        }
    };
    let result = match &value {
        serde_json::Value::Object(o) => match o.get(key) {
            Some(serde_json::Value::String(s)) => Ok(SecretString::from(s.clone())),
            Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                Ok(SecretString::from(v.to_string()))
            }
            Some(_) => Err(SecretsError::KeyNotAString {
                name: name.to_string(),
                key: key.to_string(),
            }),
            None => Err(SecretsError::MissingKey {
                name: name.to_string(),
                key: key.to_string(),
            }),
        },
        _ => Err(SecretsError::NotJsonObject {
            name: name.to_string(),
            key: key.to_string(),
        }),
    };
    wipe(&mut value);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> SecretString {
        SecretString::from(v.to_string())
    }

    #[test]
    fn json_keys() {
        let secret = s(r#"{"token":"pypi-CANARY","n":42,"nested":{"a":1}}"#);
        assert_eq!(
            json_key(&secret, "x", "token").unwrap().expose_secret(),
            "pypi-CANARY"
        );
        assert_eq!(json_key(&secret, "x", "n").unwrap().expose_secret(), "42");
        for (key, want) in [("nested", "not a string"), ("missing", "has no JSON key")] {
            let err = json_key(&secret, "x", key).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
            assert!(!err.contains("CANARY"), "{err}");
        }
        let err = json_key(&s("pypi-CANARY"), "x", "token")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a JSON object") && !err.contains("CANARY"),
            "{err}"
        );
    }

    #[test]
    fn secret_names() {
        assert!(validate_secret_name("ci/pypi-token").is_ok());
        assert!(validate_secret_name(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/pypi-AbCdEf"
        )
        .is_ok());
        assert!(validate_secret_name("").is_err());
        assert!(validate_secret_name("has space").is_err());
    }
}
