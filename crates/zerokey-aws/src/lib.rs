//! zerokey's AWS layer: thin, typed wrappers over `aws-sdk-rust`.
//!
//! One credential type, [`AwsCredentials`], whose secret parts are `secrecy` types with a
//! redacting `Debug` and which is never `Serialize`; one AssumeRole ([`assume`]); one mapping
//! of STS errors ([`sts`]); one client builder honouring `AWS_ENDPOINT_URL_<SERVICE>` and
//! `AWS_ENDPOINT_URL` ([`client`]), so tests run against the local AWS emulator; one validator
//! of role ARNs, external IDs, session names, tags and policies ([`validate`]).

pub mod assume;
pub mod client;
pub mod cloudtrail;
pub mod credential_process;
pub mod credentials;
pub mod iam;
pub mod oidc_role;
pub mod oidc_token;
pub mod profile;
pub mod s3;
pub mod secret_store;
pub mod secrets;
pub mod sts;
pub mod trail_files;
pub mod validate;
pub mod verify;
pub mod web_identity;

pub use assume::{
    clamp_duration, AssumeError, AssumeRequest, AssumedRole, BaseAws, Field, RoleSession,
};
pub use credentials::{rfc3339, AwsCredentials};
pub use s3::{S3Error, S3Session};
pub use sts::{caller_identity, CallerIdentity, StsError};
