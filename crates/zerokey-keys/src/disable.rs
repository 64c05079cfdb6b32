//! `keys disable`: sets a long-term access key to Inactive (never deletes it), reads it back
//! to verify, and audits the change. Without `yes` it only says what it would do.

use crate::audit::AuditLog;
use crate::render::ts;
use crate::{inventory, key_id, KeysError};
use std::io::Write;
use zerokey_aws::iam::{Iam, KeyStatus};

/// What to disable.
#[derive(Debug, Clone, Copy)]
pub struct DisableRequest<'a> {
    /// The access key id, as typed.
    pub access_key_id: &'a str,
    /// Its owner, if known (saves looking it up).
    pub user: Option<&'a str>,
    /// Do it; otherwise a dry run.
    pub yes: bool,
}

/// Disables the key and writes what happened to `out`.
pub async fn disable(
    req: DisableRequest<'_>,
    audit: &AuditLog,
    out: &mut dyn Write,
) -> Result<(), KeysError> {
    let id = key_id::parse(req.access_key_id)?;
    if id.starts_with("ASIA") {
        return crate::refused(format!("{id} is a temporary (STS) key: it cannot be disabled, it expires; revoke the session of the role or user that issued it"));
    }
    let iam = Iam::new(&crate::sdk_config().await);
    let key = inventory::find_key(&iam, &id, req.user).await?;
    if key.status == Some(KeyStatus::Inactive) {
        writeln!(
            out,
            "access key {id} of user {} is already Inactive; nothing to do",
            key.user
        )?;
        return Ok(());
    }
    if !req.yes {
        writeln!(
            out,
            "dry run: would set access key {id} of user {} (status {}, created {}) to Inactive.\n\
             Nothing was changed. Re-run with --yes to do it; the key is never deleted.",
            key.user,
            key.raw_status,
            ts(key.created)
        )?;
        return Ok(());
    }
    iam.set_access_key_status(&key.user, &id, KeyStatus::Inactive)
        .await?;
    let after = iam
        .list_access_keys(&key.user)
        .await?
        .into_iter()
        .find(|k| k.access_key_id == id);
    let verified = after.as_ref().and_then(|k| k.status) == Some(KeyStatus::Inactive);
    audit.record(serde_json::json!({
        "action": "disable-access-key",
        "access_key_id": id,
        "user": key.user,
        "from": key.raw_status,
        "to": "Inactive",
        "verified": verified,
    }))?;
    if !verified {
        return crate::refused(format!(
            "UpdateAccessKey succeeded but access key {id} now reads {:?}, not Inactive: check it by hand",
            after.map(|k| k.raw_status).unwrap_or_else(|| "missing".into())
        ));
    }
    writeln!(
        out,
        "disabled access key {id} of user {}: status Inactive (verified)",
        key.user
    )?;
    Ok(())
}
