//! `keys incident`: the CloudTrail timeline of one access key over a window, from
//! `LookupEvents` (90 days) or from a trail's log files in S3, with the key's owner and status,
//! a summary of unusual activity and the next steps.

use crate::render::{ts, IncidentReport};
use crate::{duration, inventory, key_id, trail, KeysError};
use time::OffsetDateTime;
use zerokey_aws::iam::Iam;
use zerokey_aws::trail_files::{TrailFiles, TrailLocation};

/// Largest trail log file read (compressed), and once decompressed.
const MAX_TRAIL_FILE: u64 = 64 << 20;
const MAX_TRAIL_JSON: u64 = 512 << 20;

/// What to look up.
#[derive(Debug, Clone)]
pub struct IncidentRequest<'a> {
    /// The access key id, as typed.
    pub access_key_id: &'a str,
    /// `s3://bucket/prefix` of a trail's log files; `None` for `LookupEvents`.
    pub trail_bucket: Option<&'a str>,
    /// How far back to look.
    pub since: time::Duration,
    /// Most events in the timeline.
    pub max_events: usize,
    /// Regions the key is expected in (default: the configured region).
    pub expected_regions: &'a [String],
}

/// Reads the key's events and builds the incident report.
pub async fn investigate(req: IncidentRequest<'_>) -> Result<IncidentReport, KeysError> {
    let id = key_id::parse(req.access_key_id)?;
    let location = req.trail_bucket.map(TrailLocation::parse).transpose()?;
    if req.since <= time::Duration::ZERO {
        return crate::refused("--since must be more than 0");
    }
    let conf = crate::sdk_config().await;
    let until = OffsetDateTime::now_utc();
    let since = until - req.since;
    let mut truncated = false;
    let mut files_read = 0;
    let (source, mut events) = match &location {
        Some(loc) => {
            let files = TrailFiles::new(&conf, loc.clone());
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
            if req.since > time::Duration::days(90) {
                tracing::warn!("CloudTrail LookupEvents keeps 90 days of events; older ones need --trail-bucket");
            }
            let found = zerokey_aws::cloudtrail::lookup_events_by_access_key(
                &conf,
                &id,
                since,
                until,
                req.max_events,
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
                    .ok_or_else(|| KeysError::Refused(format!("{name}: no CloudTrailEvent")))?;
                events.push(trail::parse_lookup_event(&name, json)?);
            }
            ("cloudtrail-lookup-events", events)
        }
    };
    events.retain(|e| e.at >= since && e.at <= until);
    events.sort_by(|x, y| x.at.cmp(&y.at).then(x.event_name.cmp(&y.event_name)));
    if events.len() > req.max_events {
        events.truncate(req.max_events);
        truncated = true;
    }
    // Best effort: who owns the key and is it still active.
    let mut state = trail::KeyState::default();
    if id.starts_with("AKIA") {
        match inventory::find_key(&Iam::new(&conf), &id, None).await {
            Ok(k) => {
                state.user = Some(k.user);
                state.status = Some(k.raw_status);
            }
            Err(e) => tracing::warn!("cannot read the key's status from IAM: {}", chain(&e)),
        }
    }
    let expected: Vec<String> = if req.expected_regions.is_empty() {
        conf.region()
            .map(|r| vec![r.to_string()])
            .unwrap_or_default()
    } else {
        req.expected_regions.to_vec()
    };
    let summary = trail::summarize(&events, &expected);
    let since_text = duration::display(req.since);
    let next_steps = trail::next_steps(&id, &state, &summary, &since_text);
    Ok(IncidentReport {
        version: 1,
        access_key_id: id,
        source: source.into(),
        location: location.map(|l| l.to_string()),
        since: ts(Some(since)),
        until: ts(Some(until)),
        key: state,
        summary,
        timeline: events,
        truncated,
        files_read,
        next_steps,
    })
}

/// An error and its causes on one line, as `anyhow`'s `{:#}` shows them.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
