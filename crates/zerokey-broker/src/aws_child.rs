//! A child process with a role's AWS credentials: where they come from ([`CredentialSource`]:
//! AssumeRole with the base credentials, or a zerokey broker's connection), and the two ways
//! the child gets them — in its environment ([`run_with_credentials`]) or behind a local
//! container credential endpoint that refreshes them ([`run_with_endpoint`]). Used by
//! `zerokey exec` and `zerokey oidc exec`; nothing is cached or written.

use crate::child::{self, ChildCommand, ChildError, AWS_CHILD_VARS};
use crate::container_endpoint::{self, ContainerEndpoint, EndpointError};
use secrecy::{ExposeSecret, SecretString};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use zerokey_aws::assume::{sanitize_session_name, session_name_for};
use zerokey_aws::{rfc3339, validate, AssumeError, AwsCredentials, BaseAws, RoleSession};
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

    /// Checks `spec` (reading `--policy`) and, for a role, loads the base configuration for
    /// `region` (from `base_profile` if given); `what` names the command in the default
    /// session name.
    pub async fn from_spec(
        spec: &SourceSpec,
        what: &str,
        region: &str,
        base_profile: Option<&str>,
    ) -> Result<Self, SpecError> {
        match spec.role_session(what, local_user().as_deref())? {
            Some(session) => Ok(CredentialSource::Role {
                base: Box::new(BaseAws::load(region, base_profile).await),
                session,
            }),
            None => match (&spec.connection, &spec.server) {
                (Some(id), Some(server)) => Ok(CredentialSource::Broker {
                    server: server.clone(),
                    id: id.clone(),
                    duration: spec.duration,
                }),
                _ => Err(SpecError::NoSource),
            },
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

/// Where credentials should come from, as the flags of `zerokey exec` and `zerokey
/// credential-process` say it (unchecked): [`CredentialSource::from_spec`] checks it.
#[derive(Debug, Clone, Default)]
pub struct SourceSpec {
    /// `--role-arn`: the role to assume with the base credentials.
    pub role_arn: Option<String>,
    /// `--external-id`.
    pub external_id: Option<String>,
    /// `--connection`: a broker's connection id (without a role).
    pub connection: Option<String>,
    /// `--server`: the broker's URL.
    pub server: Option<String>,
    /// `--duration`: session length in seconds.
    pub duration: u32,
    /// `--session-name` [default: from the command, the local user and the time].
    pub session_name: Option<String>,
    /// `--source-identity` [default: the local user].
    pub source_identity: Option<String>,
    /// `--no-source-identity`.
    pub no_source_identity: bool,
    /// `--policy FILE`: an inline session policy.
    pub policy: Option<PathBuf>,
    /// `--policy-arn`s.
    pub policy_arns: Vec<String>,
    /// `--tag KEY=VALUE`s.
    pub tags: Vec<String>,
}

/// What is wrong with a [`SourceSpec`]; each names the flag.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A flag's value is invalid.
    #[error("{flag}: {message}")]
    Bad {
        /// The flag.
        flag: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Neither a role nor a broker connection.
    #[error("give --role-arn ARN, or --connection ID with --server URL")]
    NoSource,
    /// The `--policy` file could not be read.
    #[error("--policy {}", path.display())]
    PolicyRead {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The assembled AssumeRole request is invalid.
    #[error(transparent)]
    Assume(#[from] AssumeError),
}

/// The local user's name, for the default SourceIdentity and session name.
pub fn local_user() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
        })
}

impl SourceSpec {
    /// The checked role session (reading `--policy`), or `None` without `--role-arn`;
    /// `what` names the command and `user` the local user in the defaults.
    pub fn role_session(
        &self,
        what: &str,
        user: Option<&str>,
    ) -> Result<Option<RoleSession>, SpecError> {
        let bad = |flag, message| SpecError::Bad { flag, message };
        validate::duration(self.duration).map_err(|m| bad("--duration", m))?;
        let Some(role_arn) = &self.role_arn else {
            return Ok(None);
        };
        let policy = match &self.policy {
            Some(path) => {
                let text =
                    fs_err::read_to_string(path).map_err(|source| SpecError::PolicyRead {
                        path: path.clone(),
                        source,
                    })?;
                Some(
                    validate::session_policy(&text)
                        .map_err(|m| bad("--policy", format!("{}: {m}", path.display())))?,
                )
            }
            None => None,
        };
        let source_identity = if self.no_source_identity {
            None
        } else {
            self.source_identity
                .clone()
                .or_else(|| user.map(sanitize_session_name))
        };
        let session = RoleSession {
            role_arn: role_arn.clone(),
            external_id: self.external_id.clone(),
            session_name: self.session_name.clone().unwrap_or_else(|| {
                session_name_for(what, user, OffsetDateTime::now_utc().unix_timestamp())
            }),
            source_identity,
            policy,
            policy_arns: self.policy_arns.clone(),
            tags: validate::session_tags(&self.tags).map_err(|m| bad("--tag", m))?,
            duration_seconds: self.duration,
        };
        session.request().check()?;
        Ok(Some(session))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";

    fn role_spec() -> SourceSpec {
        SourceSpec {
            role_arn: Some(ROLE.to_string()),
            duration: 3600,
            ..SourceSpec::default()
        }
    }

    fn err(spec: &SourceSpec) -> String {
        spec.role_session("exec", Some("alice"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn role_session_defaults_come_from_the_user_and_command() {
        let s = role_spec()
            .role_session("exec", Some("al ice"))
            .unwrap()
            .unwrap();
        assert_eq!(s.role_arn, ROLE);
        assert_eq!(
            s.source_identity.as_deref(),
            Some(sanitize_session_name("al ice").as_str())
        );
        assert!(s.session_name.starts_with("zk-exec-"), "{}", s.session_name);
        assert_eq!(s.duration_seconds, 3600);
        let spec = SourceSpec {
            no_source_identity: true,
            session_name: Some("mine".into()),
            tags: vec!["team=data".into()],
            ..role_spec()
        };
        let s = spec.role_session("exec", Some("alice")).unwrap().unwrap();
        assert_eq!(s.source_identity, None);
        assert_eq!(s.session_name, "mine");
        assert_eq!(s.tags, [("team".to_string(), "data".to_string())]);
    }

    #[test]
    fn bad_flags_are_named() {
        let spec = SourceSpec {
            duration: 60,
            ..role_spec()
        };
        assert!(
            err(&spec).starts_with("--duration: 60 seconds is outside"),
            "{}",
            err(&spec)
        );
        let spec = SourceSpec {
            tags: vec!["aws:x=1".into()],
            ..role_spec()
        };
        assert_eq!(
            err(&spec),
            "--tag: tag key \"aws:x\" must not start with aws:"
        );
        let spec = SourceSpec {
            policy: Some("missing.json".into()),
            ..role_spec()
        };
        assert_eq!(err(&spec), "--policy missing.json");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.json");
        std::fs::write(&file, "not json").unwrap();
        let spec = SourceSpec {
            policy: Some(file.clone()),
            ..role_spec()
        };
        assert!(
            err(&spec).starts_with(&format!("--policy: {}: ", file.display())),
            "{}",
            err(&spec)
        );
        let spec = SourceSpec {
            role_arn: Some("arn:nope".into()),
            ..role_spec()
        };
        assert!(err(&spec).starts_with("--role-arn"), "{}", err(&spec));
    }

    #[tokio::test]
    async fn a_connection_needs_a_server() {
        let spec = SourceSpec {
            connection: Some("c1".into()),
            duration: 900,
            ..SourceSpec::default()
        };
        let e = CredentialSource::from_spec(&spec, "exec", "us-east-1", None).await;
        assert_eq!(
            e.err().map(|e| e.to_string()).as_deref(),
            Some("give --role-arn ARN, or --connection ID with --server URL")
        );
        let spec = SourceSpec {
            server: Some("https://zk.example.com".into()),
            ..spec
        };
        let source = CredentialSource::from_spec(&spec, "exec", "us-east-1", None).await;
        match source.unwrap() {
            CredentialSource::Broker {
                server,
                id,
                duration,
            } => {
                assert_eq!(
                    (server.as_str(), id.as_str(), duration),
                    ("https://zk.example.com", "c1", 900)
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
