//! CloudTrail `LookupEvents` by access key id: the management events of the last 90 days that
//! a key made, as the raw CloudTrail event JSON (the same record format as trail log files).

use crate::iam::{classify, to_time};
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use time::OffsetDateTime;

/// Why `LookupEvents` failed. Messages are ours; AWS's raw text is kept out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudTrailError {
    /// The caller may not look up events.
    #[error("cloudtrail:LookupEvents: access denied ({code})")]
    Denied {
        /// AWS error code.
        code: String,
    },
    /// Any other answer from CloudTrail.
    #[error("cloudtrail:LookupEvents failed ({code})")]
    Failed {
        /// AWS error code, or `HTTP <status>`.
        code: String,
    },
    /// CloudTrail could not be reached or the answer could not be read.
    #[error("cloudtrail:LookupEvents failed: {0}")]
    Unavailable(&'static str),
}

/// One event from `LookupEvents`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookedUpEvent {
    /// CloudTrail's event id.
    pub event_id: Option<String>,
    /// Event name (also inside `cloudtrail_event`).
    pub event_name: Option<String>,
    /// Event time.
    pub event_time: Option<OffsetDateTime>,
    /// The full event record as JSON text.
    pub cloudtrail_event: Option<String>,
}

/// The events found, and whether the page limit cut the lookup short.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// Events, newest first (CloudTrail's order).
    pub events: Vec<LookedUpEvent>,
    /// True if more events existed beyond `max_events`.
    pub truncated: bool,
}

/// Looks up the events made with `access_key_id` between `start` and `end`, following
/// `NextToken` until done or `max_events` are collected.
pub async fn lookup_events_by_access_key(
    conf: &aws_config::SdkConfig,
    access_key_id: &str,
    start: OffsetDateTime,
    end: OffsetDateTime,
    max_events: usize,
) -> Result<Lookup, CloudTrailError> {
    let client = aws_sdk_cloudtrail::Client::new(conf);
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::AccessKeyId)
        .attribute_value(access_key_id)
        .build()
        .map_err(|_| CloudTrailError::Unavailable("request could not be built"))?;
    let mut lookup = Lookup::default();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .lookup_events()
            .lookup_attributes(attribute.clone())
            .start_time(aws_smithy_types::DateTime::from_secs(
                start.unix_timestamp(),
            ))
            .end_time(aws_smithy_types::DateTime::from_secs(end.unix_timestamp()))
            .max_results(50)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                let f = classify(&e);
                match (f.status, f.code) {
                    (Some(403), code) => CloudTrailError::Denied {
                        code: code.unwrap_or_else(|| "HTTP 403".into()),
                    },
                    (_, Some(code)) if code.contains("AccessDenied") => {
                        CloudTrailError::Denied { code }
                    }
                    (Some(status), code) => CloudTrailError::Failed {
                        code: code.unwrap_or_else(|| format!("HTTP {status}")),
                    },
                    (None, _) => CloudTrailError::Unavailable(f.reason),
                }
            })?;
        for e in out.events() {
            if lookup.events.len() >= max_events {
                lookup.truncated = true;
                return Ok(lookup);
            }
            lookup.events.push(LookedUpEvent {
                event_id: e.event_id().map(str::to_string),
                event_name: e.event_name().map(str::to_string),
                event_time: e.event_time().and_then(to_time),
                cloudtrail_event: e.cloud_trail_event().map(str::to_string),
            });
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(lookup)
}
