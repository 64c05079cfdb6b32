//! AWS credentials in memory: secret parts are zeroized on drop and never printed.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// An access key pair, optionally with a session token. Not `Serialize`, not `Clone`.
pub struct AwsCredentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
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
        }
    }

    /// The access key id (not secret on its own).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key, for the one place that must hand it on (a child's
    /// environment, the broker's credentials answer).
    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
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
            None,
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
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = AwsCredentials::new(
            "AKIAZ3MHQ7VXL2WRT5NB",
            SecretString::from("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"),
            Some(SecretString::from("IQoJb3JpZ2luX2VjEsessiontoken")),
        );
        let dbg = format!("{c:?} {:?}", c.to_sdk());
        assert!(!dbg.contains("Xq9vT2"), "{dbg}");
        assert!(!dbg.contains("sessiontoken"), "{dbg}");
    }
}
