//! `zerokey scan --verify`: checks AWS key pairs found by a scan with `sts:GetCallerIdentity`
//! and nothing else, as the engine's [`Verifier`]. Opt-in only; results are cached per key id
//! (and a fingerprint of the secret) for the run.

use crate::{AwsCredentials, StsError};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Mutex;
use zerokey_core::verify::{Verdict, Verifier};
use zerokey_core::Validation;

/// Region used for STS when none is configured.
const DEFAULT_REGION: &str = "us-east-1";

/// The STS verifier, with its own small runtime (the scan's threads call it synchronously).
#[derive(Debug)]
pub struct StsVerifier {
    runtime: tokio::runtime::Runtime,
    region: String,
    cache: Mutex<HashMap<(String, String), Verdict>>,
}

impl StsVerifier {
    /// A verifier for the environment's region (`AWS_REGION`, `AWS_DEFAULT_REGION`, else
    /// `us-east-1`).
    pub fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| DEFAULT_REGION.to_string());
        Ok(StsVerifier {
            runtime,
            region,
            cache: Mutex::new(HashMap::new()),
        })
    }
}

impl Verifier for StsVerifier {
    fn verify_aws(&self, access_key_id: &[u8], secret_access_key: &[u8]) -> Verdict {
        let id = String::from_utf8_lossy(access_key_id).into_owned();
        // The cache key holds a fingerprint of the secret, not the secret.
        let key = (
            id.clone(),
            zerokey_core::fingerprint("verify", "", secret_access_key),
        );
        if let Some(v) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return v;
        }
        let creds = AwsCredentials::new(
            id.clone(),
            SecretString::from(String::from_utf8_lossy(secret_access_key).into_owned()),
            None,
        );
        let result = self
            .runtime
            .block_on(crate::caller_identity(&creds, &self.region));
        let verdict = match result {
            Ok(who) => Verdict {
                validation: Validation::Live,
                note: Some(format!("live: {}", who.arn)),
            },
            Err(StsError::Rejected { code }) => Verdict {
                validation: Validation::Invalid,
                note: Some(format!("rejected by STS ({code})")),
            },
            Err(e) => {
                tracing::warn!(access_key_id = %id, "could not verify: {e}");
                Verdict {
                    validation: Validation::Unverified,
                    note: Some(format!("not verified: {e}")),
                }
            }
        };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, verdict.clone());
        }
        verdict
    }
}
