//! OIDC web identity: a [`WebIdentityToken`] (a JWT whose claims we decode, without checking
//! the signature: STS does that) and `sts:AssumeRoleWithWebIdentity`, which needs no AWS
//! credentials at all. The token is a bearer credential: it lives in a `SecretString` and
//! appears in no error, log or `Debug` output.

use crate::sts::{classify, FailureKind};
use crate::{rfc3339, AwsCredentials};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::fmt;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The audience AWS expects in tokens it trades (GitHub's `aws-actions` default too).
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";

/// Largest token accepted (real ones are 1-2 KB).
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Claims shown to the user and checked before the token is sent anywhere. Nothing here is
/// secret: a JWT's claims are signed, not encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// `iss`: who issued the token.
    pub issuer: Option<String>,
    /// `sub`: whom it is about (for GitHub: `repo:ORG/REPO:ref:refs/heads/main`).
    pub subject: Option<String>,
    /// `aud`: for whom it is meant (one or several).
    pub audience: Vec<String>,
    /// `exp` as RFC 3339.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// `iat` as RFC 3339.
    #[serde(with = "time::serde::rfc3339::option")]
    pub issued_at: Option<OffsetDateTime>,
    /// `nbf` as RFC 3339.
    #[serde(skip)]
    pub not_before: Option<OffsetDateTime>,
    /// GitHub's descriptive claims when present (`repository`, `ref`, `environment`, …).
    pub context: Vec<(String, String)>,
}

/// Claims of GitHub Actions tokens worth showing next to the standard ones.
const CONTEXT_CLAIMS: [&str; 6] = [
    "repository",
    "ref",
    "environment",
    "workflow_ref",
    "job_workflow_ref",
    "event_name",
];

/// Why a token cannot be used. Never carries the token or any part of it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Empty after trimming.
    #[error("the OIDC token from {source_name} is empty")]
    Empty {
        /// Where the token came from (a file path or an endpoint name).
        source_name: String,
    },
    /// Larger than [`MAX_TOKEN_BYTES`].
    #[error("the OIDC token from {source_name} is larger than {MAX_TOKEN_BYTES} bytes")]
    TooLarge {
        /// Where the token came from.
        source_name: String,
    },
    /// Not three base64url parts with a JSON object in the middle.
    #[error(
        "the OIDC token from {source_name} is not a JWT ({reason}); expected header.payload.signature"
    )]
    NotJwt {
        /// Where the token came from.
        source_name: String,
        /// Which part is wrong (never its content).
        reason: &'static str,
    },
    /// `exp` is in the past.
    #[error(
        "the OIDC token from {source_name} expired at {expired_at} ({ago} ago); request a fresh token"
    )]
    Expired {
        /// Where the token came from.
        source_name: String,
        /// Its `exp`, RFC 3339.
        expired_at: String,
        /// How long ago, e.g. `5m 3s`.
        ago: String,
    },
    /// `nbf` is in the future.
    #[error("the OIDC token from {source_name} is not valid before {not_before}")]
    NotYetValid {
        /// Where the token came from.
        source_name: String,
        /// Its `nbf`, RFC 3339.
        not_before: String,
    },
    /// `aud` does not name the expected audience.
    #[error(
        "the OIDC token from {source_name} is meant for audience {found} but {expected:?} is \
         required (--audience); request the token for {expected:?} or change the role's trust policy \
         and pass --audience"
    )]
    AudienceMismatch {
        /// Where the token came from.
        source_name: String,
        /// The audience we need.
        expected: String,
        /// What the token says (claims are not secret).
        found: String,
    },
}

/// An OIDC token with its decoded claims. `Debug` shows the claims only.
pub struct WebIdentityToken {
    raw: SecretString,
    claims: Claims,
    source_name: String,
}

impl fmt::Debug for WebIdentityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityToken")
            .field("source", &self.source_name)
            .field("claims", &self.claims)
            .field("token", &"[redacted]")
            .finish()
    }
}

fn b64url_decode(part: &str) -> Option<Zeroizing<Vec<u8>>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .ok()
        .map(Zeroizing::new)
}

fn timestamp(v: Option<&serde_json::Value>) -> Option<OffsetDateTime> {
    let secs = v?.as_f64()?;
    OffsetDateTime::from_unix_timestamp(secs as i64).ok()
}

fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m {}s", secs / 60, secs % 60),
        _ => format!("{}h {}m", secs / 3600, (secs % 3600) / 60),
    }
}

