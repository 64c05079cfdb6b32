//! Opt-in live verification. The engine knows which findings form a credential (an AWS key id
//! and its secret in the same blob); a [`Verifier`] supplied by the caller checks it. The
//! engine itself never makes a network call.

use crate::Validation;

/// What a live check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Live`, `Invalid`, or `Unverified` when the check could not be made.
    pub validation: Validation,
    /// Safe facts to show (e.g. the ARN the credentials belong to), never the secret.
    pub note: Option<String>,
}

/// Checks credentials found by a scan.
pub trait Verifier: Send + Sync + std::fmt::Debug {
    /// Checks an AWS access key id with its secret access key.
    fn verify_aws(&self, access_key_id: &[u8], secret_access_key: &[u8]) -> Verdict;
}

/// Rule ids of AWS access key ids.
pub const AWS_KEY_ID_RULES: &[&str] = &["aws-access-key-id"];
/// Rule ids of AWS secret access keys.
pub const AWS_SECRET_RULES: &[&str] = &["aws-secret-access-key", "aws-secret-access-key-paired"];
