//! Text, JSON and Markdown for `keys report` and `keys incident`. Inputs hold no secrets.

use crate::hygiene::{days_between, KeyFinding, UserKeys};
use crate::trail::{KeyState, Summary, TrailEvent};
use serde::Serialize;
use std::io::{self, Write};
use time::OffsetDateTime;
pub use zerokey_report::blocks::timestamp as ts;
use zerokey_report::blocks::{md_cell as md, md_code as code};

/// One key row of the report.
#[derive(Debug, Serialize)]
pub struct KeyRow {
    user: String,
    access_key_id: Option<String>,
    slot: Option<u8>,
    status: String,
    created: Option<String>,
    age_days: Option<i64>,
    last_used: Option<String>,
    last_used_days_ago: Option<i64>,
    last_used_service: Option<String>,
    last_used_region: Option<String>,
}

/// The `keys report` document (`version` 1).
#[derive(Debug, Serialize)]
pub struct HygieneReport {
    version: u32,
    source: String,
    generated_at: String,
    max_age_days: i64,
    unused_after_days: i64,
    users: usize,
    keys: Vec<KeyRow>,
    findings: Vec<KeyFinding>,
}

impl HygieneReport {
    /// Builds the report.
    pub fn new(
        source: String,
        now: OffsetDateTime,
        max_age_days: i64,
        unused_after_days: i64,
        users: &[UserKeys],
        findings: Vec<KeyFinding>,
    ) -> Self {
        let keys = users
            .iter()
            .flat_map(|u| {
                u.keys.iter().map(|k| KeyRow {
                    user: u.user.clone(),
                    access_key_id: k.access_key_id.clone(),
                    slot: k.slot,
                    status: k.status.clone(),
                    created: k.created.map(|t| ts(Some(t))),
                    age_days: k.created.map(|c| days_between(c, now)),
                    last_used: k.last_used.map(|t| ts(Some(t))),
                    last_used_days_ago: k.last_used.map(|t| days_between(t, now)),
                    last_used_service: k.last_used_service.clone(),
                    last_used_region: k.last_used_region.clone(),
                })
            })
            .collect();
        HygieneReport {
            version: 1,
            source,
            generated_at: ts(Some(now)),
            max_age_days,
            unused_after_days,
            users: users.len(),
            keys,
            findings,
        }
    }

    /// Number of findings.
    pub fn finding_count(&self) -> usize {
        self.findings.len()
    }

    fn key_name(r: &KeyRow) -> String {
        match (&r.access_key_id, r.slot) {
            (Some(id), _) => id.clone(),
            (None, Some(s)) => format!("(key {s})"),
            _ => "-".into(),
        }
    }

    fn last_used(r: &KeyRow) -> String {
        match (&r.last_used, r.last_used_days_ago) {
            (Some(t), Some(d)) => format!("{} ({d}d ago)", &t[..t.len().min(10)]),
            _ => "never".into(),
        }
    }

