//! A CI job's role (`zerokey oidc`): checks the request, gets the job's OIDC token
//! ([`crate::oidc_token`]), checks its audience and expiry, assumes the role with
//! AssumeRoleWithWebIdentity, and summarises who we became. Neither the token nor a credential
//! is ever part of an error, a log line or the summary.

use crate::oidc_token::{self, OidcTokenError};
use crate::web_identity::{
    assume_role_with_web_identity, Claims, TokenError, WebIdentityError, WebIdentityRequest,
    WebIdentityToken,
};
use crate::{rfc3339, AwsCredentials, StsError};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::io::{self, Write};
use std::path::Path;
use time::OffsetDateTime;

pub use zerokey_core::env::{GITHUB_ACTIONS, GITHUB_RUN_ID};

/// Why the role could not be had.
#[derive(Debug, thiserror::Error)]
pub enum OidcRoleError {
    /// A bad flag; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// No token.
    #[error(transparent)]
    Token(#[from] OidcTokenError),
    /// A token that is not for this audience or has expired.
    #[error(transparent)]
    Claims(#[from] TokenError),
    /// STS refused the token or the role.
    #[error(transparent)]
    Assume(#[from] WebIdentityError),
    /// GetCallerIdentity with the role's credentials failed.
    #[error("GetCallerIdentity with the role's credentials")]
    Identity(#[source] StsError),
}

/// Which role to assume, with which token.
#[derive(Debug, Clone, Copy)]
pub struct OidcRole<'a> {
    /// Role to assume with AssumeRoleWithWebIdentity.
    pub role_arn: &'a str,
    /// `--token-file`, else `AWS_WEB_IDENTITY_TOKEN_FILE`, else GitHub Actions.
    pub token_file: Option<&'a Path>,
    /// Audience the token must be for.
    pub audience: &'a str,
    /// Session length in seconds.
    pub duration_secs: u32,
    /// Role session name; default [`default_session_name`].
    pub session_name: Option<&'a str>,
    /// Inline session policy (JSON) that narrows the session.
    pub policy: Option<&'a str>,
    /// Managed session policy ARNs that narrow the session.
    pub policy_arns: &'a [String],
}

impl OidcRole<'_> {
    /// Checks the flags before anything is fetched.
    pub fn validate(&self) -> Result<(), OidcRoleError> {
        let bad = |flag: &str, m: String| OidcRoleError::Invalid(format!("{flag}: {m}"));
        crate::validate::role_arn(self.role_arn).map_err(|m| bad("--role-arn", m))?;
        crate::validate::duration(self.duration_secs).map_err(|m| bad("--duration", m))?;
        if let Some(n) = self.session_name {
            crate::validate::session_name(n).map_err(|m| bad("--session-name", m))?;
        }
        if let Some(p) = self.policy {
            crate::validate::session_policy(p).map_err(|m| bad("--policy", m))?;
        }
        crate::validate::policy_arns(self.policy_arns).map_err(|m| bad("--policy-arn", m))?;
        if self.audience.is_empty() || self.audience.len() > 256 {
            return Err(OidcRoleError::Invalid(
                "--audience must be 1 to 256 characters".into(),
            ));
        }
        Ok(())
    }

    /// The token (claims checked) and the role's temporary credentials.
    pub async fn assume(
        &self,
        region: &str,
    ) -> Result<(WebIdentityToken, AwsCredentials), OidcRoleError> {
        let source = oidc_token::discover(self.token_file, oidc_token::process_env)?;
        let token = oidc_token::fetch(&source, self.audience).await?;
        token.check(self.audience, OffsetDateTime::now_utc(), 60)?;
        let req = WebIdentityRequest {
            role_arn: self.role_arn.to_string(),
            session_name: self
                .session_name
                .map_or_else(default_session_name, str::to_string),
            duration_secs: self.duration_secs,
            region: region.to_string(),
            policy: self
                .policy
                .map(crate::validate::session_policy)
                .transpose()
                .map_err(OidcRoleError::Invalid)?,
            policy_arns: self.policy_arns.to_vec(),
        };
        let creds = assume_role_with_web_identity(&token, &req).await?;
        tracing::info!(
            role = %self.role_arn,
            access_key_id = creds.access_key_id(),
            expires = %creds.expiration().map(rfc3339).unwrap_or_default(),
            "role assumed with web identity"
        );
        Ok((token, creds))
    }
}

/// Why `oidc retrieve` does not know where the secret goes.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretTargetError {
    /// `--env` without a command.
    #[error("--env NAME needs a COMMAND after `--` to give the secret to")]
    EnvWithoutCommand,
    /// `--print` with a command.
    #[error("--print and a COMMAND exclude each other; use --env NAME -- COMMAND")]
    PrintWithCommand,
    /// Neither.
    #[error(
        "say where the secret goes: --env NAME -- COMMAND (recommended: only that command \
         sees it) or --print (stdout)"
    )]
    Nowhere,
}

