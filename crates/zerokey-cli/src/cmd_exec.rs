//! `zerokey exec`: assume a role (AssumeRole with the base credentials of the environment, or
//! through a broker connection) and run one command whose environment alone holds the
//! temporary credentials, or, with `--ecs-server`, only the address and token of a local
//! container credential endpoint that refreshes them. Nothing is cached or written.

use crate::child::{self, ChildCommand, AWS_CHILD_VARS};
use crate::role::{CredentialSource, RoleArgs};
use anyhow::Context as _;
use clap::Args;
use secrecy::SecretString;
use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use zerokey_aws::AwsCredentials;
use zerokey_broker::container_endpoint::{self, ContainerEndpoint};
use zerokey_core::{Matcher, RuleSet};

/// Region used when neither `--region` nor `AWS_REGION`/`AWS_DEFAULT_REGION` is set.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Default `--refresh-margin`: the SDKs ask the endpoint again 15 (botocore) or 5 (Rust,
/// Go, Java) minutes before expiry; a margin above that means they get fresh credentials.
pub const DEFAULT_REFRESH_MARGIN_SECS: u64 = 20 * 60;

/// Variables the child gets from us (or must not inherit) under `--ecs-server`: every other
/// way an SDK could find credentials first is cleared.
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

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub role: RoleArgs,
    /// Read the base credentials from this profile of ~/.aws/config instead of AWS_PROFILE.
    #[arg(long, value_name = "NAME", conflicts_with = "connection")]
    pub base_profile: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Serve the credentials on a local container credential endpoint (127.0.0.1, random
    /// port and token) and give the child only its address and token; the role is assumed
    /// again before the credentials expire, so the command may run longer than a session.
    #[arg(long)]
    pub ecs_server: bool,
    /// With --ecs-server: assume the role again when the credentials have less than this
    /// many seconds left.
    #[arg(
        long,
        value_name = "S",
        env = crate::env::ZEROKEY_ECS_REFRESH_MARGIN,
        default_value_t = DEFAULT_REFRESH_MARGIN_SECS,
        requires = "ecs_server"
    )]
    pub refresh_margin: u64,
    /// Command and arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// Flags about the child that `exec`, `oidc exec` and `oidc retrieve` share.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// AWS region for STS and for the child [default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1].
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Let this variable of our environment through to the child even though it looks
    /// secret (repeatable).
    #[arg(long, value_name = "NAME")]
    pub pass_env: Vec<String>,
    /// Pipe the child's stdout and stderr through the detection engine and redact every
    /// credential found (and the values zerokey gave it), line by line.
    #[arg(long)]
    pub redact_output: bool,
}

impl RunArgs {
    /// `--region`, else the environment's, else [`DEFAULT_REGION`].
    pub fn region(&self) -> anyhow::Result<String> {
        let region = self
            .region
            .clone()
            .or_else(|| {
                ["AWS_REGION", "AWS_DEFAULT_REGION"]
                    .iter()
                    .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            })
            .unwrap_or_else(|| DEFAULT_REGION.to_string());
        let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if region.is_empty() || region.len() > 32 || !region.bytes().all(ok) {
            anyhow::bail!("--region {region:?}: not an AWS region name (e.g. us-east-1)");
        }
        Ok(region)
    }

    /// Checks the `--pass-env` names; `reserved` are names zerokey sets itself.
    pub fn validate_pass_env(&self, reserved: &[&str]) -> anyhow::Result<()> {
        for name in &self.pass_env {
            child::validate_env_name("--pass-env", name)?;
            if reserved.contains(&name.as_str()) {
                anyhow::bail!(
                    "--pass-env {name}: zerokey sets {name} for the child itself; it cannot be passed through"
                );
            }
        }
        Ok(())
    }
}

/// The engine with the built-in rules, for environment scrubbing and output redaction.
pub fn engine() -> anyhow::Result<Arc<Matcher>> {
    let set = RuleSet::builtin().context("built-in rules")?;
    Ok(Arc::new(
        Matcher::new(&set).context("compiling the built-in rules")?,
    ))
}

