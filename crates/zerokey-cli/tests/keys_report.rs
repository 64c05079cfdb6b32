//! `zerokey keys report`: ages through the credential-report CSV path (the emulator dates every
//! key "now"), live IAM inventory against the AWS emulator, and bad CSV input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use assert_cmd::Command;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

const PORT: u16 = 5140;

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn ago(days: i64) -> String {
    (OffsetDateTime::now_utc() - Duration::days(days))
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

fn row(
    user: &str,
    k1: Option<(bool, i64, Option<i64>)>,
    k2: Option<(bool, i64, Option<i64>)>,
) -> String {
    let slot = |k: Option<(bool, i64, Option<i64>)>| match k {
        None => "false,N/A,N/A,N/A,N/A".to_string(),
        Some((active, age, used)) => format!(
            "{active},{},{},{},{}",
            ago(age),
            used.map_or("N/A".into(), ago),
            if used.is_some() { "us-east-1" } else { "N/A" },
            if used.is_some() { "s3" } else { "N/A" }
        ),
    };
    format!(
        "{user},arn:aws:iam::123456789012:user/{user},{},false,N/A,N/A,N/A,false,{},{},false,N/A,false,N/A",
        ago(400),
        slot(k1),
        slot(k2)
    )
}

fn zerokey() -> Command {
    let mut c = Command::cargo_bin("zerokey").unwrap();
    c.env_remove("ZEROKEY_AUDIT_LOG");
    c
}

#[test]
fn credential_report_ages_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let csv = [
        HEADER.to_string(),
        row("fresh", Some((true, 10, Some(1))), None),
        row("old", Some((true, 120, Some(2))), None),
        row("idle", Some((true, 60, Some(50))), None),
        row(
            "doubled",
            Some((true, 5, Some(1))),
            Some((true, 3, Some(1))),
        ),
        row("at-limit", Some((true, 89, Some(1))), None),
    ]
    .join("\n");
    let path = dir.path().join("report.csv");
    std::fs::write(&path, csv).unwrap();
    let out = zerokey()
        .args(["keys", "report", "--format", "json", "--credential-report"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["users"], 5);
    assert_eq!(v["keys"].as_array().unwrap().len(), 6);
    let found: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().into(),
                f["user"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("access-key-too-old", "old"),
        ("access-key-unused", "idle"),
        ("two-active-keys", "doubled"),
    ];
    assert_eq!(found.len(), want.len(), "{found:?}");
    for (id, user) in want {
        assert!(
            found.contains(&(id.into(), user.into())),
            "{id} {user}: {found:?}"
        );
    }
    let old = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["user"] == "old")
        .unwrap();
    assert_eq!(old["age_days"], 120);

    // A stricter maximum age flags more; --fail-on-findings exits 1.
    let out = zerokey()
        .args([
            "keys",
            "report",
            "--max-age",
            "30d",
            "--fail-on-findings",
            "--credential-report",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("idle") && text.contains("access-key-too-old"),
        "{text}"
    );
    assert!(
        text.contains("fix: zerokey keys rotate old --yes"),
        "{text}"
    );

    let out = zerokey()
        .args([
            "keys",
            "report",
            "--format",
            "markdown",
            "--credential-report",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Access key report"), "{md}");
    assert!(md.contains("| old | (key 1) | Active | 120d |"), "{md}");
}

#[test]
fn csv_with_missing_columns_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, "user,arn,access_key_1_active\nbob,arn:x,true\n").unwrap();
    let out = zerokey()
        .args(["keys", "report", "--credential-report"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.csv: line 1: missing columns access_key_1_last_rotated"),
        "{err}"
    );

    let bad_value = format!(
        "{HEADER}\n{}\n",
        row("x", Some((true, 1, None)), None).replacen(",true,", ",maybe,", 1)
    );
    std::fs::write(&path, bad_value).unwrap();
    let out = zerokey()
        .args(["keys", "report", "--credential-report"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 2: column access_key_1_active: expected true or false"),
        "{err}"
    );

    let out = zerokey()
        .args(["keys", "report", "--max-age", "90"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("add a unit"));
}

#[test]
fn live_inventory_from_the_emulator() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = rt.block_on(common::keys::iam(&endpoint));
    let secrets = rt.block_on(async {
        let mut secrets = Vec::new();
        for user in ["report-two", "report-one"] {
            let _ = iam.create_user().user_name(user).send().await;
        }
        for user in ["report-two", "report-two", "report-one"] {
            let k = iam
                .create_access_key()
                .user_name(user)
                .send()
                .await
                .unwrap();
            let k = k.access_key().unwrap();
            secrets.push((
                k.access_key_id().to_string(),
                k.secret_access_key().to_string(),
            ));
        }
        // Use report-one's key once (S3 ListBuckets in eu-west-1): IAM records the last use.
        let (id, secret) = secrets[2].clone();
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new("eu-west-1"))
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                id, secret, None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(true)
                .build(),
        )
        .list_buckets()
        .send()
        .await
        .unwrap();
        secrets
    });
    let out = zerokey()
        .args(["keys", "report", "--format", "json"])
        .envs(common::keys::env(&endpoint))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret_refs: Vec<&str> = secrets.iter().map(|(_, s)| s.as_str()).collect();
    common::keys::assert_no_secrets(&out, &secret_refs);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&Value> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["user"].as_str().unwrap().starts_with("report-"))
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k["status"] == "Active"
        && k["age_days"] == 0
        && k["access_key_id"].as_str().unwrap().starts_with("AKIA")));
    let used = keys
        .iter()
        .find(|k| k["access_key_id"] == secrets[2].0.as_str())
        .unwrap();
    assert_eq!(used["user"], "report-one");
    assert_eq!(used["last_used_service"], "s3", "{used}");
    assert_eq!(used["last_used_region"], "eu-west-1", "{used}");
    assert_eq!(used["last_used_days_ago"], 0, "{used}");
    let unused = keys
        .iter()
        .find(|k| k["access_key_id"] == secrets[0].0.as_str())
        .unwrap();
    assert!(unused["last_used"].is_null(), "{unused}");
    assert!(unused["last_used_service"].is_null(), "{unused}");
    let two = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "two-active-keys")
        .map(|f| f["user"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert!(
        two.contains(&"report-two") && !two.contains(&"report-one"),
        "{two:?}"
    );

    // Text: one row per key, the fix for the doubled user; exit 1 with --fail-on-findings.
    let out = zerokey()
        .args(["keys", "report", "--fail-on-findings"])
        .envs(common::keys::env(&endpoint))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    common::keys::assert_no_secrets(&out, &secret_refs);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("USER "), "{text}");
    let row = text
        .lines()
        .find(|l| l.contains(secrets[2].0.as_str()))
        .unwrap();
    assert!(
        row.starts_with("report-one") && row.contains(" s3 ") && row.ends_with("eu-west-1"),
        "{row}"
    );
    assert!(text.contains("two-active-keys"), "{text}");
}

#[test]
fn markdown_report_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let csv = [
        HEADER.to_string(),
        row("fresh", Some((true, 10, Some(1))), None),
        row("old", Some((true, 120, Some(2))), Some((false, 200, None))),
        row("idle", Some((true, 60, Some(50))), None),
        row("doubled", Some((true, 5, Some(1))), Some((true, 3, None))),
    ]
    .join("\n");
    let path = dir.path().join("report.csv");
    std::fs::write(&path, csv).unwrap();
    let out = zerokey()
        .args([
            "keys",
            "report",
            "--format",
            "markdown",
            "--credential-report",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    let path_text = path.display().to_string();
    insta::with_settings!({filters => vec![
        (path_text.as_str(), "[CSV]"),
        (r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?", "[DATE]"),
    ]}, {
        insta::assert_snapshot!(md);
    });
}
