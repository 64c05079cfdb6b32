//! IAM calls for key hygiene: users, their access keys and when each was last used, key status
//! changes and key creation (the new secret comes back in a [`NewAccessKey`], never
//! `Serialize`).

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::StatusType;
use secrecy::SecretString;
use std::fmt;
use time::OffsetDateTime;

/// Why an AWS call failed. Messages are ours and name the call and its input; AWS's raw text
/// is kept out (it can name accounts and ARNs), its error code is kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IamError {
    /// The user or key does not exist.
    #[error("{action}: {what} not found")]
    NotFound {
        /// The API call, e.g. `iam:ListAccessKeys`.
        action: &'static str,
        /// What was looked up, e.g. `user "alice"`.
        what: String,
    },
    /// IAM allows two access keys per user.
    #[error("{action}: user {user:?} already has the maximum of two access keys")]
    KeyQuota {
        /// The API call.
        action: &'static str,
        /// The user.
        user: String,
    },
    /// The caller may not make this call.
    #[error("{action}: access denied ({code})")]
    Denied {
        /// The API call.
        action: &'static str,
        /// AWS error code.
        code: String,
    },
    /// Any other answer from AWS.
    #[error("{action} failed ({code})")]
    Failed {
        /// The API call.
        action: &'static str,
        /// AWS error code, or `HTTP <status>`.
        code: String,
    },
    /// AWS could not be reached or the answer could not be read.
    #[error("{action} failed: {reason}")]
    Unavailable {
        /// The API call.
        action: &'static str,
        /// What went wrong, in our words.
        reason: &'static str,
    },
}

/// One failed call, classified.
pub(crate) struct CallFailure {
    pub(crate) status: Option<u16>,
    pub(crate) code: Option<String>,
    pub(crate) reason: &'static str,
}

/// The HTTP response type every SDK error carries (the same type for all services).
pub(crate) type HttpResponse = aws_sdk_iam::config::http::HttpResponse;

/// Reduces an SDK error to its HTTP status and error code, dropping AWS's message text.
pub(crate) fn classify<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> CallFailure {
    let reason = crate::sts::sdk_failure(e);
    let (status, code) = match e {
        SdkError::ServiceError(se) => (
            Some(se.raw().status().as_u16()),
            se.err().code().map(str::to_string),
        ),
        _ => (None, None),
    };
    CallFailure {
        status,
        code,
        reason,
    }
}

fn iam_error<E: ProvideErrorMetadata>(
    action: &'static str,
    what: impl FnOnce() -> String,
    e: &SdkError<E, HttpResponse>,
) -> IamError {
    let f = classify(e);
    match (f.status, f.code.as_deref()) {
        (_, Some("NoSuchEntity")) | (Some(404), _) => IamError::NotFound {
            action,
            what: what(),
        },
        (_, Some("LimitExceeded")) => IamError::KeyQuota {
            action,
            user: what(),
        },
        (_, Some(code @ ("AccessDenied" | "AccessDeniedException" | "InvalidClientTokenId"))) => {
            IamError::Denied {
                action,
                code: code.to_string(),
            }
        }
        (Some(403), _) => IamError::Denied {
            action,
            code: f.code.unwrap_or_else(|| "HTTP 403".into()),
        },
        (Some(status), code) => IamError::Failed {
            action,
            code: code.map_or_else(|| format!("HTTP {status}"), str::to_string),
        },
        (None, _) => IamError::Unavailable {
            action,
            reason: f.reason,
        },
    }
}

/// Converts an SDK timestamp (whole seconds are enough here).
pub(crate) fn to_time(dt: &aws_smithy_types::DateTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(dt.secs()).ok()
}

/// Access key status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Usable.
    Active,
    /// Disabled; can be re-activated, is not deleted.
    Inactive,
}

impl KeyStatus {
    /// `Active` / `Inactive`, as IAM spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Inactive => "Inactive",
        }
    }

    fn to_sdk(self) -> StatusType {
        match self {
            KeyStatus::Active => StatusType::Active,
            KeyStatus::Inactive => StatusType::Inactive,
        }
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamUser {
    /// User name.
    pub name: String,
    /// User ARN.
    pub arn: String,
    /// When the user was created.
    pub created: Option<OffsetDateTime>,
}

/// An access key's metadata (no secret: IAM never returns it after creation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyMeta {
    /// Owner.
    pub user: String,
    /// `AKIA…`.
    pub access_key_id: String,
    /// Current status; `None` if IAM answered something else.
    pub status: Option<KeyStatus>,
    /// The raw status text when it is neither Active nor Inactive.
    pub raw_status: String,
    /// Creation time.
    pub created: Option<OffsetDateTime>,
}

/// When and where a key was last used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyLastUsed {
    /// Owner, when IAM says (it does for keys in the caller's account).
    pub user: Option<String>,
    /// Last use; `None` if never used (or before IAM started tracking, April 2015).
    pub date: Option<OffsetDateTime>,
    /// Service last called, e.g. `s3`; `None` for `N/A`.
    pub service: Option<String>,
    /// Region last called; `None` for `N/A`.
    pub region: Option<String>,
}

/// A freshly created key. The secret is shown once by whoever holds this, then dropped.
/// Not `Clone`, not `Serialize`; `Debug` redacts the secret.
pub struct NewAccessKey {
    /// Owner.
    pub user: String,
    /// `AKIA…`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// Creation time.
    pub created: Option<OffsetDateTime>,
}

