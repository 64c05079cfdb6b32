//! `zerokey credential-process`: the `credential_process` program of an `~/.aws/config`
//! profile. Assumes the role (or asks a broker) and prints the JSON every AWS SDK and the AWS
//! CLI read — Version 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration — and nothing
//! else on stdout. Nothing is cached: the SDK that runs it keeps the credentials in its own
//! memory until `Expiration`.

use crate::role::RoleArgs;
use anyhow::Context as _;
use clap::Args;
use secrecy::ExposeSecret;
use std::io::Write as _;
use zeroize::Zeroizing;

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

/// The answer the SDKs read (borrowed: the one copy is the zeroized output buffer).
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Answer<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: &'a str,
}

/// Refuses to run when the base credentials would come from a profile that runs zerokey
/// itself: that would start zerokey again, and again.
fn guard_against_self(base_profile: Option<&str>) -> anyhow::Result<()> {
    let var = crate::env::ZEROKEY_CREDENTIAL_PROCESS_ACTIVE;
    if std::env::var_os(var).is_some() {
        anyhow::bail!(
            "zerokey credential-process was started by zerokey credential-process ({var} is set): \
             the profile it reads base credentials from runs zerokey again; give --base-profile \
             NAME, a profile that holds the base credentials"
        );
    }
    // Environment keys come first in the provider chain: no profile is read then.
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        let profile = base_profile
            .map(str::to_string)
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_PROFILE").ok())
            .unwrap_or_else(|| "default".to_string());
        for file in zerokey_aws::profile::shared_files() {
            let Ok(text) = fs_err::read_to_string(&file) else {
                continue;
            };
            if let Some(line) = zerokey_aws::profile::runs_zerokey(&text, &profile) {
                anyhow::bail!(
                    "{}:{line}: profile {profile:?} runs zerokey credential-process, and it is also \
                     the profile the base credentials would be read from; give --base-profile \
                     NAME, a profile that holds the base credentials",
                    file.display()
                );
            }
        }
    }
    // Edition 2021, one thread: any SDK process this one starts sees the guard.
    std::env::set_var(var, "1");
    Ok(())
}

pub fn run(args: CredentialProcessArgs) -> anyhow::Result<crate::Exit> {
    guard_against_self(args.base_profile.as_deref())?;
    let region = crate::cmd_exec::RunArgs {
        region: args.region.clone(),
        pass_env: Vec::new(),
        redact_output: false,
    }
    .region()?;
    let rt = crate::cmd_exec::runtime()?;
    let creds = rt.block_on(async {
        let source = args
            .role
            .source("cp", &region, args.base_profile.as_deref())
            .await?;
        anyhow::Ok(source.fetch().await?)
    })?;
    let Some(token) = creds.session_token() else {
        anyhow::bail!("the credentials obtained have no session token");
    };
    let expiration = creds
        .expiration()
        .map(crate::cmd_exec::rfc3339)
        .context("the credentials obtained have no expiry")?;
    let mut out = Zeroizing::new(
        serde_json::to_vec(&Answer {
            version: 1,
            access_key_id: creds.access_key_id(),
            secret_access_key: creds.secret_access_key().expose_secret(),
            session_token: token.expose_secret(),
            expiration: &expiration,
        })
        .context("writing the answer")?,
    );
    out.push(b'\n');
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .context("writing to stdout")?;
    tracing::info!(
        access_key_id = creds.access_key_id(),
        expires = %expiration,
        "credentials handed to the calling SDK"
    );
    Ok(crate::Exit::Clean)
}
