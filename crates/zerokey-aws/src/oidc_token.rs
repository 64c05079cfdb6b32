//! Where `zerokey oidc` gets its OIDC token, in order: `--token-file`,
//! `AWS_WEB_IDENTITY_TOKEN_FILE`, GitHub Actions' token endpoint
//! (`ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, for `--audience`).
//! The token and the request token are bearer credentials: `SecretString`, never printed.

use crate::web_identity::{TokenError, WebIdentityToken, MAX_TOKEN_BYTES};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub use zerokey_core::env::{
    ACTIONS_ID_TOKEN_REQUEST_TOKEN, ACTIONS_ID_TOKEN_REQUEST_URL, AWS_WEB_IDENTITY_TOKEN_FILE,
};

/// Why no token could be had. Never carries the token or the request token.
#[derive(Debug, thiserror::Error)]
pub enum OidcTokenError {
    /// No source, a half-configured source, or an endpoint that refused; the message says
    /// what to set or check.
    #[error("{0}")]
    Source(String),
    /// The token file could not be read.
    #[error("{context}")]
    Read {
        /// The flag or variable and the file.
        context: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error("building the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The token is not a usable JWT.
    #[error(transparent)]
    Token(#[from] TokenError),
}

fn bad<T>(message: String) -> Result<T, OidcTokenError> {
    Err(OidcTokenError::Source(message))
}

/// A place a token can be read from.
pub enum TokenSource {
    /// A file, from `--token-file` or `AWS_WEB_IDENTITY_TOKEN_FILE` (`flag` says which).
    File {
        /// The file.
        path: PathBuf,
        /// `--token-file` or `AWS_WEB_IDENTITY_TOKEN_FILE`.
        flag: &'static str,
    },
    /// GitHub Actions' OIDC endpoint.
    GitHub {
        /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
        url: reqwest::Url,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
        request_token: SecretString,
    },
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl TokenSource {
    /// Safe description, e.g. `--token-file /tmp/t` or `GitHub Actions OIDC endpoint`.
    pub fn describe(&self) -> String {
        match self {
            TokenSource::File { path, flag } => format!("{flag} {}", path.display()),
            TokenSource::GitHub { .. } => "the GitHub Actions OIDC endpoint".to_string(),
        }
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Picks the first available source. `env` reads a variable (the process environment in
/// the binary; a map in tests).
pub fn discover(
    token_file: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<TokenSource, OidcTokenError> {
    if let Some(path) = token_file {
        return Ok(TokenSource::File {
            path: path.to_path_buf(),
            flag: "--token-file",
        });
    }
    if let Some(path) = env(AWS_WEB_IDENTITY_TOKEN_FILE) {
        return Ok(TokenSource::File {
            path: PathBuf::from(path),
            flag: AWS_WEB_IDENTITY_TOKEN_FILE,
        });
    }
    match (
        env(ACTIONS_ID_TOKEN_REQUEST_URL),
        env(ACTIONS_ID_TOKEN_REQUEST_TOKEN),
    ) {
        (Some(url), Some(token)) => {
            let url = github_url(&url)?;
            Ok(TokenSource::GitHub {
                url,
                request_token: SecretString::from(token),
            })
        }
        (Some(_), None) => bad(format!(
            "{ACTIONS_ID_TOKEN_REQUEST_URL} is set but {ACTIONS_ID_TOKEN_REQUEST_TOKEN} is not: \
             GitHub sets both when the job has `permissions: id-token: write`"
        )),
        (None, Some(_)) => bad(format!(
            "{ACTIONS_ID_TOKEN_REQUEST_TOKEN} is set but {ACTIONS_ID_TOKEN_REQUEST_URL} is not: \
             GitHub sets both when the job has `permissions: id-token: write`"
        )),
        (None, None) => bad(format!(
            "no OIDC token source found: pass --token-file FILE, set {AWS_WEB_IDENTITY_TOKEN_FILE}, \
             or run in GitHub Actions with `permissions: id-token: write` on the job (which sets \
             {ACTIONS_ID_TOKEN_REQUEST_URL} and {ACTIONS_ID_TOKEN_REQUEST_TOKEN})"
        )),
    }
}

/// Checks `ACTIONS_ID_TOKEN_REQUEST_URL`: https, or http on loopback only (the request token
/// must not cross a network in clear).
fn github_url(raw: &str) -> Result<reqwest::Url, OidcTokenError> {
    let url = reqwest::Url::parse(raw).map_err(|_| {
        OidcTokenError::Source(format!("{ACTIONS_ID_TOKEN_REQUEST_URL} is not a URL"))
    })?;
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    );
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => bad(format!(
            "{ACTIONS_ID_TOKEN_REQUEST_URL} must be an https URL (plain http only on loopback)"
        )),
    }
}

/// The environment as [`discover`] reads it.
pub fn process_env(name: &str) -> Option<String> {
    env_nonempty(name)
}

/// Reads the token from `source` and decodes its claims.
pub async fn fetch(
    source: &TokenSource,
    audience: &str,
) -> Result<WebIdentityToken, OidcTokenError> {
    let raw = match source {
        TokenSource::File { path, flag } => read_token_file(path, flag)?,
        TokenSource::GitHub { url, request_token } => {
            request_github(url, request_token, audience).await?
        }
    };
    Ok(WebIdentityToken::parse(raw, &source.describe())?)
}

fn read_token_file(path: &Path, flag: &str) -> Result<SecretString, OidcTokenError> {
    let file = fs_err::File::open(path).map_err(|source| OidcTokenError::Read {
        context: format!("{flag}: cannot read the token"),
        source,
    })?;
    let mut buf = Zeroizing::new(Vec::new());
    file.take(MAX_TOKEN_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|source| OidcTokenError::Read {
            context: format!("{flag} {}: cannot read the token", path.display()),
            source,
        })?;
    if buf.len() > MAX_TOKEN_BYTES {
        return bad(format!(
            "{flag} {}: larger than {MAX_TOKEN_BYTES} bytes, not an OIDC token",
            path.display()
        ));
    }
    let text = std::str::from_utf8(&buf).map_err(|_| {
        OidcTokenError::Source(format!(
            "{flag} {}: not UTF-8 text, not an OIDC token",
            path.display()
        ))
    })?;
    Ok(SecretString::from(text.to_string()))
}

#[derive(Deserialize)]
struct GitHubTokenBody {
    value: String,
}

async fn request_github(
    url: &reqwest::Url,
    request_token: &SecretString,
    audience: &str,
) -> Result<SecretString, OidcTokenError> {
    let mut url = url.clone();
    url.query_pairs_mut().append_pair("audience", audience);
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(OidcTokenError::Client)?;
    let resp = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .header(
            reqwest::header::AUTHORIZATION,
            format!("bearer {}", request_token.expose_secret()),
        )
        .send()
        .await
        .map_err(|e| {
            OidcTokenError::Source(format!(
                "the GitHub Actions OIDC endpoint could not be reached ({})",
                e.without_url()
            ))
        })?;
    let status = resp.status();
    if !status.is_success() {
        return bad(format!(
            "the GitHub Actions OIDC endpoint refused the token request (HTTP {}): check that the \
             job has `permissions: id-token: write`",
            status.as_u16()
        ));
    }
    let body = Zeroizing::new(
        resp.bytes()
            .await
            .map_err(|e| {
                OidcTokenError::Source(format!(
                    "reading the GitHub Actions OIDC answer failed ({})",
                    e.without_url()
                ))
            })?
            .to_vec(),
    );
    let mut parsed: GitHubTokenBody = serde_json::from_slice(&body).map_err(|_| {
        OidcTokenError::Source(
            "the GitHub Actions OIDC endpoint's answer has no token (expected {\"value\": …})"
                .into(),
        )
    })?;
    Ok(SecretString::from(std::mem::take(&mut parsed.value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn order_of_sources() {
        let all = [
            (AWS_WEB_IDENTITY_TOKEN_FILE, "/env/token"),
            (
                ACTIONS_ID_TOKEN_REQUEST_URL,
                "https://gh.example/t?api-version=2.0",
            ),
            (ACTIONS_ID_TOKEN_REQUEST_TOKEN, "CANARYREQ"),
        ];
        let s = discover(Some(Path::new("/flag/token")), env(&all)).unwrap();
        assert_eq!(s.describe(), "--token-file /flag/token");
        let s = discover(None, env(&all)).unwrap();
        assert_eq!(s.describe(), "AWS_WEB_IDENTITY_TOKEN_FILE /env/token");
        let s = discover(None, env(&all[1..])).unwrap();
        assert!(matches!(s, TokenSource::GitHub { .. }));
        assert!(!format!("{s:?}").contains("CANARYREQ"));
    }

    #[test]
    fn missing_variables_are_named() {
        let e = discover(None, env(&[])).unwrap_err().to_string();
        assert!(e.contains("no OIDC token source"), "{e}");
        let e = discover(None, env(&[(ACTIONS_ID_TOKEN_REQUEST_URL, "https://x/")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN is not"), "{e}");
        let e = discover(
            None,
            env(&[
                (ACTIONS_ID_TOKEN_REQUEST_URL, "http://gh.example/"),
                (ACTIONS_ID_TOKEN_REQUEST_TOKEN, "x"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("https"), "{e}");
    }
}
