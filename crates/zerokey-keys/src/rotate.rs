//! `keys rotate`: makes room (deletes an inactive key if asked), creates a new access key,
//! delivers its secret once (the terminal, or a Secrets Manager secret), waits for the
//! operator's confirmation or the grace period, deactivates the old key and verifies it.
//! A new key whose secret could not be stored is deleted again; every change is audited.

use crate::audit::AuditLog;
use crate::{duration, KeysError};
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::io::Write;
use zerokey_aws::iam::{AccessKeyMeta, Iam, KeyStatus};

/// What to rotate and how.
#[derive(Debug, Clone, Copy)]
pub struct RotateRequest<'a> {
    /// The IAM user.
    pub user: &'a str,
    /// Store the new key in this Secrets Manager secret instead of showing it.
    pub to_secret: Option<&'a str>,
    /// Delete an inactive key if the user already has two.
    pub delete_inactive: bool,
    /// Do it; otherwise a dry run.
    pub yes: bool,
    /// The secret may be shown although stdout is not a terminal.
    pub show_secret: bool,
    /// Stdout is a terminal.
    pub to_terminal: bool,
    /// Longest wait for the operator before the old key is deactivated anyway.
    pub grace: time::Duration,
}

/// What the operator answered at the rotation prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Deactivate the old key.
    Go,
    /// Keep the old key, deactivate the new one.
    Abort,
    /// No answer within the grace period: deactivate the old key.
    Timeout,
}

/// Waits for the operator's answer on stdin, at most `grace`: Enter, `y` or `yes` (or stdin
/// closed: nobody can confirm, so both keys are not left active) go on; anything else aborts;
/// no answer in time is [`Answer::Timeout`]. A zero grace goes on at once.
pub async fn confirm_on_stdin(grace: time::Duration) -> Answer {
    if grace <= time::Duration::ZERO {
        return Answer::Go;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::stdin().read_line(&mut line);
        let _ = tx.send(match read {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line),
        });
    });
    let wait = std::time::Duration::from_secs(grace.whole_seconds().unsigned_abs());
    match tokio::time::timeout(wait, rx).await {
        Ok(Ok(Some(line))) => match line.trim().to_ascii_lowercase().as_str() {
            "" | "y" | "yes" => Answer::Go,
            _ => Answer::Abort,
        },
        // stdin closed: nobody can confirm, so do not leave both keys active.
        Ok(_) => Answer::Go,
        Err(_) => Answer::Timeout,
    }
}

