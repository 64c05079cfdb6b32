//! `keys report`: the hygiene report over a credential report file or the live IAM inventory.

use crate::hygiene::{self, Policy};
use crate::render::HygieneReport;
use crate::{credential_report, inventory, KeysError};
use std::path::Path;
use time::OffsetDateTime;
use zerokey_aws::iam::Iam;

/// Where the keys come from.
#[derive(Debug, Clone, Copy)]
pub enum Inventory<'a> {
    /// An IAM credential report (CSV) on disk.
    CredentialReport(&'a Path),
    /// IAM, through the environment's AWS configuration.
    Live,
}

/// Reads the keys and analyses them against `policy` at `now`.
pub async fn build(
    inventory: Inventory<'_>,
    policy: Policy,
    now: OffsetDateTime,
) -> Result<HygieneReport, KeysError> {
    let (source, users) = match inventory {
        Inventory::CredentialReport(path) => {
            let bytes = fs_err::read(path)?;
            let name = path.display().to_string();
            (name.clone(), credential_report::parse(&name, &bytes)?)
        }
        Inventory::Live => {
            let iam = Iam::new(&crate::sdk_config().await);
            (
                "iam (ListUsers, ListAccessKeys, GetAccessKeyLastUsed)".to_string(),
                inventory::live_inventory(&iam).await?,
            )
        }
    };
    let findings = hygiene::analyze(&users, now, policy);
    Ok(HygieneReport::new(
        source,
        now,
        policy.max_age.whole_days(),
        policy.unused_after.whole_days(),
        &users,
        findings,
    ))
}
