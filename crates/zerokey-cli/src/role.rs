//! The flags of `exec` and `credential-process` that say where credentials come from: a role
//! assumed with the base credentials of the standard chain (narrowed and attributed), or a
//! connection of a zerokey broker. The library's [`CredentialSource`] checks and fetches them.

use clap::Args;
use std::path::PathBuf;
use zerokey_aws::assume::DEFAULT_SESSION_SECONDS;
pub use zerokey_broker::aws_child::{CredentialSource, SourceSpec};

/// The role (or broker connection) and how its session is narrowed and attributed.
#[derive(Debug, Args)]
pub struct RoleArgs {
    /// Role to assume with the base credentials of the standard chain (AWS_ACCESS_KEY_ID…,
    /// AWS_PROFILE, --base-profile, instance or container role).
    #[arg(
        long,
        value_name = "ARN",
        env = crate::env::ZEROKEY_ROLE_ARN,
        required_unless_present = "connection",
        conflicts_with = "connection"
    )]
    pub role_arn: Option<String>,
    /// External ID the role's trust policy requires.
    #[arg(long, value_name = "ID", env = crate::env::ZEROKEY_EXTERNAL_ID, requires = "role_arn")]
    pub external_id: Option<String>,
    /// Get the credentials from this connection of a zerokey broker (needs --server and an
    /// API token in ZEROKEY_TOKEN).
    #[arg(long, value_name = "ID", requires = "server")]
    pub connection: Option<String>,
    /// The broker's URL, e.g. https://zerokey.example.com.
    #[arg(long, value_name = "URL", env = crate::env::ZEROKEY_SERVER, requires = "connection")]
    pub server: Option<String>,
    /// Session length in seconds (900 to 43200).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SESSION_SECONDS)]
    pub duration: u32,
    /// Role session name, shown in CloudTrail [default: zk-<command>-<user>-<time>].
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// SourceIdentity sent with AssumeRole, kept by CloudTrail on every call of the session
    /// and of roles chained from it [default: the local user name]. The role's trust policy
    /// must allow sts:SetSourceIdentity.
    #[arg(long, value_name = "S", conflicts_with_all = ["no_source_identity", "connection"])]
    pub source_identity: Option<String>,
    /// Send no SourceIdentity (for roles whose trust policy does not allow
    /// sts:SetSourceIdentity).
    #[arg(long)]
    pub no_source_identity: bool,
    /// Inline session policy (a JSON policy document, at most 2048 characters without
    /// whitespace): the session may do only what both it and the role allow.
    #[arg(long, value_name = "FILE", conflicts_with = "connection")]
    pub policy: Option<PathBuf>,
    /// Managed policy ARN that narrows the session the same way (repeatable, at most 10).
    #[arg(long = "policy-arn", value_name = "ARN", conflicts_with = "connection")]
    pub policy_arns: Vec<String>,
    /// Session tag KEY=VALUE (repeatable, at most 50; needs sts:TagSession in the trust
    /// policy).
    #[arg(long = "tag", value_name = "KEY=VALUE", conflicts_with = "connection")]
    pub tags: Vec<String>,
}

impl RoleArgs {
    /// Checks every flag (reading `--policy`) and loads the base configuration; `what` names
    /// the command in the default session name.
    pub async fn source(
        &self,
        what: &str,
        region: &str,
        base_profile: Option<&str>,
    ) -> anyhow::Result<CredentialSource> {
        let spec = SourceSpec {
            role_arn: self.role_arn.clone(),
            external_id: self.external_id.clone(),
            connection: self.connection.clone(),
            server: self.server.clone(),
            duration: self.duration,
            session_name: self.session_name.clone(),
            source_identity: self.source_identity.clone(),
            no_source_identity: self.no_source_identity,
            policy: self.policy.clone(),
            policy_arns: self.policy_arns.clone(),
            tags: self.tags.clone(),
        };
        Ok(CredentialSource::from_spec(&spec, what, region, base_profile).await?)
    }
}