    /// Text for a terminal.
    pub fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{:<20} {:<22} {:<9} {:>6}  {:<20} {:<10} REGION",
            "USER", "KEY", "STATUS", "AGE", "LAST USED", "SERVICE"
        )?;
        for r in &self.keys {
            writeln!(
                out,
                "{:<20} {:<22} {:<9} {:>6}  {:<20} {:<10} {}",
                r.user,
                Self::key_name(r),
                r.status,
                r.age_days.map_or("-".into(), |d| format!("{d}d")),
                Self::last_used(r),
                r.last_used_service.as_deref().unwrap_or("-"),
                r.last_used_region.as_deref().unwrap_or("-"),
            )?;
        }
        writeln!(out)?;
        for f in &self.findings {
            let key = f
                .access_key_id
                .clone()
                .or(f.slot.map(|s| format!("(key {s})")))
                .unwrap_or_default();
            writeln!(
                out,
                "{:<8} {:<20} {} {}: {}",
                f.severity.as_str().to_uppercase(),
                f.id,
                f.user,
                key,
                f.message
            )?;
            writeln!(out, "         fix: {}", f.fix)?;
        }
        let active = self.keys.iter().filter(|k| k.status == "Active").count();
        writeln!(
            out,
            "{} users, {} keys ({active} active), {} finding{} (max age {}d, unused after {}d, source {})",
            self.users,
            self.keys.len(),
            self.findings.len(),
            if self.findings.len() == 1 { "" } else { "s" },
            self.max_age_days,
            self.unused_after_days,
            self.source
        )
    }

    /// Markdown.
    pub fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "# Access key report\n")?;
        writeln!(
            out,
            "Generated {} from {}; maximum age {} days, unused after {} days.\n",
            self.generated_at, self.source, self.max_age_days, self.unused_after_days
        )?;
        writeln!(out, "## Findings ({})\n", self.findings.len())?;
        if self.findings.is_empty() {
            writeln!(out, "None.\n")?;
        }
        for f in &self.findings {
            writeln!(
                out,
                "- **{}** `{}` {}: {}  \n  Fix: {}",
                f.severity.as_str(),
                f.id,
                md(&f.user),
                md(&f.message),
                code(&f.fix)
            )?;
        }
        writeln!(out, "\n## Keys\n")?;
        writeln!(
            out,
            "| user | key | status | age | last used | service | region |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for r in &self.keys {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                md(&r.user),
                Self::key_name(r),
                r.status,
                r.age_days.map_or("-".into(), |d| format!("{d}d")),
                Self::last_used(r),
                md(r.last_used_service.as_deref().unwrap_or("-")),
                md(r.last_used_region.as_deref().unwrap_or("-")),
            )?;
        }
        Ok(())
    }
}

/// The `keys incident` document (`version` 1).
#[derive(Debug, Serialize)]
pub struct IncidentReport {
    /// Always 1.
    pub version: u32,
    /// The key.
    pub access_key_id: String,
    /// `cloudtrail-lookup-events` or `trail-files`.
    pub source: String,
    /// Bucket and prefix for trail files.
    pub location: Option<String>,
    /// Window start.
    pub since: String,
    /// Window end.
    pub until: String,
    /// Owner and status.
    pub key: KeyState,
    /// Unusual activity.
    pub summary: Summary,
    /// Events, oldest first.
    pub timeline: Vec<TrailEvent>,
    /// True if `--max-events` cut the lookup short.
    pub truncated: bool,
    /// Log files read (trail files only).
    pub files_read: usize,
    /// What to do.
    pub next_steps: Vec<String>,
}

