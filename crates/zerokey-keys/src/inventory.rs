//! Who has which access key, read from IAM: every user's keys with their last use, and the
//! owner of one key.

use crate::hygiene::{KeyRecord, UserKeys};
use crate::KeysError;
use zerokey_aws::iam::{AccessKeyMeta, Iam, KeyStatus};

/// Every IAM user's access keys with their last use (ListUsers, ListAccessKeys,
/// GetAccessKeyLastUsed).
pub async fn live_inventory(iam: &Iam) -> Result<Vec<UserKeys>, KeysError> {
    let mut users = Vec::new();
    for u in iam.list_users().await? {
        let mut keys = Vec::new();
        for k in iam.list_access_keys(&u.name).await? {
            let used = iam.access_key_last_used(&k.access_key_id).await?;
            keys.push(KeyRecord {
                access_key_id: Some(k.access_key_id.clone()),
                slot: None,
                active: k.status == Some(KeyStatus::Active),
                status: k.raw_status.clone(),
                created: k.created,
                last_used: used.date,
                last_used_service: used.service,
                last_used_region: used.region,
            });
        }
        users.push(UserKeys {
            user: u.name,
            arn: Some(u.arn),
            keys,
        });
    }
    Ok(users)
}

/// Finds a key and its owner: the named user's keys, or (GetAccessKeyLastUsed names the owner)
/// the owner's, or every user's.
pub async fn find_key(iam: &Iam, id: &str, user: Option<&str>) -> Result<AccessKeyMeta, KeysError> {
    if let Some(user) = user {
        let keys = iam.list_access_keys(user).await?;
        return keys
            .into_iter()
            .find(|k| k.access_key_id == id)
            .ok_or_else(|| {
                KeysError::Refused(format!("access key {id} does not belong to user {user:?}"))
            });
    }
    if let Ok(used) = iam.access_key_last_used(id).await {
        if let Some(owner) = used.user {
            if let Ok(keys) = iam.list_access_keys(&owner).await {
                if let Some(k) = keys.into_iter().find(|k| k.access_key_id == id) {
                    return Ok(k);
                }
            }
        }
    }
    let users = iam.list_users().await?;
    for u in &users {
        if let Some(k) = iam
            .list_access_keys(&u.name)
            .await?
            .into_iter()
            .find(|k| k.access_key_id == id)
        {
            return Ok(k);
        }
    }
    crate::refused(format!(
        "access key {id} not found: no IAM user in this account has it ({} users checked)",
        users.len()
    ))
}