impl fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("user", &self.user)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("created", &self.created)
            .finish()
    }
}

fn na(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s != "N/A").then(|| s.to_string())
}

/// IAM client for the calls above.
#[derive(Debug, Clone)]
pub struct Iam {
    client: aws_sdk_iam::Client,
}

impl Iam {
    /// A client from a loaded SDK configuration (endpoint, region, credentials).
    pub fn new(conf: &aws_config::SdkConfig) -> Self {
        Iam {
            client: aws_sdk_iam::Client::new(conf),
        }
    }

    /// Every IAM user (`iam:ListUsers`, all pages).
    pub async fn list_users(&self) -> Result<Vec<IamUser>, IamError> {
        const ACTION: &str = "iam:ListUsers";
        let mut users = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_users()
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| iam_error(ACTION, || "users".into(), &e))?;
            for u in out.users() {
                users.push(IamUser {
                    name: u.user_name().to_string(),
                    arn: u.arn().to_string(),
                    created: to_time(u.create_date()),
                });
            }
            match (out.is_truncated(), out.marker()) {
                (true, Some(m)) if !m.is_empty() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(users)
    }

    /// A user's access keys (`iam:ListAccessKeys`, all pages).
    pub async fn list_access_keys(&self, user: &str) -> Result<Vec<AccessKeyMeta>, IamError> {
        const ACTION: &str = "iam:ListAccessKeys";
        let mut keys = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_access_keys()
                .user_name(user)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| iam_error(ACTION, || format!("user {user:?}"), &e))?;
            for k in out.access_key_metadata() {
                let raw_status = k.status().map(|s| s.as_str().to_string());
                keys.push(AccessKeyMeta {
                    user: k.user_name().unwrap_or(user).to_string(),
                    access_key_id: k.access_key_id().unwrap_or_default().to_string(),
                    status: match k.status() {
                        Some(StatusType::Active) => Some(KeyStatus::Active),
                        Some(StatusType::Inactive) => Some(KeyStatus::Inactive),
                        _ => None,
                    },
                    raw_status: raw_status.unwrap_or_default(),
                    created: k.create_date().and_then(to_time),
                });
            }
            match (out.is_truncated(), out.marker()) {
                (true, Some(m)) if !m.is_empty() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(keys)
    }

    /// When, where and by which service a key was last used (`iam:GetAccessKeyLastUsed`).
    pub async fn access_key_last_used(&self, access_key_id: &str) -> Result<KeyLastUsed, IamError> {
        const ACTION: &str = "iam:GetAccessKeyLastUsed";
        let out = self
            .client
            .get_access_key_last_used()
            .access_key_id(access_key_id)
            .send()
            .await
            .map_err(|e| iam_error(ACTION, || format!("access key {access_key_id}"), &e))?;
        let used = out.access_key_last_used();
        Ok(KeyLastUsed {
            user: out.user_name().and_then(na),
            date: used.and_then(|u| u.last_used_date()).and_then(to_time),
            service: used.and_then(|u| na(u.service_name())),
            region: used.and_then(|u| na(u.region())),
        })
    }

    /// Sets a key's status (`iam:UpdateAccessKey`). Never deletes.
    pub async fn set_access_key_status(
        &self,
        user: &str,
        access_key_id: &str,
        status: KeyStatus,
    ) -> Result<(), IamError> {
        const ACTION: &str = "iam:UpdateAccessKey";
        self.client
            .update_access_key()
            .user_name(user)
            .access_key_id(access_key_id)
            .status(status.to_sdk())
            .send()
            .await
            .map_err(|e| {
                iam_error(
                    ACTION,
                    || format!("access key {access_key_id} of user {user:?}"),
                    &e,
                )
            })?;
        Ok(())
    }

    /// Creates an access key for `user` (`iam:CreateAccessKey`).
    #[tracing::instrument(skip(self))]
    pub async fn create_access_key(&self, user: &str) -> Result<NewAccessKey, IamError> {
        const ACTION: &str = "iam:CreateAccessKey";
        let out = self
            .client
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .map_err(|e| iam_error(ACTION, || user.to_string(), &e))?;
        let key = out.access_key().ok_or(IamError::Unavailable {
            action: ACTION,
            reason: "the answer held no key",
        })?;
        Ok(NewAccessKey {
            user: key.user_name().to_string(),
            access_key_id: key.access_key_id().to_string(),
            secret_access_key: SecretString::from(key.secret_access_key().to_string()),
            created: key.create_date().and_then(to_time),
        })
    }

    /// Deletes an access key (`iam:DeleteAccessKey`). Only `keys rotate` calls this: with
    /// `--delete-inactive` for an Inactive key that blocks the two-key quota, and to undo the
    /// key it just created when the new secret could not be stored.
    pub async fn delete_access_key(&self, user: &str, access_key_id: &str) -> Result<(), IamError> {
        const ACTION: &str = "iam:DeleteAccessKey";
        self.client
            .delete_access_key()
            .user_name(user)
            .access_key_id(access_key_id)
            .send()
            .await
            .map_err(|e| {
                iam_error(
                    ACTION,
                    || format!("access key {access_key_id} of user {user:?}"),
                    &e,
                )
            })?;
        Ok(())
    }
}
