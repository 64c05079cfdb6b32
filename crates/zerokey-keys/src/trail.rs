//! CloudTrail events of one access key, I/O-free: parses records (from trail log files or
//! `LookupEvents`), builds the timeline, summarises unusual activity (new regions, IAM/STS
//! calls, errors, logging changes) and writes the next steps.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Why a trail file or event could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailError {
    /// File or event the error is about.
    pub source: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for TrailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

impl std::error::Error for TrailError {}

/// One event in the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailEvent {
    /// RFC 3339, UTC.
    pub time: String,
    #[serde(skip)]
    /// Parsed time, for sorting and windows.
    pub at: OffsetDateTime,
    /// e.g. `iam.amazonaws.com`.
    pub event_source: String,
    /// e.g. `CreateUser`.
    pub event_name: String,
    /// e.g. `us-east-1`.
    pub region: String,
    /// Caller IP (or AWS service name).
    pub source_ip: String,
    /// User agent, shortened.
    pub user_agent: String,
    /// Error code, if the call failed.
    pub error_code: Option<String>,
    /// True for read-only calls, when CloudTrail says.
    pub read_only: Option<bool>,
    /// CloudTrail event id.
    pub event_id: Option<String>,
}

/// Keeps printable characters only, at most `max` of them (output goes to terminals and
/// Markdown tickets; a user agent is attacker-controlled).
fn clean(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '|' || c == '`' { '/' } else { c })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The access key a record was made with.
pub fn record_key_id(v: &Value) -> Option<&str> {
    v.get("userIdentity")
        .and_then(|u| u.get("accessKeyId"))
        .and_then(Value::as_str)
}

/// Reads one CloudTrail record; `None` if it has no valid `eventTime`.
pub fn parse_record(v: &Value) -> Option<TrailEvent> {
    let at = OffsetDateTime::parse(str_at(v, "eventTime")?, &Rfc3339).ok()?;
    let at = at.to_offset(time::UtcOffset::UTC);
    let text = |k: &str, max| clean(str_at(v, k).unwrap_or("-"), max);
    Some(TrailEvent {
        time: at.format(&Rfc3339).unwrap_or_default(),
        at,
        event_source: text("eventSource", 80),
        event_name: text("eventName", 80),
        region: text("awsRegion", 40),
        source_ip: text("sourceIPAddress", 80),
        user_agent: text("userAgent", 120),
        error_code: str_at(v, "errorCode").map(|s| clean(s, 80)),
        read_only: match v.get("readOnly") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        },
        event_id: str_at(v, "eventID").map(|s| clean(s, 80)),
    })
}

/// Parses a `LookupEvents` result's `CloudTrailEvent` JSON text.
pub fn parse_lookup_event(source: &str, json: &str) -> Result<TrailEvent, TrailError> {
    let v: Value = serde_json::from_str(json).map_err(|e| TrailError {
        source: source.to_string(),
        message: format!("CloudTrailEvent is not JSON ({e})"),
    })?;
    parse_record(&v).ok_or_else(|| TrailError {
        source: source.to_string(),
        message: "CloudTrailEvent has no valid eventTime".into(),
    })
}

/// The day in a CloudTrail log file key (`…/CloudTrail/<region>/YYYY/MM/DD/…`), if any.
pub fn file_day(key: &str) -> Option<time::Date> {
    let parts: Vec<&str> = key.split('/').collect();
    parts.windows(3).find_map(|w| {
        let (y, m, d) = (w[0], w[1], w[2]);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
    })
}

/// True for CloudTrail digest files, which hold hashes, not events.
pub fn is_digest(key: &str) -> bool {
    key.contains("/CloudTrail-Digest/") || key.contains("_CloudTrail-Digest_")
}

