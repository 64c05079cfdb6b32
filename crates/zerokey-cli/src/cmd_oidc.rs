//! `zerokey oidc summary|retrieve|exec`: trade a CI job's OIDC token for a role
//! (AssumeRoleWithWebIdentity), then show who we are, hand one Secrets Manager secret to one
//! command, or run a command with the role's temporary credentials. Neither the token nor a
//! credential nor the secret is ever printed (the secret only with `--print`).

use crate::cmd_exec::{self, RunArgs};
use anyhow::{bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use secrecy::SecretString;
use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use zerokey_aws::oidc_role::{self, in_github_actions, OidcRole, Summary};
use zerokey_aws::web_identity::DEFAULT_AUDIENCE;
use zerokey_broker::aws_child;
use zerokey_broker::child::{self, AWS_CHILD_VARS};

/// Default session length for CI: 15 minutes, the shortest STS grants.
pub const DEFAULT_OIDC_DURATION_SECS: u32 = 900;

#[derive(Debug, Args)]
pub struct OidcArgs {
    #[command(subcommand)]
    pub command: OidcCommand,
}

#[derive(Debug, Subcommand)]
pub enum OidcCommand {
    /// Assume the role with the OIDC token and show who we are: identity, role, session
    /// expiry and the token's claims (never the token or a credential).
    Summary(SummaryArgs),
    /// Fetch one Secrets Manager secret with the role and give it to one command in one
    /// environment variable (`--env NAME -- COMMAND…`), or print it (`--print`).
    Retrieve(RetrieveArgs),
    /// Run a command with the role's temporary credentials in its environment.
    Exec(OidcExecArgs),
}

/// How to get the token and which role to assume with it.
#[derive(Debug, Args)]
pub struct RoleArgs {
    /// Role to assume with AssumeRoleWithWebIdentity.
    #[arg(long, value_name = "ARN", env = crate::env::ZEROKEY_ROLE_ARN)]
    pub role_arn: String,
    /// Read the OIDC token from FILE (else AWS_WEB_IDENTITY_TOKEN_FILE, else GitHub Actions).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Audience the token must be for (asked of GitHub, checked on every token).
    #[arg(long, default_value = DEFAULT_AUDIENCE)]
    pub audience: String,
    /// Session length in seconds (900 to 43200).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_OIDC_DURATION_SECS)]
    pub duration: u32,
    /// Role session name [default: zerokey-gha-<run id> in GitHub Actions, else zerokey-oidc-<time>].
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// Inline session policy (a JSON policy document): the session may do only what both it
    /// and the role allow.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Managed policy ARN that narrows the session the same way (repeatable, at most 10).
    #[arg(long = "policy-arn", value_name = "ARN")]
    pub policy_arns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub role: RoleArgs,
    /// AWS region for STS [default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1].
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct RetrieveArgs {
    #[command(flatten)]
    pub role: RoleArgs,
    /// Secrets Manager secret name or ARN.
    #[arg(long, value_name = "NAME")]
    pub secret_name: String,
    /// The secret is a JSON object: use the value of this key.
    #[arg(long, value_name = "K")]
    pub json_key: Option<String>,
    /// Put the secret in this environment variable of COMMAND (and nowhere else).
    #[arg(long, value_name = "NAME", conflicts_with = "print")]
    pub env: Option<String>,
    /// Print the secret on stdout instead (in GitHub Actions, `::add-mask::` comes first).
    #[arg(long)]
    pub print: bool,
    /// Refused: it would write the secret to $GITHUB_ENV, a file on the runner every later
    /// step can read. Use --env NAME -- COMMAND.
    #[arg(long)]
    pub export_github_env: bool,
    #[command(flatten)]
    pub run: RunArgs,
    /// Command and arguments, after `--` (with --env).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct OidcExecArgs {
    #[command(flatten)]
    pub role: RoleArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Command and arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

pub fn run(args: OidcArgs) -> anyhow::Result<u8> {
    match args.command {
        OidcCommand::Summary(a) => summary(a),
        OidcCommand::Retrieve(a) => retrieve(a),
        OidcCommand::Exec(a) => exec(a),
    }
}

impl RoleArgs {
    /// The `--policy` file's text.
    fn policy_text(&self) -> anyhow::Result<Option<String>> {
        use anyhow::Context as _;
        self.policy
            .as_ref()
            .map(|p| fs_err::read_to_string(p).with_context(|| format!("--policy {}", p.display())))
            .transpose()
    }

    /// The role request these flags describe (`policy`: the text of `--policy`).
    fn role<'a>(&'a self, policy: Option<&'a str>) -> OidcRole<'a> {
        OidcRole {
            role_arn: &self.role_arn,
            token_file: self.token_file.as_deref(),
            audience: &self.audience,
            duration_secs: self.duration,
            session_name: self.session_name.as_deref(),
            policy,
            policy_arns: &self.policy_arns,
        }
    }
}

fn summary(args: SummaryArgs) -> anyhow::Result<u8> {
    let policy = args.role.policy_text()?;
    args.role.role(policy.as_deref()).validate()?;
    let region = zerokey_aws::client::region_from_env(args.region.as_deref())?;
    let rt = cmd_exec::runtime()?;
    let text = rt.block_on(async {
        let (token, creds) = args.role.role(policy.as_deref()).assume(&region).await?;
        let s = Summary::new(&token, &creds, &args.role.role_arn, &region).await?;
        anyhow::Ok(match args.format {
            SummaryFormat::Json => {
                let mut out = serde_json::to_string_pretty(&s).context("rendering JSON")?;
                out.push('\n');
                out
            }
            SummaryFormat::Text => s.text(),
        })
    })?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("writing to stdout")?;
    stdout.flush().context("writing to stdout")?;
    Ok(0)
}

const EXPORT_REFUSED: &str = "--export-github-env is refused: it would write the secret to \
$GITHUB_ENV, a file on the runner that every later step of the job (and every action those \
steps run) can read, and that GitHub's log masking does not cover. Give the secret to the one \
command that needs it instead: zerokey oidc retrieve … --env NAME -- COMMAND";

fn retrieve(args: RetrieveArgs) -> anyhow::Result<u8> {
    if args.export_github_env {
        bail!("{EXPORT_REFUSED}");
    }
    let policy = args.role.policy_text()?;
    args.role.role(policy.as_deref()).validate()?;
    zerokey_aws::secrets::validate_secret_name(&args.secret_name).context("--secret-name")?;
    let target =
        oidc_role::secret_target(args.env.as_deref(), args.print, !args.command.is_empty());
    if let Some(name) = target? {
        child::validate_env_name("--env", name)?;
    }
    args.run.validate_pass_env(&[])?;
    let region = args.run.region()?;
    let matcher = if args.env.is_some() {
        Some(cmd_exec::engine()?)
    } else {
        None
    };
    let rt = cmd_exec::runtime()?;
    rt.block_on(async {
        let (_token, creds) = args.role.role(policy.as_deref()).assume(&region).await?;
        let mut secret =
            zerokey_aws::secrets::get_secret_string(&creds, &region, &args.secret_name).await?;
        drop(creds);
        if let Some(key) = &args.json_key {
            secret = zerokey_aws::secrets::json_key(&secret, &args.secret_name, key)?;
        }
        match (&args.env, matcher) {
            (Some(name), Some(matcher)) => {
                give_to_child(name, secret, &args.run, &args.command, matcher).await
            }
            _ => print_secret(&secret),
        }
    })
}

/// Runs COMMAND with the secret in `name` only: no AWS credentials of ours, the rest of the
/// environment scrubbed as for `exec`.
async fn give_to_child(
    name: &str,
    secret: SecretString,
    run: &RunArgs,
    command: &[OsString],
    matcher: std::sync::Arc<zerokey_core::Matcher>,
) -> anyhow::Result<u8> {
    let secrets = vec![(name.to_string(), secret)];
    let opts = run.options(matcher);
    Ok(aws_child::run_child(secrets, Vec::new(), &[name], &opts, command).await?)
}

/// `--print`: the secret on stdout; in GitHub Actions each line is masked first.
fn print_secret(secret: &SecretString) -> anyhow::Result<u8> {
    let mut stdout = std::io::stdout().lock();
    oidc_role::write_secret(&mut stdout, secret, in_github_actions())
        .and_then(|()| stdout.flush())
        .context("writing to stdout")?;
    Ok(0)
}

fn exec(args: OidcExecArgs) -> anyhow::Result<u8> {
    let policy = args.role.policy_text()?;
    args.role.role(policy.as_deref()).validate()?;
    args.run.validate_pass_env(AWS_CHILD_VARS)?;
    aws_child::split_command(&args.command)?;
    let region = args.run.region()?;
    let matcher = cmd_exec::engine()?;
    let rt = cmd_exec::runtime()?;
    rt.block_on(async {
        let (token, creds) = args.role.role(policy.as_deref()).assume(&region).await?;
        drop(token);
        let opts = args.run.options(matcher);
        Ok(aws_child::run_with_credentials(&creds, &region, &opts, &args.command).await?)
    })
}
