//! A child process with a role's AWS credentials: where they come from ([`CredentialSource`]:
//! AssumeRole with the base credentials, or a zerokey broker's connection), and the two ways
//! the child gets them — in its environment ([`run_with_credentials`]) or behind a local
//! container credential endpoint that refreshes them ([`run_with_endpoint`]). Used by
//! `zerokey exec` and `zerokey oidc exec`; nothing is cached or written.

use crate::child::{self, ChildCommand, ChildError, AWS_CHILD_VARS};
use crate::container_endpoint::{self, ContainerEndpoint, EndpointError};
use secrecy::{ExposeSecret, SecretString};
use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;
use zerokey_aws::{rfc3339, AssumeError, AwsCredentials, BaseAws, RoleSession};
use zerokey_core::Matcher;

/// Default refresh margin of the container endpoint: the SDKs ask the endpoint again 15
/// (botocore) or 5 (Rust, Go, Java) minutes before expiry; a margin above that means they get
/// fresh credentials.
pub const DEFAULT_REFRESH_MARGIN_SECS: u64 = 20 * 60;

/// Variables the child gets from us (or must not inherit) under the container endpoint:
/// every other way an SDK could find credentials first is cleared.
pub const ECS_CHILD_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
];

/// Why credentials could not be had or the child not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AwsChildError {
    /// AssumeRole failed (or its request was invalid).
    #[error(transparent)]
    Assume(#[from] AssumeError),
    /// The broker refused or could not be asked.
    #[error(transparent)]
    Broker(#[from] crate::client::ClientError),
    /// The container endpoint could not start.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The child could not be run.
    #[error(transparent)]
    Child(#[from] ChildError),
    /// No command was given.
    #[error("no COMMAND given after `--`")]
    NoCommand,
}

/// Where credentials come from, checked and ready to fetch (again, for a refreshing
/// endpoint).
#[derive(Debug, Clone)]
pub enum CredentialSource {
    /// AssumeRole with the base credentials.
    Role {
        /// The base configuration (provider chain, region, endpoint).
        base: Box<BaseAws>,
        /// The request.
        session: RoleSession,
    },
    /// A connection of a zerokey broker.
    Broker {
        /// The broker's URL.
        server: String,
        /// The connection id.
        id: String,
        /// Session length asked for.
        duration: u32,
    },
}

impl CredentialSource {
    /// Fetches a fresh set of credentials.
    pub async fn fetch(&self) -> Result<AwsCredentials, AwsChildError> {
        match self {
            CredentialSource::Role { base, session } => {
                base.ensure_credentials().await?;
                Ok(base.assume_role(&session.request()).await?.credentials)
            }
            CredentialSource::Broker {
                server,
                id,
                duration,
            } => Ok(crate::client::connection_credentials(server, id, *duration).await?),
        }
    }

    /// The role ARN, when known here.
    pub fn role_arn(&self) -> Option<&str> {
        match self {
            CredentialSource::Role { session, .. } => Some(&session.role_arn),
            CredentialSource::Broker { .. } => None,
        }
    }
}

/// How the child is run: what may pass through from our environment, whether its output is
/// redacted, and the engine that scrubs and redacts.
#[derive(Debug, Clone)]
pub struct ChildOptions {
    /// Variables let through even though they look secret.
    pub pass_env: Vec<String>,
    /// Pipe stdout and stderr through the engine and the known values.
    pub redact_output: bool,
    /// The detection engine.
    pub matcher: Arc<Matcher>,
}

/// A second zeroizing copy of a secret (for the child's environment).
pub fn clone_secret(s: &SecretString) -> SecretString {
    SecretString::from(s.expose_secret().to_string())
}

/// Program and arguments; an empty command is an error.
pub fn split_command(command: &[OsString]) -> Result<(OsString, Vec<OsString>), AwsChildError> {
    match command.split_first() {
        Some((p, rest)) if !p.is_empty() => Ok((p.clone(), rest.to_vec())),
        _ => Err(AwsChildError::NoCommand),
    }
}

/// Runs `command` with `secrets` and `plain` set on top of the scrubbed environment; the
/// names in `replaced` are never inherited. With `redact_output`, every secret given is
/// redacted from its output as well as what the engine finds.
pub async fn run_child(
    secrets: Vec<(String, SecretString)>,
    plain: Vec<(String, String)>,
    replaced: &[&str],
    opts: &ChildOptions,
    command: &[OsString],
) -> Result<u8, AwsChildError> {
    let scrubbed = child::scrub_env(std::env::vars_os(), &opts.pass_env, replaced, &opts.matcher);
    if !scrubbed.withheld.is_empty() {
        tracing::info!(
            withheld = %scrubbed.withheld.join(","),
            "variables withheld from the child (use --pass-env NAME to pass one)"
        );
    }
    let redactor = opts.redact_output.then(|| {
        let known: Vec<&SecretString> = secrets.iter().map(|(_, v)| v).collect();
        child::output_redactor(Arc::clone(&opts.matcher), &known)
    });
    let (program, args) = split_command(command)?;
    Ok(child::run(ChildCommand {
        program,
        args,
        env: scrubbed.kept,
        secrets,
        plain,
        redactor,
    })
    .await?)
}

/// Runs `command` with `creds` in its environment (and nothing else of ours), scrubbed.
pub async fn run_with_credentials(
    creds: &AwsCredentials,
    region: &str,
    opts: &ChildOptions,
    command: &[OsString],
) -> Result<u8, AwsChildError> {
    let mut secrets = vec![
        (
            "AWS_ACCESS_KEY_ID".to_string(),
            SecretString::from(creds.access_key_id().to_string()),
        ),
        (
            "AWS_SECRET_ACCESS_KEY".to_string(),
            clone_secret(creds.secret_access_key()),
        ),
    ];
    if let Some(token) = creds.session_token() {
        secrets.push(("AWS_SESSION_TOKEN".to_string(), clone_secret(token)));
    }
    let mut plain = vec![
        ("AWS_REGION".to_string(), region.to_string()),
        ("AWS_DEFAULT_REGION".to_string(), region.to_string()),
    ];
    if let Some(e) = creds.expiration() {
        plain.push(("AWS_CREDENTIAL_EXPIRATION".to_string(), rfc3339(e)));
    }
    run_child(secrets, plain, AWS_CHILD_VARS, opts, command).await
}

/// Serves `first` (and its refreshes from `source`) on a local container credential endpoint
/// for the child's lifetime; the child gets only the endpoint's address and token. The
/// endpoint is stopped, its port closed, when the child exits.
pub async fn run_with_endpoint(
    first: AwsCredentials,
    source: CredentialSource,
    margin: Duration,
    region: &str,
    opts: &ChildOptions,
    command: &[OsString],
) -> Result<u8, AwsChildError> {
    let role_arn = source.role_arn().map(str::to_string);
    let source = Arc::new(source);
    let refresh: container_endpoint::Refresher = Arc::new(move || {
        let source = Arc::clone(&source);
        Box::pin(async move { source.fetch().await.map_err(|e| e.to_string()) })
    });
    let endpoint = ContainerEndpoint::start(first, refresh, margin, role_arn).await?;
    tracing::info!(
        url = endpoint.url(),
        "container credential endpoint listening"
    );
    let secrets = vec![(
        container_endpoint::TOKEN_VAR.to_string(),
        clone_secret(endpoint.token()),
    )];
    let plain = vec![
        (
            container_endpoint::FULL_URI_VAR.to_string(),
            endpoint.url().to_string(),
        ),
        ("AWS_REGION".to_string(), region.to_string()),
        ("AWS_DEFAULT_REGION".to_string(), region.to_string()),
        // Nothing that an SDK reads before the container endpoint may hold credentials.
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_string(),
            "/dev/null".to_string(),
        ),
        ("AWS_CONFIG_FILE".to_string(), "/dev/null".to_string()),
    ];
    let code = run_child(secrets, plain, ECS_CHILD_VARS, opts, command).await;
    tracing::info!(
        served = endpoint.served(),
        refreshed = endpoint.refreshed(),
        "container credential endpoint stopped"
    );
    endpoint.stop().await;
    code
}
