//! `zerokey exec --connection ID --server URL`: temporary credentials for one of the caller's
//! broker connections, from `POST /api/connections/{id}/credentials` with the API token in
//! `ZEROKEY_TOKEN`. The answer is `{accessKeyId, secretAccessKey, sessionToken, expiration}`;
//! nothing of it is kept after the child ends.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use time::OffsetDateTime;
use zeroize::{Zeroize, Zeroizing};
use zerokey_aws::AwsCredentials;

pub use zerokey_core::env::ZEROKEY_TOKEN;

/// Why no credentials came from the broker. Never carries the API token or a credential.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Bad flags, a refusal or an unreadable answer; the message names the server and
    /// connection.
    #[error("{0}")]
    Broker(String),
    /// The HTTP client could not be built.
    #[error("building the HTTP client")]
    Client(#[source] reqwest::Error),
}

fn bad<T>(message: String) -> Result<T, ClientError> {
    Err(ClientError::Broker(message))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsBody {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorInner,
}

#[derive(Deserialize)]
struct ErrorInner {
    code: String,
    message: String,
}

/// Checks a broker URL: https, or http on a loopback host (the token must not cross a
/// network in clear).
pub fn validate_server(server: &str) -> Result<reqwest::Url, ClientError> {
    let url = reqwest::Url::parse(server)
        .map_err(|e| ClientError::Broker(format!("--server {server:?}: not a URL ({e})")))?;
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    );
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return bad(format!(
            "--server {server:?}: plain http is allowed only on loopback; the API token would cross the network in clear"
        )),
        other => return bad(format!("--server {server:?}: unsupported scheme {other:?}")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad(format!(
            "--server: the URL must not carry credentials; put the API token in {ZEROKEY_TOKEN}"
        ));
    }
    Ok(url)
}

/// Asks the broker for temporary credentials of connection `id`.
pub async fn connection_credentials(
    server: &str,
    id: &str,
    duration_secs: u32,
) -> Result<AwsCredentials, ClientError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return bad(format!(
            "--connection {id:?}: not a connection id (letters, digits, - and _)"
        ));
    }
    let base = validate_server(server)?;
    let token = std::env::var(ZEROKEY_TOKEN)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(SecretString::from)
        .ok_or_else(|| {
            ClientError::Broker(format!(
                "--connection needs a broker API token in {ZEROKEY_TOKEN}"
            ))
        })?;
    let url = base
        .join(&format!("api/connections/{id}/credentials"))
        .map_err(|e| {
            ClientError::Broker(format!(
                "--server {server:?}: cannot build the request URL: {e}"
            ))
        })?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(ClientError::Client)?;
    let resp = client
        .post(url)
        .bearer_auth(token.expose_secret())
        .json(&serde_json::json!({ "durationSeconds": duration_secs }))
        .send()
        .await
        .map_err(|e| {
            ClientError::Broker(format!(
                "broker {server}: request failed ({})",
                e.without_url()
            ))
        })?;
    let status = resp.status();
    let body = Zeroizing::new(
        resp.bytes()
            .await
            .map_err(|e| {
                ClientError::Broker(format!(
                    "broker {server}: reading the answer failed ({})",
                    e.without_url()
                ))
            })?
            .to_vec(),
    );
    if !status.is_success() {
        let detail = serde_json::from_slice::<ErrorBody>(&body)
            .map(|b| format!(": {} ({})", b.error.message, b.error.code))
            .unwrap_or_default();
        return bad(format!(
            "broker {server} refused credentials for connection {id}: HTTP {status}{detail}"
        ));
    }
    let mut parsed: CredentialsBody = serde_json::from_slice(&body).map_err(|_| {
        ClientError::Broker(format!(
            "broker {server}: the answer is not {{accessKeyId, secretAccessKey, sessionToken, expiration}}"
        ))
    })?;
    let expiration = OffsetDateTime::parse(
        &parsed.expiration,
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|_| {
        ClientError::Broker(format!(
            "broker {server}: expiration is not an RFC 3339 time"
        ))
    })?;
    let creds = AwsCredentials::new(
        parsed.access_key_id.clone(),
        SecretString::from(std::mem::take(&mut parsed.secret_access_key)),
        Some(SecretString::from(std::mem::take(
            &mut parsed.session_token,
        ))),
    )
    .with_expiration(expiration);
    parsed.access_key_id.zeroize();
    Ok(creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers() {
        assert!(validate_server("https://zk.example.com").is_ok());
        assert!(validate_server("http://127.0.0.1:8080").is_ok());
        assert!(validate_server("http://zk.example.com").is_err());
        assert!(validate_server("https://u:p@zk.example.com").is_err());
        assert!(validate_server("ftp://x").is_err());
    }
}