impl WebIdentityToken {
    /// Decodes `raw` (surrounding whitespace is ignored). `source_name` says where it came
    /// from, for errors: a file path or an endpoint name, never the token.
    pub fn parse(raw: SecretString, source_name: &str) -> Result<Self, TokenError> {
        let source = || source_name.to_string();
        let text = raw.expose_secret().trim();
        if text.is_empty() {
            return Err(TokenError::Empty {
                source_name: source(),
            });
        }
        if text.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge {
                source_name: source(),
            });
        }
        let not_jwt = |reason| TokenError::NotJwt {
            source_name: source(),
            reason,
        };
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(not_jwt("it does not have three non-empty parts"));
        }
        let header = b64url_decode(parts[0]).ok_or_else(|| not_jwt("header is not base64url"))?;
        if !serde_json::from_slice::<serde_json::Value>(&header).is_ok_and(|v| v.is_object()) {
            return Err(not_jwt("header is not a JSON object"));
        }
        let payload = b64url_decode(parts[1]).ok_or_else(|| not_jwt("payload is not base64url"))?;
        let value: serde_json::Value =
            serde_json::from_slice(&payload).map_err(|_| not_jwt("payload is not JSON"))?;
        let obj = value
            .as_object()
            .ok_or_else(|| not_jwt("payload is not a JSON object"))?;
        let string = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let audience = match obj.get("aud") {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let context = CONTEXT_CLAIMS
            .iter()
            .filter_map(|k| string(k).map(|v| ((*k).to_string(), v)))
            .collect();
        let claims = Claims {
            issuer: string("iss"),
            subject: string("sub"),
            audience,
            expires_at: timestamp(obj.get("exp")),
            issued_at: timestamp(obj.get("iat")),
            not_before: timestamp(obj.get("nbf")),
            context,
        };
        let raw = SecretString::from(text.to_string());
        Ok(WebIdentityToken {
            raw,
            claims,
            source_name: source_name.to_string(),
        })
    }

    /// The decoded claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Where the token came from.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The token itself. Callers must not log or print it.
    pub fn secret(&self) -> &SecretString {
        &self.raw
    }

    /// Checks expiry (`exp` strictly; `nbf` with `leeway_secs` of clock skew) and that `aud` names
    /// `audience`, at time `now`.
    pub fn check(
        &self,
        audience: &str,
        now: OffsetDateTime,
        leeway_secs: i64,
    ) -> Result<(), TokenError> {
        let c = &self.claims;
        if let Some(exp) = c.expires_at {
            let past = (now - exp).whole_seconds();
            // STS refuses an expired token whatever our leeway, so expiry is strict.
            if past >= 0 {
                return Err(TokenError::Expired {
                    source_name: self.source_name.clone(),
                    expired_at: rfc3339(exp),
                    ago: human_duration(past),
                });
            }
        }
        if let Some(nbf) = c.not_before {
            if (nbf - now).whole_seconds() > leeway_secs {
                return Err(TokenError::NotYetValid {
                    source_name: self.source_name.clone(),
                    not_before: rfc3339(nbf),
                });
            }
        }
        if !c.audience.iter().any(|a| a == audience) {
            let found = if c.audience.is_empty() {
                "(none)".to_string()
            } else {
                format!("{:?}", c.audience)
            };
            return Err(TokenError::AudienceMismatch {
                source_name: self.source_name.clone(),
                expected: audience.to_string(),
                found,
            });
        }
        Ok(())
    }
}

/// Why `AssumeRoleWithWebIdentity` failed, in our words (AWS's raw text stays out).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebIdentityError {
    /// STS rejected the token (bad signature, unknown provider, expired, claims refused).
    #[error(
        "STS rejected the OIDC token ({code}): check that an IAM OIDC identity provider for \
         the token's issuer exists and that the role's trust policy accepts its sub/aud claims"
    )]
    TokenRejected {
        /// AWS error code.
        code: String,
    },
    /// The role exists but may not be assumed with this token.
    #[error(
        "role {role_arn} could not be assumed with web identity ({code}): its trust policy must \
         allow sts:AssumeRoleWithWebIdentity for this token's issuer, subject and audience"
    )]
    RoleNotAssumable {
        /// The role asked for.
        role_arn: String,
        /// AWS error code or HTTP status.
        code: String,
    },
    /// STS could not be reached or answered unexpectedly.
    #[error("STS AssumeRoleWithWebIdentity failed: {0}")]
    Unavailable(String),
}