/// Where the secret of `oidc retrieve` goes: the variable of `--env` (`Some`, with a
/// command), or stdout with `--print` (`None`, without one).
pub fn secret_target(
    env: Option<&str>,
    print: bool,
    has_command: bool,
) -> Result<Option<&str>, SecretTargetError> {
    match (env, print, has_command) {
        (Some(name), _, true) => Ok(Some(name)),
        (Some(_), _, false) => Err(SecretTargetError::EnvWithoutCommand),
        (None, true, false) => Ok(None),
        (None, true, true) => Err(SecretTargetError::PrintWithCommand),
        (None, false, _) => Err(SecretTargetError::Nowhere),
    }
}

/// Writes `secret` and a newline to `out`; with `mask` (in GitHub Actions), first an
/// `::add-mask::` line for each of its non-blank lines, so the runner hides them in logs.
pub fn write_secret(out: &mut dyn Write, secret: &SecretString, mask: bool) -> io::Result<()> {
    if mask {
        for line in secret
            .expose_secret()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            writeln!(out, "::add-mask::{line}")?;
        }
    }
    writeln!(out, "{}", secret.expose_secret())
}

/// `true` inside GitHub Actions.
pub fn in_github_actions() -> bool {
    std::env::var(GITHUB_ACTIONS).is_ok_and(|v| v == "true")
}

/// `zerokey-gha-<run id>` in GitHub Actions, else `zerokey-oidc-<unix time>`.
pub fn default_session_name() -> String {
    match std::env::var(GITHUB_RUN_ID) {
        Ok(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && id.len() <= 40 => {
            format!("zerokey-gha-{id}")
        }
        _ => format!(
            "zerokey-oidc-{}",
            OffsetDateTime::now_utc().unix_timestamp()
        ),
    }
}

/// Who we became: claims, identity, role, session expiry. Nothing secret.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    token_source: &'a str,
    claims: &'a Claims,
    role_arn: &'a str,
    account: String,
    assumed_role_arn: String,
    #[serde(with = "time::serde::rfc3339")]
    session_expires_at: OffsetDateTime,
}

impl<'a> Summary<'a> {
    /// Asks STS who the role's credentials are.
    pub async fn new(
        token: &'a WebIdentityToken,
        creds: &AwsCredentials,
        role_arn: &'a str,
        region: &str,
    ) -> Result<Summary<'a>, OidcRoleError> {
        let who = crate::caller_identity(creds, region)
            .await
            .map_err(OidcRoleError::Identity)?;
        Ok(Summary {
            token_source: token.source_name(),
            claims: token.claims(),
            role_arn,
            account: who.account,
            assumed_role_arn: who.arn,
            session_expires_at: creds.expiration().unwrap_or(OffsetDateTime::UNIX_EPOCH),
        })
    }

    /// Aligned `name  value` lines.
    pub fn text(&self) -> String {
        let c = self.claims;
        let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        let time = |t: Option<OffsetDateTime>| match t {
            Some(t) => format!("{} ({})", rfc3339(t), until(t)),
            None => "(none)".into(),
        };
        let mut rows: Vec<(String, String)> = vec![
            ("token source".into(), self.token_source.to_string()),
            ("issuer".into(), or_none(&c.issuer)),
            ("subject".into(), or_none(&c.subject)),
            ("audience".into(), c.audience.join(", ")),
            ("token expires".into(), time(c.expires_at)),
        ];
        rows.extend(c.context.iter().cloned());
        rows.extend([
            ("role".into(), self.role_arn.to_string()),
            ("assumed role".into(), self.assumed_role_arn.clone()),
            ("account".into(), self.account.clone()),
            (
                "session expires".into(),
                time(Some(self.session_expires_at)),
            ),
        ]);
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        rows.iter()
            .map(|(k, v)| format!("{k:<width$}  {v}\n"))
            .collect()
    }
}

/// `in 5m 3s` or `2h 1m ago`.
fn until(t: OffsetDateTime) -> String {
    let secs = (t - OffsetDateTime::now_utc()).whole_seconds();
    let (sign, secs) = if secs < 0 { ("ago", -secs) } else { ("", secs) };
    let d = match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m {}s", secs / 60, secs % 60),
        _ => format!("{}h {}m", secs / 3600, (secs % 3600) / 60),
    };
    if sign.is_empty() {
        format!("in {d}")
    } else {
        format!("{d} ago")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn the_secret_goes_to_one_command_or_stdout() {
        assert_eq!(
            secret_target(Some("DB_PASSWORD"), false, true),
            Ok(Some("DB_PASSWORD"))
        );
        assert_eq!(secret_target(None, true, false), Ok(None));
        assert_eq!(
            secret_target(Some("X"), false, false),
            Err(SecretTargetError::EnvWithoutCommand)
        );
        let e = secret_target(None, true, true).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("--print and a COMMAND exclude each other; use --env NAME -- COMMAND")
        );
        let e = secret_target(None, false, true)
            .err()
            .map(|e| e.to_string());
        assert!(e
            .unwrap_or_default()
            .starts_with("say where the secret goes: --env NAME -- COMMAND (recommended"));
    }

    #[test]
    fn printed_secrets_are_masked_line_by_line_first() {
        let secret = SecretString::from("first\n\n  \nsecond".to_string());
        let mut out = Vec::new();
        write_secret(&mut out, &secret, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::add-mask::first\n::add-mask::second\nfirst\n\n  \nsecond\n"
        );
        let mut out = Vec::new();
        write_secret(&mut out, &secret, false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "first\n\n  \nsecond\n");
    }
}