/// A current-thread runtime: one child, a few HTTP calls.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// RFC 3339 form of a time, as AWS SDKs read `AWS_CREDENTIAL_EXPIRATION`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Runs `command` with `creds` in its environment (and nothing else of ours), scrubbed.
pub async fn run_with_credentials(
    creds: &AwsCredentials,
    region: &str,
    run: &RunArgs,
    command: &[OsString],
    matcher: Arc<Matcher>,
) -> anyhow::Result<u8> {
    let key_id = SecretString::from(creds.access_key_id().to_string());
    let mut secrets = vec![
        ("AWS_ACCESS_KEY_ID".to_string(), key_id),
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
    run_child(secrets, plain, AWS_CHILD_VARS, run, command, matcher).await
}

/// Runs `command` with `secrets` and `plain` set on top of the scrubbed environment; the
/// names in `replaced` are never inherited. With `--redact-output`, every secret given is
/// redacted from its output as well as what the engine finds.
async fn run_child(
    secrets: Vec<(String, SecretString)>,
    plain: Vec<(String, String)>,
    replaced: &[&str],
    run: &RunArgs,
    command: &[OsString],
    matcher: Arc<Matcher>,
) -> anyhow::Result<u8> {
    let scrubbed = child::scrub_env(std::env::vars_os(), &run.pass_env, replaced, &matcher);
    if !scrubbed.withheld.is_empty() {
        tracing::info!(
            withheld = %scrubbed.withheld.join(","),
            "variables withheld from the child (use --pass-env NAME to pass one)"
        );
    }
    let redactor = run.redact_output.then(|| {
        let known: Vec<&SecretString> = secrets.iter().map(|(_, v)| v).collect();
        child::output_redactor(Arc::clone(&matcher), &known)
    });
    let (program, args) = split_command(command)?;
    child::run(ChildCommand {
        program,
        args,
        env: scrubbed.kept,
        secrets,
        plain,
        redactor,
    })
    .await
}

/// `--ecs-server`: serves `first` (and its refreshes from `source`) on a local endpoint for
/// the child's lifetime; the endpoint is stopped when the child exits.
async fn run_with_endpoint(
    first: AwsCredentials,
    source: CredentialSource,
    margin: Duration,
    region: &str,
    run: &RunArgs,
    command: &[OsString],
    matcher: Arc<Matcher>,
) -> anyhow::Result<u8> {
    let role_arn = source.role_arn().map(str::to_string);
    let source = Arc::new(source);
    let refresh: container_endpoint::Refresher = Arc::new(move || {
        let source = Arc::clone(&source);
        Box::pin(async move { source.fetch().await.map_err(|e| format!("{e:#}")) })
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
    let code = run_child(secrets, plain, ECS_CHILD_VARS, run, command, matcher).await;
    tracing::info!(
        served = endpoint.served(),
        refreshed = endpoint.refreshed(),
        "container credential endpoint stopped"
    );
    endpoint.stop().await;
    code
}

/// Program and arguments; an empty command is a usage error.
pub fn split_command(command: &[OsString]) -> anyhow::Result<(OsString, Vec<OsString>)> {
    match command.split_first() {
        Some((p, rest)) if !p.is_empty() => Ok((p.clone(), rest.to_vec())),
        _ => anyhow::bail!("no COMMAND given after `--`"),
    }
}

/// A second zeroizing copy of a secret (for the child's environment).
pub fn clone_secret(s: &SecretString) -> SecretString {
    use secrecy::ExposeSecret;
    SecretString::from(s.expose_secret().to_string())
}

pub fn run(args: ExecArgs) -> anyhow::Result<u8> {
    let reserved = if args.ecs_server {
        ECS_CHILD_VARS
    } else {
        AWS_CHILD_VARS
    };
    args.run.validate_pass_env(reserved)?;
    split_command(&args.command)?;
    let region = args.run.region()?;
    let matcher = engine()?;
    let rt = runtime()?;
    rt.block_on(async {
        let source = args
            .role
            .source("exec", &region, args.base_profile.as_deref())
            .await?;
        let creds = source.fetch().await?;
        tracing::info!(
            access_key_id = creds.access_key_id(),
            expires = %creds.expiration().map(rfc3339).unwrap_or_default(),
            "temporary credentials obtained"
        );
        if args.ecs_server {
            let margin = Duration::from_secs(args.refresh_margin);
            run_with_endpoint(
                creds,
                source,
                margin,
                &region,
                &args.run,
                &args.command,
                matcher,
            )
            .await
        } else {
            run_with_credentials(&creds, &region, &args.run, &args.command, matcher).await
        }
    })
}
