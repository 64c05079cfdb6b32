//! GitLab's secret-detection security report (schema 15.2.4), for `artifacts:reports:
//! secret_detection`, so findings show in merge requests and the vulnerability report.
//!
//! Only active findings become vulnerabilities (GitLab has no notion of a reviewed one; the
//! suppressed ones are counted in a scan message). The secret never appears: the
//! `raw_source_code_extract` and the description carry the redacted value.

use crate::Report;
use serde_json::{json, Value};
use std::io::{self, Write};
use time::OffsetDateTime;
use zerokey_core::{Finding, Severity};

/// The schema version written in `version`; the tests validate against this schema.
pub const SCHEMA_VERSION: &str = "15.2.4";

/// Where that schema is published.
pub const SCHEMA_URL: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.2.4/dist/secret-detection-report-format.json";

/// The commit GitLab's schema requires for a finding that has none (a scan of files, not of
/// history) when the scanned commit is unknown.
pub const UNKNOWN_COMMIT: &str = "0000000";

/// What the GitLab report needs beyond the findings.
#[derive(Debug, Clone, Copy)]
pub struct ScanContext<'a> {
    /// The commit that was scanned (`CI_COMMIT_SHA`, or `HEAD` of the scanned repository):
    /// the location of findings in files rather than in history.
    pub commit: Option<&'a str>,
    /// When the scan started.
    pub start: OffsetDateTime,
    /// When it finished.
    pub end: OffsetDateTime,
}

impl ScanContext<'_> {
    /// A context without a known commit that ends now and lasted `duration_ms`.
    pub fn now(duration_ms: u64) -> ScanContext<'static> {
        let end = OffsetDateTime::now_utc();
        let ms = i64::try_from(duration_ms).unwrap_or(i64::MAX);
        let start = end
            .checked_sub(time::Duration::milliseconds(ms))
            .unwrap_or(end);
        ScanContext {
            commit: None,
            start,
            end,
        }
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// `yyyy-mm-ddThh:mm:ss` in UTC, the only shape the schema accepts.
fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Writes the report.
pub fn render(report: &Report<'_>, ctx: &ScanContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let vulnerabilities: Vec<Value> = report
        .findings
        .iter()
        .map(|f| vulnerability(report, ctx, f))
        .collect();
    let mut messages = Vec::new();
    if !report.suppressed.is_empty() {
        messages.push(json!({
            "level": "info",
            "value": format!("{} finding(s) suppressed (zerokey:allow comments, the baseline or .zerokey.toml) are not listed", report.suppressed.len()),
        }));
    }
    for e in report.errors {
        messages.push(
            json!({ "level": "warn", "value": format!("cannot read {}: {}", e.path, e.message) }),
        );
    }
    for s in report.skipped {
        messages
            .push(json!({ "level": "info", "value": format!("skipped {}: {}", s.path, s.reason) }));
    }
    let tool = json!({
        "id": "zerokey",
        "name": "zerokey",
        "url": "https://github.com/zerokey/zerokey",
        "version": report.tool_version,
        "vendor": { "name": "zerokey" },
    });
    let doc = json!({
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL,
        "scan": {
            "analyzer": tool,
            "scanner": tool,
            "type": "secret_detection",
            "start_time": timestamp(ctx.start),
            "end_time": timestamp(ctx.end),
            // An unreadable path means the scan is incomplete: never a clean success.
            "status": if report.errors.is_empty() { "success" } else { "failure" },
            "messages": messages,
        },
        "vulnerabilities": vulnerabilities,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn vulnerability(report: &Report<'_>, ctx: &ScanContext<'_>, f: &Finding) -> Value {
    let rule = report.rules.iter().find(|r| r.id == f.rule_id);
    let commit = f.commit.as_deref().or(ctx.commit).unwrap_or(UNKNOWN_COMMIT);
    let mut identifier = json!({
        "type": "zerokey_rule_id",
        "name": format!("zerokey rule {}", f.rule_id),
        "value": f.rule_id,
    });
    if let Some(url) = rule.and_then(|r| {
        r.references
            .iter()
            .find(|u| u.starts_with("https://") || u.starts_with("http://"))
    }) {
        identifier["url"] = json!(url);
    }
    let where_ = match &f.location {
        Some(l) => format!("{l}, line {}", f.line),
        None => format!("{}, line {}", f.path, f.line),
    };
    let about = rule.map_or("", |r| r.description.as_str());
    let description = format!(
        "{} ({}) found in {where_}: {}. {about}",
        f.rule_name, f.rule_id, f.redacted
    );
    let mut location = json!({
        "file": f.path,
        "start_line": f.line,
        "end_line": f.end_line,
        "commit": { "sha": commit },
    });
    if let Some(d) = &f.date {
        location["commit"]["date"] = json!(d);
    }
    let mut details = serde_json::Map::new();
    let mut detail = |key: &str, name: &str, value: String| {
        details.insert(
            key.into(),
            json!({ "name": name, "type": "text", "value": value }),
        );
    };
    detail("confidence", "Confidence", f.confidence.to_string());
    detail(
        "validation",
        "Validation",
        serde_json::to_value(f.validation)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    );
    detail("redacted", "Secret (redacted)", f.redacted.clone());
    if let Some(l) = &f.location {
        detail("inner_location", "Inside the file", l.clone());
    }
    if let Some(d) = &f.decoded {
        detail("decoded", "Decoded from", d.clone());
    }
    if let Some(n) = &f.note {
        detail("note", "Note", n.clone());
    }
    json!({
        "id": format!("zerokey-{}-{}-{}-{}", f.fingerprint, truncate(commit, 12), f.line, f.column),
        "category": "secret_detection",
        "name": truncate(&f.rule_name, 255),
        "description": description,
        "severity": severity(f.severity),
        "solution": "Revoke the secret, remove it from the file and its history, and load it at run time instead.",
        "raw_source_code_extract": f.redacted,
        "identifiers": [identifier],
        "location": location,
        "details": details,
    })
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}
