//! zerokey's AWS layer: thin, typed wrappers over `aws-sdk-rust`.
//!
//! Credentials live in [`AwsCredentials`], whose secret parts are `secrecy` types with a
//! redacting `Debug` and which is never `Serialize`. Endpoints honour `AWS_ENDPOINT_URL`
//! (and `AWS_ENDPOINT_URL_STS`), so tests run against the local AWS emulator.

pub mod assume;
pub mod cloudtrail;
pub mod credentials;
pub mod iam;
pub mod oidc_role;
pub mod oidc_token;
pub mod s3;
pub mod secret_store;
pub mod secrets;
pub mod sts;
pub mod temp_role;
pub mod trail_files;
pub mod verify;
pub mod web_identity;

pub use assume::{clamp_duration, AssumeError, AssumeRequest, AssumedRole, BaseAws};
pub use credentials::AwsCredentials;
pub use s3::{S3Error, S3Session};
pub use sts::{caller_identity, CallerIdentity, StsError};
pub use temp_role::TempCredentials;
