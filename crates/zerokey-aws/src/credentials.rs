//! AWS credentials in memory: secret parts are zeroized on drop and never printed.
//!
//! [`AwsCredentials`] is the one credential type of zerokey: long-term keys (no session
//! token, no expiry) and temporary ones from STS (session token and expiry) alike.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use time::OffsetDateTime;

/// RFC 3339 form of a time, as AWS SDKs read `Expiration` and `AWS_CREDENTIAL_EXPIRATION`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// An access key pair, optionally with a session token and an expiry. Not `Serialize`, not
/// `Clone`: a second copy is made only on purpose, with [`AwsCredentials::duplicate`].
pub struct AwsCredentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    expiration: Option<OffsetDateTime>,
}

impl AwsCredentials {
    /// Wraps a key pair (and session token, for temporary credentials).
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: SecretString,
        session_token: Option<SecretString>,
    ) -> Self {
        AwsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key,
            session_token,
            expiration: None,
        }
    }

    /// The same credentials with an expiry.
    #[must_use]
    pub fn with_expiration(mut self, expiration: OffsetDateTime) -> Self {
        self.expiration = Some(expiration);
        self
    }

    /// Copies STS's answer into zeroizing storage.
    pub(crate) fn from_sts(c: &aws_sdk_sts::types::Credentials) -> Self {
        let expiration = OffsetDateTime::from_unix_timestamp(c.expiration().secs())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        AwsCredentials::new(
            c.access_key_id(),
            SecretString::from(c.secret_access_key().to_string()),
            Some(SecretString::from(c.session_token().to_string())),
        )
        .with_expiration(expiration)
    }

    /// The access key id (not secret on its own).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key, for the one place that must hand it on (a child's
    /// environment, a `credential_process` answer, the broker's credentials answer).
    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
    }

    /// When the credentials stop working (temporary credentials only).
    pub fn expiration(&self) -> Option<OffsetDateTime> {
        self.expiration
    }

    /// Seconds left before expiry at `now` (`None` for credentials that do not expire).
    pub fn seconds_left(&self, now: OffsetDateTime) -> Option<i64> {
        self.expiration.map(|e| (e - now).whole_seconds())
    }

    /// SDK credentials for one client. The copy lives inside the SDK's own `Credentials`,
    /// which also redacts its `Debug` output.
    pub(crate) fn to_sdk(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.expose_secret().to_string(),
            self.session_token
                .as_ref()
                .map(|t| t.expose_secret().to_string()),
            self.expiration
                .and_then(|e| u64::try_from(e.unix_timestamp()).ok())
                .map(|s| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s)),
            "zerokey",
        )
    }
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canary() -> AwsCredentials {
        AwsCredentials::new(
            "AKIAZ3MHQ7VXL2WRT5NB",
            SecretString::from("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"),
            Some(SecretString::from("IQoJb3JpZ2luX2VjEsessiontoken")),
        )
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = canary();
        let dbg = format!("{c:?} {:?}", c.to_sdk());
        assert!(!dbg.contains("Xq9vT2"), "{dbg}");
        assert!(!dbg.contains("sessiontoken"), "{dbg}");
    }

    #[test]
    fn expiry_reaches_the_sdk_credentials() {
        let at = OffsetDateTime::from_unix_timestamp(2_000_000_000).unwrap();
        let c = canary().with_expiration(at);
        let sdk = c.to_sdk();
        let back = sdk
            .expiry()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| OffsetDateTime::from_unix_timestamp(d.as_secs() as i64).ok());
        assert_eq!(back, Some(at));
        assert_eq!(sdk.access_key_id(), c.access_key_id());
        assert_eq!(c.seconds_left(at - time::Duration::seconds(90)), Some(90));
        assert_eq!(canary().expiration(), None);
    }
}