/// What to assume with a web identity token.
#[derive(Debug, Clone)]
pub struct WebIdentityRequest {
    /// `arn:aws:iam::<account>:role/<name>` (validate with
    /// [`crate::validate::role_arn`]).
    pub role_arn: String,
    /// Session name.
    pub session_name: String,
    /// Session length in seconds.
    pub duration_secs: u32,
    /// Region for the STS endpoint.
    pub region: String,
    /// Inline session policy (compact JSON).
    pub policy: Option<String>,
    /// Managed session policy ARNs.
    pub policy_arns: Vec<String>,
}

/// Trades `token` for temporary credentials of `req.role_arn`. The call is unsigned (no AWS
/// credentials are needed or used); the endpoint follows `AWS_ENDPOINT_URL_STS` /
/// `AWS_ENDPOINT_URL`.
pub async fn assume_role_with_web_identity(
    token: &WebIdentityToken,
    req: &WebIdentityRequest,
) -> Result<AwsCredentials, WebIdentityError> {
    let client = crate::client::sts(&req.region, None);
    let mut call = client
        .assume_role_with_web_identity()
        .role_arn(&req.role_arn)
        .role_session_name(&req.session_name)
        .duration_seconds(i32::try_from(req.duration_secs).unwrap_or(i32::MAX))
        .web_identity_token(token.secret().expose_secret());
    if let Some(p) = &req.policy {
        call = call.policy(p);
    }
    for arn in &req.policy_arns {
        call = call.policy_arns(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn(arn)
                .build(),
        );
    }
    let result = call.send().await;
    match result {
        Ok(out) => out
            .credentials()
            .map(AwsCredentials::from_sts)
            .ok_or_else(|| WebIdentityError::Unavailable("STS returned no credentials".into())),
        Err(e) => {
            let f = classify(&e);
            Err(match f.kind {
                FailureKind::TokenRejected => WebIdentityError::TokenRejected { code: f.code },
                FailureKind::Denied | FailureKind::CredentialsRejected => {
                    WebIdentityError::RoleNotAssumable {
                        role_arn: req.role_arn.clone(),
                        code: f.code,
                    }
                }
                FailureKind::Invalid | FailureKind::Unavailable => {
                    WebIdentityError::Unavailable(f.reason())
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> SecretString {
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        SecretString::from(format!(
            "{}.{}.c2lnbmF0dXJlQ0FOQVJZ",
            e(r#"{"alg":"RS256","typ":"JWT"}"#),
            e(payload)
        ))
    }

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn decodes_github_claims() {
        let t = WebIdentityToken::parse(
            jwt(r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:o/r:ref:refs/heads/main","aud":"sts.amazonaws.com","exp":2000000000,"iat":1999999000,"repository":"o/r"}"#),
            "test",
        )
        .unwrap();
        let c = t.claims();
        assert_eq!(c.subject.as_deref(), Some("repo:o/r:ref:refs/heads/main"));
        assert_eq!(c.audience, vec!["sts.amazonaws.com".to_string()]);
        assert_eq!(c.expires_at, Some(at(2_000_000_000)));
        assert_eq!(c.context, vec![("repository".into(), "o/r".into())]);
        assert!(t.check(DEFAULT_AUDIENCE, at(1_999_999_500), 0).is_ok());
        assert!(!format!("{t:?}").contains("c2lnbmF0dXJl"));
    }

    #[test]
    fn expired_and_wrong_audience() {
        let t = WebIdentityToken::parse(jwt(r#"{"aud":["a","b"],"exp":1000}"#), "f").unwrap();
        match t.check("a", at(1300), 0) {
            Err(TokenError::Expired {
                ago, expired_at, ..
            }) => {
                assert_eq!(ago, "5m 0s");
                assert_eq!(expired_at, "1970-01-01T00:16:40Z");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            t.check("c", at(900), 0),
            Err(TokenError::AudienceMismatch { .. })
        ));
        assert!(t.check("b", at(900), 0).is_ok());
    }

    #[test]
    fn not_a_jwt_never_echoes_the_token() {
        for bad in ["CANARYTOKEN", "a.b", "x.y.z", "e30.!!!.sig"] {
            let err = WebIdentityToken::parse(SecretString::from(bad.to_string()), "f")
                .unwrap_err()
                .to_string();
            assert!(err.contains("not a JWT"), "{err}");
            assert!(!err.contains("CANARY"), "{err}");
        }
        assert!(matches!(
            WebIdentityToken::parse(SecretString::from("  \n".to_string()), "f"),
            Err(TokenError::Empty { .. })
        ));
    }
}
