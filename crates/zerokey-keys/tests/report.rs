//! `keys report` over a credential report file, without the binary or AWS: ages, findings,
//! the three renderings, and bad input named by file and line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use zerokey_keys::hygiene::Policy;
use zerokey_keys::report::{build, Inventory};

const HEADER: &str = "user,arn,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service";

fn ago(now: OffsetDateTime, days: i64) -> String {
    (now - Duration::days(days))
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

fn policy() -> Policy {
    Policy {
        max_age: Duration::days(90),
        unused_after: Duration::days(45),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn credential_report_file_gives_ages_findings_and_renderings() {
    let now = OffsetDateTime::now_utc();
    let csv = [
        HEADER.to_string(),
        format!(
            "fresh,arn:aws:iam::123456789012:user/fresh,true,{},{},us-east-1,s3,false,N/A,N/A,N/A,N/A",
            ago(now, 10),
            ago(now, 1)
        ),
        format!(
            "old,arn:aws:iam::123456789012:user/old,true,{},{},us-east-1,s3,false,N/A,N/A,N/A,N/A",
            ago(now, 120),
            ago(now, 2)
        ),
        format!(
            "idle,arn:aws:iam::123456789012:user/idle,true,{},N/A,N/A,N/A,false,N/A,N/A,N/A,N/A",
            ago(now, 60)
        ),
    ]
    .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.csv");
    std::fs::write(&path, csv).unwrap();
    let report = rt()
        .block_on(build(Inventory::CredentialReport(&path), policy(), now))
        .unwrap();
    assert_eq!(report.finding_count(), 2);

    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["users"], 3);
    assert_eq!(v["max_age_days"], 90);
    let ids: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["user"].as_str().unwrap()))
        .collect();
    assert!(ids.contains(&("access-key-too-old", "old")), "{ids:?}");
    assert!(ids.contains(&("access-key-unused", "idle")), "{ids:?}");
    let old = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["user"] == "old")
        .unwrap();
    assert_eq!(old["age_days"], 120);

    let mut text = Vec::new();
    report.text(&mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.starts_with("USER"), "{text}");
    assert!(
        text.contains("fix: zerokey keys rotate old --yes"),
        "{text}"
    );

    let mut md = Vec::new();
    report.markdown(&mut md).unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("| old |") || md.contains("old"), "{md}");
    assert!(md.contains('|'), "{md}");
}

#[test]
fn bad_credential_report_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(
        &path,
        format!("{HEADER}\nbob,arn:aws:iam::123456789012:user/bob,maybe,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A\n"),
    )
    .unwrap();
    let err = rt()
        .block_on(build(
            Inventory::CredentialReport(&path),
            policy(),
            OffsetDateTime::now_utc(),
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.csv"), "{err}");
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn missing_credential_report_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.csv");
    let err = rt()
        .block_on(build(
            Inventory::CredentialReport(&path),
            policy(),
            OffsetDateTime::now_utc(),
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("absent.csv"), "{err}");
}
