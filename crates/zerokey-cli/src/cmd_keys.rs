//! `zerokey keys report|disable|incident|rotate`: the AWS side of key hygiene and incident
//! response. The analysis and rendering live in `keys::*`; this module calls IAM, CloudTrail,
//! S3 and Secrets Manager through `zerokey_aws` and writes audit lines.

use crate::args::{
    KeysCommand, KeysDisableArgs, KeysFormat, KeysIncidentArgs, KeysReportArgs, KeysRotateArgs,
};
use crate::keys::{credential_report, duration, hygiene, key_id, render, trail};
use crate::Exit;
use anyhow::{bail, Context as _};
use secrecy::{ExposeSecret, SecretString};
use std::io::{IsTerminal, Write};
use std::path::Path;
use time::OffsetDateTime;
use zerokey_aws::iam::{AccessKeyMeta, Iam, KeyStatus};

/// Largest trail log file read (compressed), and once decompressed.
const MAX_TRAIL_FILE: u64 = 64 << 20;
const MAX_TRAIL_JSON: u64 = 512 << 20;

/// Runs one `keys` subcommand.
pub fn run(cmd: KeysCommand) -> anyhow::Result<Exit> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        match cmd {
            KeysCommand::Report(a) => report(a).await,
            KeysCommand::Disable(a) => disable(a).await,
            KeysCommand::Incident(a) => incident(a).await,
            KeysCommand::Rotate(a) => rotate(a).await,
        }
    })
}

async fn sdk_config() -> aws_config::SdkConfig {
    let region = aws_config::meta::region::RegionProviderChain::default_provider()
        .or_else(aws_config::Region::new("us-east-1"));
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(region)
        .load()
        .await
}

fn emit(
    path: Option<&Path>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    crate::output::emit(path, f)
}

