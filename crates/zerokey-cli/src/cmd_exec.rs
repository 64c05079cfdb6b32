//! `zerokey exec`: assume a role (AssumeRole with the base credentials of the environment, or
//! through a broker connection) and run one command whose environment alone holds the
//! temporary credentials. Nothing is cached or written.

use crate::child::{self, ChildCommand, AWS_CHILD_VARS};
use anyhow::Context as _;
use clap::Args;
use secrecy::SecretString;
use std::ffi::OsString;
use std::sync::Arc;
use time::OffsetDateTime;
use zerokey_aws::temp_role::{self, AssumeRoleRequest, DEFAULT_DURATION_SECS};
use zerokey_aws::TempCredentials;
use zerokey_core::{Matcher, RuleSet};

/// Region used when neither `--region` nor `AWS_REGION`/`AWS_DEFAULT_REGION` is set.
pub const DEFAULT_REGION: &str = "us-east-1";

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Role to assume with the base credentials of the environment (AWS_ACCESS_KEY_ID…,
    /// AWS_PROFILE, instance or container role).
    #[arg(
        long,
        value_name = "ARN",
        env = crate::env::ZEROKEY_ROLE_ARN,
        required_unless_present = "connection",
        conflicts_with = "connection"
    )]
    pub role_arn: Option<String>,
    /// External ID the role's trust policy requires.
    #[arg(
        long,
        value_name = "ID",
        env = crate::env::ZEROKEY_EXTERNAL_ID,
        requires = "role_arn"
    )]
    pub external_id: Option<String>,
    /// Get the credentials from this connection of a zerokey broker (needs --server and an
    /// API token in ZEROKEY_TOKEN).
    #[arg(long, value_name = "ID", requires = "server")]
    pub connection: Option<String>,
    /// The broker's URL, e.g. https://zerokey.example.com.
    #[arg(
        long,
        value_name = "URL",
        env = crate::env::ZEROKEY_SERVER,
        requires = "connection"
    )]
    pub server: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Session length in seconds (900 to 43200).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_DURATION_SECS)]
    pub duration: u32,
    /// Role session name (shown in CloudTrail) [default: zerokey-exec-<time>].
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
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

/// Default session name: `<prefix>-<unix time>`.
pub fn session_name(prefix: &str) -> String {
    format!("{prefix}-{}", OffsetDateTime::now_utc().unix_timestamp())
}

/// RFC 3339 form of a time, as AWS SDKs read `AWS_CREDENTIAL_EXPIRATION`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Runs `command` with `creds` in its environment (and nothing else of ours), scrubbed.
pub async fn run_with_credentials(
    creds: &TempCredentials,
    region: &str,
    run: &RunArgs,
    command: &[OsString],
    matcher: Arc<Matcher>,
) -> anyhow::Result<u8> {
    let scrubbed = child::scrub_env(std::env::vars_os(), &run.pass_env, AWS_CHILD_VARS, &matcher);
    if !scrubbed.withheld.is_empty() {
        tracing::info!(
            withheld = %scrubbed.withheld.join(","),
            "variables withheld from the child (use --pass-env NAME to pass one)"
        );
    }
    let key_id = SecretString::from(creds.access_key_id().to_string());
    let redactor = run.redact_output.then(|| {
        child::output_redactor(
            Arc::clone(&matcher),
            &[&key_id, creds.secret_access_key(), creds.session_token()],
        )
    });
    let (program, args) = split_command(command)?;
    let cmd = ChildCommand {
        program,
        args,
        env: scrubbed.kept,
        secrets: vec![
            ("AWS_ACCESS_KEY_ID".into(), key_id),
            (
                "AWS_SECRET_ACCESS_KEY".into(),
                clone_secret(creds.secret_access_key()),
            ),
            (
                "AWS_SESSION_TOKEN".into(),
                clone_secret(creds.session_token()),
            ),
        ],
        plain: vec![
            ("AWS_REGION".into(), region.to_string()),
            ("AWS_DEFAULT_REGION".into(), region.to_string()),
            (
                "AWS_CREDENTIAL_EXPIRATION".into(),
                rfc3339(creds.expiration()),
            ),
        ],
        redactor,
    };
    child::run(cmd).await
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
    args.run.validate_pass_env(AWS_CHILD_VARS)?;
    split_command(&args.command)?;
    let region = args.run.region()?;
    let matcher = engine()?;
    let rt = runtime()?;
    rt.block_on(async {
        let creds = match (&args.role_arn, &args.connection, &args.server) {
            (Some(role_arn), _, _) => {
                let req = AssumeRoleRequest {
                    role_arn: role_arn.clone(),
                    external_id: args.external_id.clone(),
                    session_name: args
                        .session_name
                        .clone()
                        .unwrap_or_else(|| session_name("zerokey-exec")),
                    duration_secs: args.duration,
                    region: region.clone(),
                };
                temp_role::assume_role(&req).await?
            }
            (None, Some(id), Some(server)) => {
                temp_role::validate_duration(args.duration)
                    .map_err(|m| anyhow::anyhow!("--duration: {m}"))?;
                crate::broker_client::connection_credentials(server, id, args.duration).await?
            }
            _ => anyhow::bail!("give --role-arn ARN, or --connection ID with --server URL"),
        };
        tracing::info!(
            access_key_id = creds.access_key_id(),
            expires = %rfc3339(creds.expiration()),
            "temporary credentials obtained"
        );
        run_with_credentials(&creds, &region, &args.run, &args.command, matcher).await
    })
}
