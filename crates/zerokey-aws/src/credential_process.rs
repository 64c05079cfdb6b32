//! The answer of a `credential_process` program, as every AWS SDK and the AWS CLI read it:
//! one JSON object — Version 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration — built
//! in one zeroizing buffer.

use crate::{rfc3339, AwsCredentials};
use secrecy::ExposeSecret;
use zeroize::Zeroizing;

/// The answer the SDKs read (borrowed: the one copy is the zeroized output buffer).
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Answer<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: &'a str,
}

/// Why the credentials cannot be handed over.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// Long-term keys: the SDKs would cache them forever.
    #[error("the credentials obtained have no session token")]
    NoSessionToken,
    /// Without `Expiration` the SDKs never ask again.
    #[error("the credentials obtained have no expiry")]
    NoExpiry,
    /// Serializing failed.
    #[error("writing the answer")]
    Json(#[source] serde_json::Error),
}

/// The JSON line (with its newline) a `credential_process` program prints for `creds`.
pub fn answer(creds: &AwsCredentials) -> Result<Zeroizing<Vec<u8>>, AnswerError> {
    let token = creds.session_token().ok_or(AnswerError::NoSessionToken)?;
    let expiration = creds
        .expiration()
        .map(rfc3339)
        .ok_or(AnswerError::NoExpiry)?;
    let mut out = Zeroizing::new(
        serde_json::to_vec(&Answer {
            version: 1,
            access_key_id: creds.access_key_id(),
            secret_access_key: creds.secret_access_key().expose_secret(),
            session_token: token.expose_secret(),
            expiration: &expiration,
        })
        .map_err(AnswerError::Json)?,
    );
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use secrecy::SecretString;
    use time::OffsetDateTime;

    fn creds(token: bool) -> AwsCredentials {
        AwsCredentials::new(
            "ASIAEXAMPLEKEYID0001",
            SecretString::from("not-a-real-secret".to_string()),
            token.then(|| SecretString::from("not-a-real-token".to_string())),
        )
    }

    #[test]
    fn the_answer_is_one_json_line_the_sdks_read() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let out = answer(&creds(true).with_expiration(at)).unwrap();
        assert_eq!(out.last(), Some(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "Version": 1,
                "AccessKeyId": "ASIAEXAMPLEKEYID0001",
                "SecretAccessKey": "not-a-real-secret",
                "SessionToken": "not-a-real-token",
                "Expiration": "2023-11-14T22:13:20Z",
            })
        );
    }

    #[test]
    fn long_term_or_endless_credentials_are_refused() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let e = answer(&creds(false).with_expiration(at))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("the credentials obtained have no session token")
        );
        let e = answer(&creds(true)).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("the credentials obtained have no expiry")
        );
    }
}
