//! `zerokey exec`: assume a role (AssumeRole with the base credentials of the environment, or
//! through a broker connection) and run one command whose environment alone holds the
//! temporary credentials, or, with `--ecs-server`, only the address and token of a local
//! container credential endpoint that refreshes them. Nothing is cached or written.

use crate::role::RoleArgs;
use anyhow::Context as _;
use clap::Args;
use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;
use zerokey_broker::aws_child::{self, ChildOptions, DEFAULT_REFRESH_MARGIN_SECS, ECS_CHILD_VARS};
use zerokey_broker::child::{self, AWS_CHILD_VARS};
use zerokey_core::{Matcher, RuleSet};

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
    /// `--region`, else the environment's, else `us-east-1`.
    pub fn region(&self) -> anyhow::Result<String> {
        Ok(zerokey_aws::client::region_from_env(
            self.region.as_deref(),
        )?)
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
pub use zerokey_aws::rfc3339;

impl RunArgs {
    /// The library's options for the child.
    pub fn options(&self, matcher: Arc<Matcher>) -> ChildOptions {
        ChildOptions {
            pass_env: self.pass_env.clone(),
            redact_output: self.redact_output,
            matcher,
        }
    }
}

pub fn run(args: ExecArgs) -> anyhow::Result<u8> {
    let reserved = if args.ecs_server {
        ECS_CHILD_VARS
    } else {
        AWS_CHILD_VARS
    };
    args.run.validate_pass_env(reserved)?;
    aws_child::split_command(&args.command)?;
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
        let opts = args.run.options(matcher);
        let code = if args.ecs_server {
            let margin = Duration::from_secs(args.refresh_margin);
            aws_child::run_with_endpoint(creds, source, margin, &region, &opts, &args.command)
                .await?
        } else {
            aws_child::run_with_credentials(&creds, &region, &opts, &args.command).await?
        };
        Ok(code)
    })
}
