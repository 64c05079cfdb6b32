//! `zerokey credential-process`: the `credential_process` program of an `~/.aws/config`
//! profile. Assumes the role (or asks a broker) and prints the JSON every AWS SDK and the AWS
//! CLI read — Version 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration — and nothing
//! else on stdout. Nothing is cached: the SDK that runs it keeps the credentials in its own
//! memory until `Expiration`.

use crate::role::RoleArgs;
use anyhow::Context as _;
use clap::Args;
use std::io::Write as _;
use zerokey_aws::{profile, rfc3339};

#[derive(Debug, Args)]
pub struct CredentialProcessArgs {
    #[command(flatten)]
    pub role: RoleArgs,
    /// Read the base credentials from this profile instead of AWS_PROFILE (needed when the
    /// profile that runs zerokey is also the selected one).
    #[arg(long, value_name = "NAME", conflicts_with = "connection")]
    pub base_profile: Option<String>,
    /// AWS region for STS [default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1].
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
}

/// Refuses to run when the base credentials would come from a profile that runs zerokey
/// itself: that would start zerokey again, and again.
fn guard_against_self(base_profile: Option<&str>) -> anyhow::Result<()> {
    let files = profile::shared_files();
    profile::check_not_self(base_profile, &files, |v| std::env::var_os(v))?;
    // Edition 2021, one thread: any SDK process this one starts sees the guard.
    std::env::set_var(profile::ZEROKEY_CREDENTIAL_PROCESS_ACTIVE, "1");
    Ok(())
}

pub fn run(args: CredentialProcessArgs) -> anyhow::Result<crate::Exit> {
    guard_against_self(args.base_profile.as_deref())?;
    let region = zerokey_aws::client::region_from_env(args.region.as_deref())?;
    let rt = crate::cmd_exec::runtime()?;
    let creds = rt.block_on(async {
        let source = args
            .role
            .source("cp", &region, args.base_profile.as_deref())
            .await?;
        anyhow::Ok(source.fetch().await?)
    })?;
    let out = zerokey_aws::credential_process::answer(&creds)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .context("writing to stdout")?;
    tracing::info!(
        access_key_id = creds.access_key_id(),
        expires = %creds.expiration().map(rfc3339).unwrap_or_default(),
        "credentials handed to the calling SDK"
    );
    Ok(crate::Exit::Clean)
}
