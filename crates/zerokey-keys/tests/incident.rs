//! The incident timeline of one key from trail log files, without the binary or AWS: only the
//! key's events, unusual activity flagged, next steps, and no secret from a record reaching
//! any rendering.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};
use std::io::Write;
use zerokey_keys::render::IncidentReport;
use zerokey_keys::trail::{self, KeyState};

const KEY: &str = "AKIAINCIDENT00000001";
const OTHER: &str = "AKIAOTHERKEY00000002";
/// A secret inside a record's `responseElements`: it must never reach the report.
const TRAIL_SECRET: &str = "zkCanaryTrailSecretKey0123456789abcdefGH";

fn rec(key: &str, time: &str, source: &str, name: &str, region: &str) -> Value {
    json!({
        "eventVersion": "1.08", "eventTime": time, "eventSource": source,
        "eventName": name, "awsRegion": region, "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1",
        "readOnly": name.starts_with("Get") || name.starts_with("List"),
        "eventID": format!("{name}-{time}"),
        "userIdentity": {"type": "IAMUser", "accessKeyId": key, "userName": "app"}
    })
}

fn gz(v: &Value) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(v.to_string().as_bytes()).unwrap();
    e.finish().unwrap()
}

#[test]
fn trail_file_gives_the_keys_timeline_flags_and_steps() {
    let mut backdoor = rec(
        KEY,
        "2026-12-01T10:00:00Z",
        "iam.amazonaws.com",
        "CreateAccessKey",
        "us-east-1",
    );
    backdoor["responseElements"] = json!({"accessKey": {"secretAccessKey": TRAIL_SECRET}});
    let file = json!({"Records": [
        rec(KEY, "2026-12-01T09:00:00Z", "s3.amazonaws.com", "ListBuckets", "us-east-1"),
        backdoor,
        rec(KEY, "2026-12-01T11:00:00Z", "ec2.amazonaws.com", "RunInstances", "ap-southeast-2"),
        rec(OTHER, "2026-12-01T12:00:00Z", "s3.amazonaws.com", "GetObject", "us-east-1"),
    ]});
    let events = trail::parse_log_file("s3://trail/x.json.gz", &gz(&file), KEY, 1 << 20).unwrap();
    assert_eq!(events.len(), 3);
    let summary = trail::summarize(&events, &["us-east-1".to_string()]);
    assert_eq!(summary.events, 3);
    assert!(summary
        .new_regions
        .iter()
        .any(|c| c.value == "ap-southeast-2"));
    assert!(summary
        .iam_sts_calls
        .iter()
        .any(|c| c.value.contains("CreateAccessKey")));
    let state = KeyState {
        user: Some("app".into()),
        status: Some("Active".into()),
    };
    let steps = trail::next_steps(KEY, &state, &summary, "7d");
    assert!(steps[0].contains(&format!("zerokey keys disable {KEY} --user app --yes")));

    let report = IncidentReport {
        version: 1,
        access_key_id: KEY.into(),
        source: "trail-files".into(),
        location: Some("s3://trail/".into()),
        since: "2026-11-30T00:00:00Z".into(),
        until: "2026-12-02T00:00:00Z".into(),
        key: state,
        summary,
        timeline: events,
        truncated: false,
        files_read: 1,
        next_steps: steps,
    };
    let mut all = serde_json::to_string(&report).unwrap();
    let mut text = Vec::new();
    report.text(&mut text).unwrap();
    let mut md = Vec::new();
    report.markdown(&mut md).unwrap();
    all.push_str(&String::from_utf8(text).unwrap());
    all.push_str(&String::from_utf8(md).unwrap());
    assert!(all.contains("RunInstances"), "{all}");
    assert!(!all.contains(OTHER), "{all}");
    assert!(!all.contains(TRAIL_SECRET), "{all}");
}

#[test]
fn a_file_that_is_not_gzip_is_named() {
    let err = trail::parse_log_file("s3://trail/bad.json.gz", b"{}", KEY, 1 << 20).unwrap_err();
    assert!(
        err.to_string().starts_with("s3://trail/bad.json.gz: "),
        "{err}"
    );
}