/// Writes one audit line (JSON) to stderr and, if asked, appends it to a file.
fn audit(log: Option<&Path>, event: serde_json::Value) -> anyhow::Result<()> {
    let mut line = serde_json::json!({
        "ts": render::ts(Some(OffsetDateTime::now_utc())),
        "operator": std::env::var("USER").unwrap_or_default(),
    });
    if let (Some(obj), serde_json::Value::Object(ev)) = (line.as_object_mut(), event) {
        obj.extend(ev);
    }
    let text = line.to_string();
    let _ = writeln!(std::io::stderr(), "zerokey: audit: {text}");
    if let Some(path) = log {
        let mut f = fs_err::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{text}").with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

async fn report(a: KeysReportArgs) -> anyhow::Result<Exit> {
    let now = OffsetDateTime::now_utc();
    let (source, users) = match &a.credential_report {
        Some(path) => {
            let bytes = fs_err::read(path)?;
            let name = path.display().to_string();
            (name.clone(), credential_report::parse(&name, &bytes)?)
        }
        None => {
            let iam = Iam::new(&sdk_config().await);
            (
                "iam (ListUsers, ListAccessKeys, GetAccessKeyLastUsed)".to_string(),
                live_inventory(&iam).await?,
            )
        }
    };
    let policy = hygiene::Policy {
        max_age: a.max_age,
        unused_after: a.unused_after,
    };
    let findings = hygiene::analyze(&users, now, policy);
    let report = render::HygieneReport::new(
        source,
        now,
        a.max_age.whole_days(),
        a.unused_after.whole_days(),
        &users,
        findings,
    );
    emit(a.output.as_deref(), |out| match a.format {
        KeysFormat::Text => report.text(out),
        KeysFormat::Markdown => report.markdown(out),
        KeysFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }
    })?;
    Ok(if a.fail_on_findings && report.finding_count() > 0 {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

async fn live_inventory(iam: &Iam) -> anyhow::Result<Vec<hygiene::UserKeys>> {
    let mut users = Vec::new();
    for u in iam.list_users().await? {
        let mut keys = Vec::new();
        for k in iam.list_access_keys(&u.name).await? {
            let used = iam.access_key_last_used(&k.access_key_id).await?;
            keys.push(hygiene::KeyRecord {
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
        users.push(hygiene::UserKeys {
            user: u.name,
            arn: Some(u.arn),
            keys,
        });
    }
    Ok(users)
}

/// Finds a key and its owner: the named user's keys, or (GetAccessKeyLastUsed names the owner)
/// the owner's, or every user's.
async fn find_key(iam: &Iam, id: &str, user: Option<&str>) -> anyhow::Result<AccessKeyMeta> {
    if let Some(user) = user {
        let keys = iam.list_access_keys(user).await?;
        return keys
            .into_iter()
            .find(|k| k.access_key_id == id)
            .with_context(|| format!("access key {id} does not belong to user {user:?}"));
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
    bail!(
        "access key {id} not found: no IAM user in this account has it ({} users checked)",
        users.len()
    )
}

async fn disable(a: KeysDisableArgs) -> anyhow::Result<Exit> {
    let id = key_id::parse(&a.access_key_id)?;
    if id.starts_with("ASIA") {
        bail!("{id} is a temporary (STS) key: it cannot be disabled, it expires; revoke the session of the role or user that issued it");
    }
    let iam = Iam::new(&sdk_config().await);
    let key = find_key(&iam, &id, a.user.as_deref()).await?;
    let mut out = std::io::stdout().lock();
    if key.status == Some(KeyStatus::Inactive) {
        writeln!(
            out,
            "access key {id} of user {} is already Inactive; nothing to do",
            key.user
        )?;
        return Ok(Exit::Clean);
    }
    if !a.yes {
        writeln!(
            out,
            "dry run: would set access key {id} of user {} (status {}, created {}) to Inactive.\n\
             Nothing was changed. Re-run with --yes to do it; the key is never deleted.",
            key.user,
            key.raw_status,
            render::ts(key.created)
        )?;
        return Ok(Exit::Clean);
    }
    iam.set_access_key_status(&key.user, &id, KeyStatus::Inactive)
        .await?;
    let after = iam
        .list_access_keys(&key.user)
        .await?
        .into_iter()
        .find(|k| k.access_key_id == id);
    let verified = after.as_ref().and_then(|k| k.status) == Some(KeyStatus::Inactive);
    audit(
        a.audit_log.as_deref(),
        serde_json::json!({
            "action": "disable-access-key",
            "access_key_id": id,
            "user": key.user,
            "from": key.raw_status,
            "to": "Inactive",
            "verified": verified,
        }),
    )?;
    if !verified {
        bail!(
            "UpdateAccessKey succeeded but access key {id} now reads {:?}, not Inactive: check it by hand",
            after.map(|k| k.raw_status).unwrap_or_else(|| "missing".into())
        );
    }
    writeln!(
        out,
        "disabled access key {id} of user {}: status Inactive (verified)",
        key.user
    )?;
    Ok(Exit::Clean)
}

async fn incident(a: KeysIncidentArgs) -> anyhow::Result<Exit> {
    let id = key_id::parse(&a.access_key_id)?;
    let location = a
        .trail_bucket
        .as_deref()
        .map(zerokey_aws::trail_files::TrailLocation::parse)
        .transpose()?;
    if a.since <= time::Duration::ZERO {
        bail!("--since must be more than 0");
    }
    let conf = sdk_config().await;
    let until = OffsetDateTime::now_utc();
    let since = until - a.since;
    let mut truncated = false;
    let mut files_read = 0;
    let (source, mut events) = match &location {
        Some(loc) => {
            let files = zerokey_aws::trail_files::TrailFiles::new(&conf, loc.clone());
            let since_day = since.date().previous_day().unwrap_or(since.date());
            let mut events = Vec::new();
            for f in files.list().await? {
                if trail::is_digest(&f.key)
                    || trail::file_day(&f.key).is_some_and(|d| d < since_day)
                {
                    continue;
                }
                let name = format!("s3://{}/{}", loc.bucket, f.key);
                let bytes = files.get(&f.key, MAX_TRAIL_FILE).await?;
                events.extend(trail::parse_log_file(&name, &bytes, &id, MAX_TRAIL_JSON)?);
                files_read += 1;
            }
            ("trail-files", events)
        }
        None => {
            if a.since > time::Duration::days(90) {
                tracing::warn!("CloudTrail LookupEvents keeps 90 days of events; older ones need --trail-bucket");
            }
            let found = zerokey_aws::cloudtrail::lookup_events_by_access_key(
                &conf,
                &id,
                since,
                until,
                a.max_events,
            )
            .await?;
            truncated = found.truncated;
            let mut events = Vec::new();
            for (i, e) in found.events.iter().enumerate() {
                let name = format!(
                    "LookupEvents event {}",
                    e.event_id.clone().unwrap_or_else(|| (i + 1).to_string())
                );
                let json = e
                    .cloudtrail_event
                    .as_deref()
                    .with_context(|| format!("{name}: no CloudTrailEvent"))?;
                events.push(trail::parse_lookup_event(&name, json)?);
            }
            ("cloudtrail-lookup-events", events)
        }
    };
    events.retain(|e| e.at >= since && e.at <= until);
    events.sort_by(|x, y| x.at.cmp(&y.at).then(x.event_name.cmp(&y.event_name)));
    if events.len() > a.max_events {
        events.truncate(a.max_events);
        truncated = true;
    }
    // Best effort: who owns the key and is it still active.
    let mut state = trail::KeyState::default();
    if id.starts_with("AKIA") {
        match find_key(&Iam::new(&conf), &id, None).await {
            Ok(k) => {
                state.user = Some(k.user);
                state.status = Some(k.raw_status);
            }
            Err(e) => tracing::warn!("cannot read the key's status from IAM: {e:#}"),
        }
    }
    let expected: Vec<String> = if a.expected_regions.is_empty() {
        conf.region()
            .map(|r| vec![r.to_string()])
            .unwrap_or_default()
    } else {
        a.expected_regions.clone()
    };
    let summary = trail::summarize(&events, &expected);
    let since_text = duration::display(a.since);
    let next_steps = trail::next_steps(&id, &state, &summary, &since_text);
    let report = render::IncidentReport {
        version: 1,
        access_key_id: id,
        source: source.into(),
        location: location.map(|l| l.to_string()),
        since: render::ts(Some(since)),
        until: render::ts(Some(until)),
        key: state,
        summary,
        timeline: events,
        truncated,
        files_read,
        next_steps,
    };
    emit(a.output.as_deref(), |out| match a.format {
        KeysFormat::Text => report.text(out),
        KeysFormat::Markdown => report.markdown(out),
        KeysFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }
    })?;
    Ok(Exit::Clean)
}

/// What the operator answered at the rotation prompt.
enum Answer {
    Go,
    Abort,
    Timeout,
}

async fn confirm(grace: time::Duration) -> Answer {
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

async fn rotate(a: KeysRotateArgs) -> anyhow::Result<Exit> {
    if let Some(name) = &a.to_secret {
        zerokey_aws::secret_store::validate_name(name).context("--to-secret")?;
    }
    let to_terminal = std::io::stdout().is_terminal();
    if a.to_secret.is_none() && !to_terminal && !a.show_secret && a.yes {
        bail!("refusing to write a new secret access key to a pipe or file: use --to-secret NAME, or --show-secret if that is really what you want");
    }
    let conf = sdk_config().await;
    let iam = Iam::new(&conf);
    let keys = iam.list_access_keys(&a.user).await?;
    let active: Vec<&AccessKeyMeta> = keys
        .iter()
        .filter(|k| k.status == Some(KeyStatus::Active))
        .collect();
    let inactive: Vec<&AccessKeyMeta> = keys
        .iter()
        .filter(|k| k.status != Some(KeyStatus::Active))
        .collect();
    let mut out = std::io::stdout().lock();
    let mut to_delete = None;
    if keys.len() >= 2 {
        if active.len() >= 2 {
            bail!(
                "user {:?} has two active access keys ({}, {}) and IAM allows two: disable the one no longer used first (zerokey keys disable KEY_ID --yes)",
                a.user, active[0].access_key_id, active[1].access_key_id
            );
        }
        if !a.delete_inactive {
            bail!(
                "user {:?} already has two access keys (IAM allows two); {} is {}: delete it first, or pass --delete-inactive",
                a.user, inactive[0].access_key_id, inactive[0].raw_status
            );
        }
        to_delete = Some(inactive[0].access_key_id.clone());
    }
    let old = active.first().map(|k| k.access_key_id.clone());
    let delivery = match &a.to_secret {
        Some(n) => format!("store it in Secrets Manager secret {n:?}"),
        None => "show it once on this terminal".into(),
    };
    if !a.yes {
        writeln!(out, "dry run for user {}:", a.user)?;
        if let Some(d) = &to_delete {
            writeln!(out, "  delete inactive key {d} to make room")?;
        }
        writeln!(out, "  create a new access key and {delivery}")?;
        match &old {
            Some(o) => writeln!(
                out,
                "  deactivate the old key {o} once you confirm (at most {} later)",
                duration::display(a.grace)
            )?,
            None => writeln!(out, "  (the user has no active key to deactivate)")?,
        }
        writeln!(out, "Nothing was changed. Re-run with --yes to do it.")?;
        return Ok(Exit::Clean);
    }
    if let Some(d) = &to_delete {
        iam.delete_access_key(&a.user, d).await?;
        audit(
            a.audit_log.as_deref(),
            serde_json::json!({"action": "delete-inactive-access-key", "user": a.user, "access_key_id": d}),
        )?;
    }
    let new = iam.create_access_key(&a.user).await?;
    audit(
        a.audit_log.as_deref(),
        serde_json::json!({"action": "create-access-key", "user": a.user, "access_key_id": new.access_key_id}),
    )?;
    match &a.to_secret {
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
                &format!("AWS access key of IAM user {}", a.user),
            )
            .await;
            match stored {
                Ok(s) => writeln!(
                    out,
                    "new access key {} of user {} stored in {} (version {}{})",
                    new.access_key_id,
                    a.user,
                    s.arn,
                    s.version_id,
                    if s.created { ", new secret" } else { "" }
                )?,
                Err(e) => {
                    // Nobody has seen the new secret: remove the key so nothing changed.
                    let _ = iam
                        .set_access_key_status(&a.user, &new.access_key_id, KeyStatus::Inactive)
                        .await;
                    let undone = iam
                        .delete_access_key(&a.user, &new.access_key_id)
                        .await
                        .is_ok();
                    audit(
                        a.audit_log.as_deref(),
                        serde_json::json!({"action": "rollback-new-access-key", "user": a.user, "access_key_id": new.access_key_id, "deleted": undone}),
                    )?;
                    return Err(anyhow::Error::new(e).context(format!(
                        "the new key {} was {} because it could not be stored",
                        new.access_key_id,
                        if undone {
                            "deleted again"
                        } else {
                            "NOT deleted (do it by hand)"
                        }
                    )));
                }
            }
        }
        None => {
            writeln!(out, "New access key for IAM user {}:", a.user)?;
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
        writeln!(out, "user {} had no active key; rotation done", a.user)?;
        return Ok(Exit::Clean);
    };
    if a.grace > time::Duration::ZERO {
        let _ = writeln!(
            std::io::stderr(),
            "zerokey: deploy the new key {}, then press Enter to deactivate the old key {old} (type 'no' to keep the old key and deactivate the new one). It is deactivated anyway in {}.",
            new.access_key_id,
            duration::display(a.grace)
        );
    }
    let answer = confirm(a.grace).await;
    if matches!(answer, Answer::Abort) {
        iam.set_access_key_status(&a.user, &new.access_key_id, KeyStatus::Inactive)
            .await?;
        audit(
            a.audit_log.as_deref(),
            serde_json::json!({"action": "abort-rotation", "user": a.user, "access_key_id": new.access_key_id, "to": "Inactive"}),
        )?;
        bail!(
            "rotation aborted: the new key {} is Inactive, the old key {old} stays active",
            new.access_key_id
        );
    }
    iam.set_access_key_status(&a.user, &old, KeyStatus::Inactive)
        .await?;
    let verified = iam
        .list_access_keys(&a.user)
        .await?
        .iter()
        .any(|k| k.access_key_id == old && k.status == Some(KeyStatus::Inactive));
    audit(
        a.audit_log.as_deref(),
        serde_json::json!({
            "action": "deactivate-old-access-key", "user": a.user, "access_key_id": old,
            "to": "Inactive", "verified": verified,
            "reason": if matches!(answer, Answer::Timeout) { "grace period over" } else { "confirmed" },
        }),
    )?;
    if !verified {
        bail!("the old key {old} does not read Inactive after the update: check it by hand");
    }
    writeln!(
        out,
        "old access key {old} of user {} is Inactive (verified); delete it once nothing uses it",
        a.user
    )?;
    Ok(Exit::Clean)
}