/// Decompresses one `.json.gz` log file (at most `limit` bytes of JSON) and returns the
/// events made with `key_id`. Errors name the file.
pub fn parse_log_file(
    source: &str,
    gz: &[u8],
    key_id: &str,
    limit: u64,
) -> Result<Vec<TrailEvent>, TrailError> {
    let err = |message: String| TrailError {
        source: source.to_string(),
        message,
    };
    if !gz.starts_with(&[0x1f, 0x8b]) {
        return Err(err(
            "not a gzip file (CloudTrail log files are .json.gz)".into()
        ));
    }
    let mut json = Vec::new();
    flate2::read::MultiGzDecoder::new(gz)
        .take(limit + 1)
        .read_to_end(&mut json)
        .map_err(|_| err("corrupt gzip data".into()))?;
    if json.len() as u64 > limit {
        return Err(err(format!(
            "more than {limit} bytes once decompressed; refusing to read it"
        )));
    }
    let v: Value = serde_json::from_slice(&json).map_err(|e| {
        err(format!(
            "not CloudTrail JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Some(records) = v.get("Records").and_then(Value::as_array) else {
        if v.get("digestPublicKeyFingerprint").is_some() {
            return Ok(Vec::new());
        }
        return Err(err("no \"Records\" array: not a CloudTrail log file".into()));
    };
    Ok(records
        .iter()
        .filter(|r| record_key_id(r) == Some(key_id))
        .filter_map(parse_record)
        .collect())
}

/// A value and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The value.
    pub value: String,
    /// Events.
    pub count: usize,
    /// First seen (RFC 3339).
    pub first_seen: String,
}

/// Something worth a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Stable id.
    pub id: &'static str,
    /// What was seen.
    pub message: String,
}

/// The unusual activity in a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Events in the timeline.
    pub events: usize,
    /// First event time.
    pub first_seen: Option<String>,
    /// Last event time.
    pub last_seen: Option<String>,
    /// Regions the key is expected in.
    pub expected_regions: Vec<String>,
    /// Every region, by count.
    pub regions: Vec<Count>,
    /// Regions outside the expected ones (global-service events in us-east-1 excepted).
    pub new_regions: Vec<Count>,
    /// Source IPs, by count.
    pub source_ips: Vec<Count>,
    /// User agents, by count.
    pub user_agents: Vec<Count>,
    /// IAM and STS calls (`iam:CreateUser`), by count.
    pub iam_sts_calls: Vec<Count>,
    /// Error codes, by count.
    pub errors: Vec<Count>,
    /// Calls that changed something (not read-only).
    pub write_calls: usize,
    /// Notable findings.
    pub flags: Vec<Flag>,
}

/// Services whose events CloudTrail records in us-east-1 whatever the caller's region.
fn is_global(source: &str) -> bool {
    matches!(
        source,
        "iam.amazonaws.com"
            | "sts.amazonaws.com"
            | "signin.amazonaws.com"
            | "organizations.amazonaws.com"
            | "cloudfront.amazonaws.com"
            | "route53.amazonaws.com"
            | "support.amazonaws.com"
            | "health.amazonaws.com"
    )
}

