//! `zerokey keys report|disable|incident|rotate`: flags to `zerokey_keys` calls, and the
//! result to stdout or `--output`.

use crate::args::{
    KeysCommand, KeysDisableArgs, KeysFormat, KeysIncidentArgs, KeysReportArgs, KeysRotateArgs,
};
use crate::Exit;
use anyhow::Context as _;
use std::io::{IsTerminal, Write};
use std::path::Path;
use time::OffsetDateTime;
use zerokey_keys::audit::AuditLog;
use zerokey_keys::{disable, hygiene, incident, report, rotate, KeysError};

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

/// A library error as the binary reports it; a plain I/O error stays one, so a closed
/// stdout is recognised as such.
fn lift(e: KeysError) -> anyhow::Error {
    match e {
        KeysError::Io(io) => anyhow::Error::new(io),
        other => anyhow::Error::new(other),
    }
}

/// Writes a `keys` document as text, Markdown or JSON to stdout or `path`.
fn emit<R: serde::Serialize>(
    path: Option<&Path>,
    format: KeysFormat,
    report: &R,
    text: impl FnOnce(&R, &mut dyn Write) -> std::io::Result<()>,
    markdown: impl FnOnce(&R, &mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    crate::output::emit(path, |out| match format {
        KeysFormat::Text => text(report, out),
        KeysFormat::Markdown => markdown(report, out),
        KeysFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
    })
}

async fn report(a: KeysReportArgs) -> anyhow::Result<Exit> {
    let inventory = match &a.credential_report {
        Some(path) => report::Inventory::CredentialReport(path),
        None => report::Inventory::Live,
    };
    let policy = hygiene::Policy {
        max_age: a.max_age,
        unused_after: a.unused_after,
    };
    let report = report::build(inventory, policy, OffsetDateTime::now_utc())
        .await
        .map_err(lift)?;
    emit(
        a.output.as_deref(),
        a.format,
        &report,
        |r, out| r.text(out),
        |r, out| r.markdown(out),
    )?;
    Ok(if a.fail_on_findings && report.finding_count() > 0 {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

async fn disable(a: KeysDisableArgs) -> anyhow::Result<Exit> {
    let req = disable::DisableRequest {
        access_key_id: &a.access_key_id,
        user: a.user.as_deref(),
        yes: a.yes,
    };
    let audit = AuditLog::new(a.audit_log.as_deref());
    disable::disable(req, &audit, &mut std::io::stdout().lock())
        .await
        .map_err(lift)?;
    Ok(Exit::Clean)
}

async fn incident(a: KeysIncidentArgs) -> anyhow::Result<Exit> {
    let req = incident::IncidentRequest {
        access_key_id: &a.access_key_id,
        trail_bucket: a.trail_bucket.as_deref(),
        since: a.since,
        max_events: a.max_events,
        expected_regions: &a.expected_regions,
    };
    let report = incident::investigate(req).await.map_err(lift)?;
    emit(
        a.output.as_deref(),
        a.format,
        &report,
        |r, out| r.text(out),
        |r, out| r.markdown(out),
    )?;
    Ok(Exit::Clean)
}

async fn rotate(a: KeysRotateArgs) -> anyhow::Result<Exit> {
    let req = rotate::RotateRequest {
        user: &a.user,
        to_secret: a.to_secret.as_deref(),
        delete_inactive: a.delete_inactive,
        yes: a.yes,
        show_secret: a.show_secret,
        to_terminal: std::io::stdout().is_terminal(),
        grace: a.grace,
    };
    let audit = AuditLog::new(a.audit_log.as_deref());
    rotate::rotate(
        req,
        &audit,
        &mut std::io::stdout().lock(),
        rotate::confirm_on_stdin(a.grace),
    )
    .await
    .map_err(lift)?;
    Ok(Exit::Clean)
}
