//! Access key hygiene and incident response (`zerokey keys report|disable|incident|rotate`).
//!
//! The I/O-free parts: key id and duration parsing ([`key_id`], [`duration`]), key hygiene
//! analysis ([`hygiene`]), credential-report parsing ([`credential_report`]), CloudTrail event
//! parsing and the incident summary ([`trail`]) and the documents with their renderers
//! ([`render`]). The AWS side, through `zerokey_aws`: the key inventory and the hygiene report
//! ([`report`]), disabling a key ([`disable`]), the incident timeline ([`incident`]) and
//! rotation ([`rotate`]); every change is written to the [`audit`] log.
//!
//! No secret access key is ever kept beyond the moment it is delivered: a new key's secret is
//! a `SecretString`, written once to the terminal or to Secrets Manager, then dropped.

pub mod audit;
pub mod credential_report;
pub mod disable;
pub mod duration;
pub mod hygiene;
pub mod incident;
pub mod inventory;
pub mod key_id;
pub mod render;
pub mod report;
pub mod rotate;
pub mod trail;

use std::path::PathBuf;

/// Why a `keys` operation failed. Every message names the key, user, file or call concerned.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// A refusal or a check that failed; the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// Not an access key id.
    #[error(transparent)]
    KeyId(#[from] key_id::BadKeyId),
    /// An unreadable credential report.
    #[error(transparent)]
    CredentialReport(#[from] credential_report::ReportError),
    /// An unreadable trail file or event.
    #[error(transparent)]
    Trail(#[from] trail::TrailError),
    /// An IAM call failed.
    #[error(transparent)]
    Iam(#[from] zerokey_aws::iam::IamError),
    /// A CloudTrail call failed.
    #[error(transparent)]
    CloudTrail(#[from] zerokey_aws::cloudtrail::CloudTrailError),
    /// Trail log files could not be listed or read.
    #[error(transparent)]
    TrailFiles(#[from] zerokey_aws::trail_files::TrailFilesError),
    /// Secrets Manager refused a name or a value.
    #[error(transparent)]
    SecretStore(#[from] zerokey_aws::secret_store::SecretStoreError),
    /// `--to-secret` is not a valid secret name.
    #[error("--to-secret")]
    SecretName(#[source] zerokey_aws::secret_store::SecretStoreError),
    /// A new key could not be stored; `message` says what became of it.
    #[error("{message}")]
    NotStored {
        /// What happened to the new key.
        message: String,
        /// Why it could not be stored.
        #[source]
        source: zerokey_aws::secret_store::SecretStoreError,
    },
    /// A file could not be read or opened (the error names it).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for a refusal.
pub(crate) fn refused<T>(message: impl Into<String>) -> Result<T, KeysError> {
    Err(KeysError::Refused(message.into()))
}

/// The AWS configuration of the environment (region `us-east-1` when none is set;
/// `AWS_ENDPOINT_URL*` honoured by the SDK).
pub async fn sdk_config() -> aws_config::SdkConfig {
    let region = aws_config::meta::region::RegionProviderChain::default_provider()
        .or_else(aws_config::Region::new("us-east-1"));
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(region)
        .load()
        .await
}