/// Rotates the user's key, writing progress (and, on a terminal, the new secret once) to
/// `out`; `confirm` is awaited between delivery and deactivating the old key.
pub async fn rotate(
    req: RotateRequest<'_>,
    audit: &AuditLog,
    out: &mut dyn Write,
    confirm: impl Future<Output = Answer>,
) -> Result<(), KeysError> {
    if let Some(name) = req.to_secret {
        zerokey_aws::secret_store::validate_name(name).map_err(KeysError::SecretName)?;
    }
    if req.to_secret.is_none() && !req.to_terminal && !req.show_secret && req.yes {
        return crate::refused("refusing to write a new secret access key to a pipe or file: use --to-secret NAME, or --show-secret if that is really what you want");
    }
    let conf = crate::sdk_config().await;
    let iam = Iam::new(&conf);
    let keys = iam.list_access_keys(req.user).await?;
    let active: Vec<&AccessKeyMeta> = keys
        .iter()
        .filter(|k| k.status == Some(KeyStatus::Active))
        .collect();
    let inactive: Vec<&AccessKeyMeta> = keys
        .iter()
        .filter(|k| k.status != Some(KeyStatus::Active))
        .collect();
    let user = req.user;
    let mut to_delete = None;
    if keys.len() >= 2 {
        if active.len() >= 2 {
            return crate::refused(format!(
                "user {user:?} has two active access keys ({}, {}) and IAM allows two: disable the one no longer used first (zerokey keys disable KEY_ID --yes)",
                active[0].access_key_id, active[1].access_key_id
            ));
        }
        if !req.delete_inactive {
            return crate::refused(format!(
                "user {user:?} already has two access keys (IAM allows two); {} is {}: delete it first, or pass --delete-inactive",
                inactive[0].access_key_id, inactive[0].raw_status
            ));
        }
        to_delete = Some(inactive[0].access_key_id.clone());
    }
    let old = active.first().map(|k| k.access_key_id.clone());
    let delivery = match req.to_secret {
        Some(n) => format!("store it in Secrets Manager secret {n:?}"),
        None => "show it once on this terminal".into(),
    };
    if !req.yes {
        writeln!(out, "dry run for user {user}:")?;
        if let Some(d) = &to_delete {
            writeln!(out, "  delete inactive key {d} to make room")?;
        }
        writeln!(out, "  create a new access key and {delivery}")?;
        match &old {
            Some(o) => writeln!(
                out,
                "  deactivate the old key {o} once you confirm (at most {} later)",
                duration::display(req.grace)
            )?,
            None => writeln!(out, "  (the user has no active key to deactivate)")?,
        }
        writeln!(out, "Nothing was changed. Re-run with --yes to do it.")?;
        return Ok(());
    }
    if let Some(d) = &to_delete {
        iam.delete_access_key(user, d).await?;
        audit.record(serde_json::json!({"action": "delete-inactive-access-key", "user": user, "access_key_id": d}))?;
    }
    let new = iam.create_access_key(user).await?;
    audit.record(serde_json::json!({"action": "create-access-key", "user": user, "access_key_id": new.access_key_id}))?;
    match req.to_secret {
        Some(name) => {
            let value = SecretString::from(format!(
                "{{\"AccessKeyId\":{},\"SecretAccessKey\":{}}}",
                serde_json::Value::String(new.access_key_id.clone()),
                serde_json::Value::String(new.secret_access_key.expose_secret().to_string())
            ));
            let stored = zerokey_aws::secret_store::put_secret_string(
                &conf,
                name,
                &value,
                &format!("AWS access key of IAM user {user}"),
            )
            .await;
            match stored {
                Ok(s) => writeln!(
                    out,
                    "new access key {} of user {user} stored in {} (version {}{})",
                    new.access_key_id,
                    s.arn,
                    s.version_id,
                    if s.created { ", new secret" } else { "" }
                )?,
                Err(source) => {
                    // Nobody has seen the new secret: remove the key so nothing changed.
                    let _ = iam
                        .set_access_key_status(user, &new.access_key_id, KeyStatus::Inactive)
                        .await;
                    let undone = iam
                        .delete_access_key(user, &new.access_key_id)
                        .await
                        .is_ok();
                    audit.record(serde_json::json!({"action": "rollback-new-access-key", "user": user, "access_key_id": new.access_key_id, "deleted": undone}))?;
                    return Err(KeysError::NotStored {
                        message: format!(
                            "the new key {} was {} because it could not be stored",
                            new.access_key_id,
                            if undone {
                                "deleted again"
                            } else {
                                "NOT deleted (do it by hand)"
                            }
                        ),
                        source,
                    });
                }
            }
        }
        None => {
            writeln!(out, "New access key for IAM user {user}:")?;
            writeln!(out, "  AccessKeyId:     {}", new.access_key_id)?;
            writeln!(
                out,
                "  SecretAccessKey: {}",
                new.secret_access_key.expose_secret()
            )?;
            writeln!(
                out,
                "This is the only time the secret is shown; store it now."
            )?;
        }
    }
    drop(new.secret_access_key);
    out.flush()?;
    let Some(old) = old else {
        writeln!(out, "user {user} had no active key; rotation done")?;
        return Ok(());
    };
    if req.grace > time::Duration::ZERO {
        let _ = writeln!(
            std::io::stderr(),
            "zerokey: deploy the new key {}, then press Enter to deactivate the old key {old} (type 'no' to keep the old key and deactivate the new one). It is deactivated anyway in {}.",
            new.access_key_id,
            duration::display(req.grace)
        );
    }
    let answer = confirm.await;
    if answer == Answer::Abort {
        iam.set_access_key_status(user, &new.access_key_id, KeyStatus::Inactive)
            .await?;
        audit.record(serde_json::json!({"action": "abort-rotation", "user": user, "access_key_id": new.access_key_id, "to": "Inactive"}))?;
        return crate::refused(format!(
            "rotation aborted: the new key {} is Inactive, the old key {old} stays active",
            new.access_key_id
        ));
    }
    iam.set_access_key_status(user, &old, KeyStatus::Inactive)
        .await?;
    let verified = iam
        .list_access_keys(user)
        .await?
        .iter()
        .any(|k| k.access_key_id == old && k.status == Some(KeyStatus::Inactive));
    audit.record(serde_json::json!({
        "action": "deactivate-old-access-key", "user": user, "access_key_id": old,
        "to": "Inactive", "verified": verified,
        "reason": if answer == Answer::Timeout { "grace period over" } else { "confirmed" },
    }))?;
    if !verified {
        return crate::refused(format!(
            "the old key {old} does not read Inactive after the update: check it by hand"
        ));
    }
    writeln!(
        out,
        "old access key {old} of user {user} is Inactive (verified); delete it once nothing uses it"
    )?;
    Ok(())
}