impl IncidentReport {
    fn counts(c: &[crate::trail::Count]) -> String {
        if c.is_empty() {
            return "none".into();
        }
        c.iter()
            .map(|c| format!("{} ({})", c.value, c.count))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Text for a terminal.
    pub fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = &self.summary;
        writeln!(out, "Incident: access key {}", self.access_key_id)?;
        writeln!(
            out,
            "  user: {}   status: {}",
            self.key.user.as_deref().unwrap_or("unknown"),
            self.key.status.as_deref().unwrap_or("unknown")
        )?;
        writeln!(
            out,
            "  window: {} .. {}   source: {}{}",
            self.since,
            self.until,
            self.source,
            self.location
                .as_ref()
                .map(|l| format!(" {l} ({} files)", self.files_read))
                .unwrap_or_default()
        )?;
        writeln!(out, "\nSummary")?;
        writeln!(
            out,
            "  events: {} (write calls: {}){}",
            s.events,
            s.write_calls,
            if self.truncated {
                " — truncated, raise --max-events"
            } else {
                ""
            }
        )?;
        writeln!(out, "  regions: {}", Self::counts(&s.regions))?;
        writeln!(
            out,
            "  new regions (expected: {}): {}",
            if s.expected_regions.is_empty() {
                "none given".into()
            } else {
                s.expected_regions.join(", ")
            },
            Self::counts(&s.new_regions)
        )?;
        writeln!(out, "  source IPs: {}", Self::counts(&s.source_ips))?;
        writeln!(out, "  IAM/STS calls: {}", Self::counts(&s.iam_sts_calls))?;
        writeln!(out, "  errors: {}", Self::counts(&s.errors))?;
        for f in &s.flags {
            writeln!(out, "  ! {}: {}", f.id, f.message)?;
        }
        writeln!(out, "\nTimeline")?;
        writeln!(
            out,
            "  {:<20} {:<40} {:<16} {:<15} {:<24} USER AGENT",
            "TIME", "EVENT", "SOURCE IP", "REGION", "ERROR"
        )?;
        for e in &self.timeline {
            writeln!(
                out,
                "  {:<20} {:<40} {:<16} {:<15} {:<24} {}",
                e.time,
                format!(
                    "{}:{}",
                    e.event_source.trim_end_matches(".amazonaws.com"),
                    e.event_name
                ),
                e.source_ip,
                e.region,
                e.error_code.as_deref().unwrap_or("-"),
                e.user_agent
            )?;
        }
        writeln!(out, "\nNext steps")?;
        for (i, step) in self.next_steps.iter().enumerate() {
            writeln!(out, "  {}. {step}", i + 1)?;
        }
        Ok(())
    }

    /// Markdown for the incident ticket.
    pub fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = &self.summary;
        writeln!(out, "# Incident: access key `{}`\n", self.access_key_id)?;
        writeln!(out, "| | |\n|---|---|")?;
        writeln!(
            out,
            "| user | {} |",
            md(self.key.user.as_deref().unwrap_or("unknown"))
        )?;
        writeln!(
            out,
            "| status | {} |",
            self.key.status.as_deref().unwrap_or("unknown")
        )?;
        writeln!(out, "| window | {} .. {} |", self.since, self.until)?;
        writeln!(
            out,
            "| source | {} {} |",
            self.source,
            md(self.location.as_deref().unwrap_or(""))
        )?;
        writeln!(
            out,
            "| events | {}{} |",
            s.events,
            if self.truncated { " (truncated)" } else { "" }
        )?;
        writeln!(
            out,
            "| first / last seen | {} / {} |\n",
            s.first_seen.as_deref().unwrap_or("-"),
            s.last_seen.as_deref().unwrap_or("-")
        )?;
        writeln!(out, "## Summary\n")?;
        for f in &s.flags {
            writeln!(out, "- **{}**: {}", f.id, md(&f.message))?;
        }
        writeln!(out, "- regions: {}", md(&Self::counts(&s.regions)))?;
        writeln!(out, "- new regions: {}", md(&Self::counts(&s.new_regions)))?;
        writeln!(out, "- source IPs: {}", md(&Self::counts(&s.source_ips)))?;
        writeln!(
            out,
            "- IAM/STS calls: {}",
            md(&Self::counts(&s.iam_sts_calls))
        )?;
        writeln!(out, "- errors: {}\n", md(&Self::counts(&s.errors)))?;
        writeln!(out, "## Timeline\n")?;
        writeln!(
            out,
            "| time | event | source IP | user agent | region | error |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for e in &self.timeline {
            writeln!(
                out,
                "| {} | {}:{} | {} | {} | {} | {} |",
                e.time,
                md(e.event_source.trim_end_matches(".amazonaws.com")),
                md(&e.event_name),
                md(&e.source_ip),
                md(&e.user_agent),
                md(&e.region),
                md(e.error_code.as_deref().unwrap_or("-"))
            )?;
        }
        writeln!(out, "\n## Next steps\n")?;
        for step in &self.next_steps {
            writeln!(out, "- [ ] {}", md(step))?;
        }
        Ok(())
    }
}