fn counts<'a>(items: impl Iterator<Item = (String, &'a str)>) -> Vec<Count> {
    let mut m: BTreeMap<String, (usize, &str)> = BTreeMap::new();
    for (v, t) in items {
        let e = m.entry(v).or_insert((0, t));
        e.0 += 1;
        if t < e.1 {
            e.1 = t;
        }
    }
    let mut out: Vec<Count> = m
        .into_iter()
        .map(|(value, (count, first))| Count {
            value,
            count,
            first_seen: first.to_string(),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    out
}

fn short_service(source: &str) -> &str {
    source.strip_suffix(".amazonaws.com").unwrap_or(source)
}

/// Calls that create credentials or widen permissions.
const PRIVILEGE_CALLS: [&str; 16] = [
    "CreateUser",
    "CreateAccessKey",
    "CreateLoginProfile",
    "UpdateLoginProfile",
    "AttachUserPolicy",
    "AttachRolePolicy",
    "AttachGroupPolicy",
    "PutUserPolicy",
    "PutRolePolicy",
    "PutGroupPolicy",
    "AddUserToGroup",
    "CreateRole",
    "UpdateAssumeRolePolicy",
    "CreatePolicyVersion",
    "SetDefaultPolicyVersion",
    "DeactivateMFADevice",
];
/// Calls that hand out temporary credentials, which outlive the key being disabled.
const SESSION_CALLS: [&str; 4] = [
    "GetSessionToken",
    "GetFederationToken",
    "AssumeRole",
    "GetSigninToken",
];
/// Calls that blind CloudTrail.
const LOGGING_CALLS: [&str; 5] = [
    "StopLogging",
    "DeleteTrail",
    "UpdateTrail",
    "PutEventSelectors",
    "DeleteEventDataStore",
];

/// Summarises `events` (sorted or not).
pub fn summarize(events: &[TrailEvent], expected_regions: &[String]) -> Summary {
    let regions = counts(events.iter().map(|e| (e.region.clone(), e.time.as_str())));
    let new_regions = counts(
        events
            .iter()
            .filter(|e| {
                !expected_regions.contains(&e.region)
                    && (e.region != "us-east-1" || !is_global(&e.event_source))
            })
            .map(|e| (e.region.clone(), e.time.as_str())),
    );
    let iam_sts: Vec<&TrailEvent> = events
        .iter()
        .filter(|e| e.event_source == "iam.amazonaws.com" || e.event_source == "sts.amazonaws.com")
        .collect();
    let errors = counts(
        events
            .iter()
            .filter_map(|e| e.error_code.clone().map(|c| (c, e.time.as_str()))),
    );
    let ok_calls = |names: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = events
            .iter()
            .filter(|e| e.error_code.is_none() && names.contains(&e.event_name.as_str()))
            .map(|e| e.event_name.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut flags = Vec::new();
    let logging = ok_calls(&LOGGING_CALLS);
    if !logging.is_empty() {
        flags.push(Flag {
            id: "logging-changed",
            message: format!("CloudTrail logging was changed: {}", logging.join(", ")),
        });
    }
    let privilege = ok_calls(&PRIVILEGE_CALLS);
    if !privilege.is_empty() {
        flags.push(Flag {
            id: "privilege-change",
            message: format!(
                "IAM changes that create credentials or widen permissions: {}",
                privilege.join(", ")
            ),
        });
    }
    let sessions = ok_calls(&SESSION_CALLS);
    if !sessions.is_empty() {
        flags.push(Flag {
            id: "temporary-credentials",
            message: format!(
                "temporary credentials were issued ({}); they stay valid after the key is disabled",
                sessions.join(", ")
            ),
        });
    }
    if !new_regions.is_empty() {
        flags.push(Flag {
            id: "new-region",
            message: format!(
                "activity outside the expected regions: {}",
                new_regions
                    .iter()
                    .map(|c| format!("{} ({} events)", c.value, c.count))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if events.iter().any(|e| e.event_name == "GetCallerIdentity") {
        flags.push(Flag {
            id: "reconnaissance",
            message: "GetCallerIdentity was called: the usual first call with a found key".into(),
        });
    }
    let denied = events
        .iter()
        .filter(|e| {
            e.error_code
                .as_deref()
                .is_some_and(|c| c.contains("AccessDenied") || c.contains("Unauthorized"))
        })
        .count();
    if denied > 0 {
        flags.push(Flag {
            id: "access-denied",
            message: format!(
                "{denied} call{} denied: someone tried what the key may not do",
                if denied == 1 { " was" } else { "s were" }
            ),
        });
    }
    let ips = counts(
        events
            .iter()
            .map(|e| (e.source_ip.clone(), e.time.as_str())),
    );
    if ips.len() > 1 {
        flags.push(Flag {
            id: "several-source-ips",
            message: format!("calls came from {} source IPs", ips.len()),
        });
    }
    Summary {
        events: events.len(),
        first_seen: events.iter().map(|e| e.time.clone()).min(),
        last_seen: events.iter().map(|e| e.time.clone()).max(),
        expected_regions: expected_regions.to_vec(),
        regions,
        new_regions,
        source_ips: ips,
        user_agents: counts(
            events
                .iter()
                .map(|e| (e.user_agent.clone(), e.time.as_str())),
        ),
        iam_sts_calls: counts(iam_sts.iter().map(|e| {
            (
                format!("{}:{}", short_service(&e.event_source), e.event_name),
                e.time.as_str(),
            )
        })),
        errors,
        write_calls: events.iter().filter(|e| e.read_only == Some(false)).count(),
        flags,
    }
}

/// What is known about the key itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KeyState {
    /// Owner.
    pub user: Option<String>,
    /// `Active` / `Inactive`, if known.
    pub status: Option<String>,
}

/// The next steps, in order, for the on-call engineer.
pub fn next_steps(key_id: &str, key: &KeyState, s: &Summary, since: &str) -> Vec<String> {
    let user = key.user.as_deref().unwrap_or("<USER>");
    let mut steps = Vec::new();
    match key.status.as_deref() {
        Some("Inactive") => steps.push(
            "The key is already Inactive; keep it so (never re-activate a leaked key).".into(),
        ),
        _ => steps.push(format!(
            "Disable the key now: zerokey keys disable {key_id} --user {user} --yes"
        )),
    }
    steps.push(format!(
        "Give its users a new key: zerokey keys rotate {user} --yes --to-secret <SECRET_NAME>, then update every consumer"
    ));
    let has = |id: &str| s.flags.iter().any(|f| f.id == id);
    if has("temporary-credentials") {
        steps.push(format!(
            "Revoke sessions issued by the key (they outlive it, up to 36 h): attach a deny-all policy with an aws:TokenIssueTime condition to {user} and to every role it assumed"
        ));
    }
    if has("privilege-change") {
        steps.push("Undo the IAM changes in the timeline: delete users, access keys, login profiles, roles and policy attachments the key created, then run zerokey keys report".into());
    }
    if has("logging-changed") {
        steps.push("Restore CloudTrail (StartLogging, trail settings) and treat the gap as unobserved activity".into());
    }
    if has("new-region") {
        let regions: Vec<&str> = s.new_regions.iter().map(|c| c.value.as_str()).collect();
        steps.push(format!(
            "Check resources in {} (EC2 instances, Lambda functions, access keys of new users) and remove what nobody launched",
            regions.join(", ")
        ));
    }
    if !s.source_ips.is_empty() {
        steps.push("Compare the source IPs with your own egress addresses and CI runners; block the unknown ones".into());
    }
    if s.events == 0 {
        steps.push(format!(
            "No activity since {since}: widen --since (LookupEvents keeps 90 days of management events; data events such as S3 GetObject are only in trail files)"
        ));
    }
    steps.push("Find where the key leaked: zerokey scan --git . (and logs, CI variables, images); remove it from history".into());
    steps.push(format!(
        "Once the replacement works everywhere, delete the old key: aws iam delete-access-key --user-name {user} --access-key-id {key_id}"
    ));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    const KEY: &str = "AKIAZ3MHQ7VXL2WRT5NB";

    fn rec(
        time: &str,
        source: &str,
        name: &str,
        region: &str,
        ip: &str,
        err: Option<&str>,
    ) -> Value {
        let mut v = serde_json::json!({
            "eventTime": time, "eventSource": source, "eventName": name, "awsRegion": region,
            "sourceIPAddress": ip, "userAgent": "aws-cli/2.15 Python/3.11\u{1b}[31m",
            "readOnly": name.starts_with("Get") || name.starts_with("List"),
            "userIdentity": {"type": "IAMUser", "accessKeyId": KEY, "userName": "app"}
        });
        if let Some(e) = err {
            v["errorCode"] = e.into();
        }
        v
    }

    fn gz(v: &Value) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(v.to_string().as_bytes()).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_only_this_keys_records() {
        let mut other = rec(
            "2026-12-01T10:00:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            "us-east-1",
            "1.2.3.4",
            None,
        );
        other["userIdentity"]["accessKeyId"] = "AKIAOTHEROTHEROTHER1".into();
        let file = serde_json::json!({"Records": [
            rec("2026-12-01T10:00:00Z", "sts.amazonaws.com", "GetCallerIdentity", "us-east-1", "1.2.3.4", None),
            other,
        ]});
        let events = parse_log_file("s3://b/k.json.gz", &gz(&file), KEY, 1 << 20).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event_name, "GetCallerIdentity");
        assert_eq!(events[0].time, "2026-12-01T10:00:00Z");
        assert!(!events[0].user_agent.contains('\u{1b}'));
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let e = parse_log_file("s3://b/x.json.gz", b"{\"Records\":[]}", KEY, 1 << 20).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s3://b/x.json.gz: not a gzip file (CloudTrail log files are .json.gz)"
        );
        let e = parse_log_file("f", &gz(&serde_json::json!({"x": 1})), KEY, 1 << 20).unwrap_err();
        assert!(e.message.contains("no \"Records\""), "{e}");
        let mut trunc = gz(&serde_json::json!({"Records": []}));
        trunc.truncate(trunc.len() - 6);
        assert!(parse_log_file("f", &trunc, KEY, 1 << 20).is_err());
        let big = gz(&serde_json::json!({"Records": [], "pad": "x".repeat(5000)}));
        assert!(parse_log_file("f", &big, KEY, 1000)
            .unwrap_err()
            .message
            .contains("more than 1000"));
        let digest = gz(&serde_json::json!({"digestPublicKeyFingerprint": "ab"}));
        assert!(parse_log_file("f", &digest, KEY, 1 << 20)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn summary_flags_the_attack_pattern() {
        let events: Vec<TrailEvent> = [
            rec(
                "2026-12-01T10:00:00Z",
                "s3.amazonaws.com",
                "ListBuckets",
                "eu-west-1",
                "10.0.0.1",
                None,
            ),
            rec(
                "2026-12-01T11:00:00Z",
                "sts.amazonaws.com",
                "GetCallerIdentity",
                "us-east-1",
                "203.0.113.9",
                None,
            ),
            rec(
                "2026-12-01T11:01:00Z",
                "iam.amazonaws.com",
                "CreateUser",
                "us-east-1",
                "203.0.113.9",
                None,
            ),
            rec(
                "2026-12-01T11:02:00Z",
                "iam.amazonaws.com",
                "CreateAccessKey",
                "us-east-1",
                "203.0.113.9",
                None,
            ),
            rec(
                "2026-12-01T11:03:00Z",
                "ec2.amazonaws.com",
                "RunInstances",
                "ap-southeast-1",
                "203.0.113.9",
                Some("Client.UnauthorizedOperation"),
            ),
            rec(
                "2026-12-01T11:04:00Z",
                "cloudtrail.amazonaws.com",
                "StopLogging",
                "eu-west-1",
                "203.0.113.9",
                Some("AccessDenied"),
            ),
        ]
        .iter()
        .filter_map(parse_record)
        .collect();
        let s = summarize(&events, &["eu-west-1".to_string()]);
        assert_eq!(s.events, 6);
        assert_eq!(s.new_regions.len(), 1);
        assert_eq!(s.new_regions[0].value, "ap-southeast-1");
        assert_eq!(s.iam_sts_calls.len(), 3);
        assert_eq!(s.errors.len(), 2);
        assert_eq!(s.write_calls, 4);
        let ids: Vec<&str> = s.flags.iter().map(|f| f.id).collect();
        assert_eq!(
            ids,
            [
                "privilege-change",
                "new-region",
                "reconnaissance",
                "access-denied",
                "several-source-ips"
            ]
        );
        assert_eq!(s.source_ips[0].value, "203.0.113.9");
        assert_eq!(s.first_seen.as_deref(), Some("2026-12-01T10:00:00Z"));
        let steps = next_steps(
            KEY,
            &KeyState {
                user: Some("app".into()),
                status: Some("Active".into()),
            },
            &s,
            "7d",
        );
        assert!(steps[0].contains("zerokey keys disable AKIAZ3MHQ7VXL2WRT5NB --user app --yes"));
        assert!(steps.iter().any(|s| s.contains("Undo the IAM changes")));
        assert!(steps.iter().any(|s| s.contains("ap-southeast-1")));
        assert!(!steps.iter().any(|s| s.contains("Restore CloudTrail")));
    }

    #[test]
    fn days_in_log_file_keys() {
        let k = "p/AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/01/123456789012_CloudTrail_us-east-1_20261201T1000Z_x.json.gz";
        assert_eq!(file_day(k), Some(time::macros::date!(2026 - 12 - 01)));
        assert_eq!(file_day("logs/a.json.gz"), None);
        assert!(is_digest(
            "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/12/01/x.json.gz"
        ));
    }
}
