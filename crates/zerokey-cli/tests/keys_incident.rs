//! `zerokey keys incident`: from CloudTrail log files the test gzips into an emulator S3
//! bucket, and from a FAKE CloudTrail LookupEvents endpoint served on loopback by this test
//! (the emulator does not implement LookupEvents). Non-gzip files and bad ids are exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use assert_cmd::Command;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

const PORT: u16 = 5142;
const KEY: &str = "AKIAINCIDENT00000001";
const OTHER: &str = "AKIAOTHERKEY00000002";
/// A secret access key inside a record's `responseElements` (as a careless trail or a crafted
/// file could hold): it must never reach the report.
const TRAIL_SECRET: &str = "zkCanaryTrailSecretKey0123456789abcdefGH";

fn at(hours_ago: i64) -> String {
    (OffsetDateTime::now_utc() - Duration::hours(hours_ago))
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

fn rec(
    key: &str,
    hours_ago: i64,
    source: &str,
    name: &str,
    region: &str,
    ip: &str,
    err: Option<&str>,
) -> Value {
    let mut v = json!({
        "eventVersion": "1.08", "eventTime": at(hours_ago), "eventSource": source,
        "eventName": name, "awsRegion": region, "sourceIPAddress": ip,
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1",
        "readOnly": name.starts_with("Get") || name.starts_with("List") || name.starts_with("Describe"),
        "eventID": format!("{name}-{hours_ago}"),
        "userIdentity": {"type": "IAMUser", "accessKeyId": key, "userName": "app",
                         "arn": "arn:aws:iam::123456789012:user/app"}
    });
    if let Some(e) = err {
        v["errorCode"] = e.into();
    }
    v
}

fn with_secret(mut v: Value) -> Value {
    v["requestParameters"] = json!({"userName": "backdoor"});
    v["responseElements"] = json!({"accessKey": {"accessKeyId": "AKIABACKDOOR00000003",
        "secretAccessKey": TRAIL_SECRET, "status": "Active", "userName": "backdoor"}});
    v
}

fn gz(v: &Value) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(v.to_string().as_bytes()).unwrap();
    e.finish().unwrap()
}

fn zerokey(endpoint: &str) -> Command {
    let mut c = Command::cargo_bin("zerokey").unwrap();
    c.envs(common::keys::env(endpoint));
    c
}

#[test]
fn incident_from_trail_files_in_s3() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s3 = rt.block_on(async {
        let conf = common::keys::conf(&endpoint).await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(true)
                .build(),
        )
    });
    let put = |bucket: &str, key: &str, body: Vec<u8>| {
        rt.block_on(
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(body.into())
                .send(),
        )
        .unwrap();
    };
    let _ = rt.block_on(s3.create_bucket().bucket("incident-trail").send());
    let base = "org/AWSLogs/123456789012/CloudTrail";
    put(
        "incident-trail",
        &format!("{base}/eu-west-1/a_CloudTrail_eu-west-1_1.json.gz"),
        gz(&json!({"Records": [
            rec(KEY, 30, "s3.amazonaws.com", "ListBuckets", "eu-west-1", "198.51.100.7", None),
            rec(OTHER, 29, "s3.amazonaws.com", "GetObject", "eu-west-1", "198.51.100.7", None),
            rec(KEY, 500, "s3.amazonaws.com", "ListBuckets", "eu-west-1", "198.51.100.7", None),
        ]})),
    );
    put(
        "incident-trail",
        &format!("{base}/us-east-1/b_CloudTrail_us-east-1_2.json.gz"),
        gz(&json!({"Records": [
            rec(KEY, 5, "sts.amazonaws.com", "GetCallerIdentity", "us-east-1", "203.0.113.9", None),
            rec(KEY, 4, "iam.amazonaws.com", "CreateUser", "us-east-1", "203.0.113.9", None),
            with_secret(rec(KEY, 3, "iam.amazonaws.com", "CreateAccessKey", "us-east-1", "203.0.113.9", None)),
            rec(KEY, 2, "ec2.amazonaws.com", "RunInstances", "ap-southeast-1", "203.0.113.9", Some("Client.UnauthorizedOperation")),
        ]})),
    );
    put(
        "incident-trail",
        "org/README.txt",
        b"not a log file".to_vec(),
    );

    let out = zerokey(&endpoint)
        .args([
            "keys",
            "incident",
            KEY,
            "--since",
            "7d",
            "--format",
            "json",
            "--expected-regions",
            "eu-west-1",
            "--trail-bucket",
            "s3://incident-trail/org/",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::keys::assert_no_secrets(&out, &[TRAIL_SECRET]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "trail-files");
    assert_eq!(v["files_read"], 2);
    let names: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ListBuckets",
            "GetCallerIdentity",
            "CreateUser",
            "CreateAccessKey",
            "RunInstances"
        ]
    );
    let last = &v["timeline"][4];
    assert_eq!(last["source_ip"], "203.0.113.9");
    assert_eq!(last["region"], "ap-southeast-1");
    assert_eq!(last["error_code"], "Client.UnauthorizedOperation");
    assert!(last["user_agent"]
        .as_str()
        .unwrap()
        .starts_with("aws-cli/2.15.0"));
    let s = &v["summary"];
    assert_eq!(s["new_regions"][0]["value"], "ap-southeast-1");
    assert_eq!(s["new_regions"].as_array().unwrap().len(), 1);
    assert_eq!(s["iam_sts_calls"].as_array().unwrap().len(), 3);
    assert_eq!(s["errors"][0]["value"], "Client.UnauthorizedOperation");
    let flags: Vec<&str> = s["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        flags.contains(&"privilege-change")
            && flags.contains(&"new-region")
            && flags.contains(&"reconnaissance"),
        "{flags:?}"
    );
    let steps = v["next_steps"].as_array().unwrap();
    assert!(steps[0]
        .as_str()
        .unwrap()
        .contains(&format!("zerokey keys disable {KEY}")));

    let out = zerokey(&endpoint)
        .args([
            "keys",
            "incident",
            KEY,
            "--format",
            "markdown",
            "--trail-bucket",
            "s3://incident-trail/org",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    common::keys::assert_no_secrets(&out, &[TRAIL_SECRET]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with(&format!("# Incident: access key `{KEY}`")),
        "{md}"
    );
    assert!(
        md.contains("| time | event | source IP | user agent | region | error |"),
        "{md}"
    );
    assert!(md.contains("iam:CreateUser"), "{md}");
    assert!(md.contains("- [ ] Disable the key now"), "{md}");

    // Text for the terminal, into a file with --output.
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("incident.txt");
    let out = zerokey(&endpoint)
        .args([
            "keys",
            "incident",
            KEY,
            "--trail-bucket",
            "s3://incident-trail/org/",
        ])
        .arg("--output")
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::keys::assert_no_secrets(&out, &[TRAIL_SECRET]);
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.starts_with(&format!("Incident: access key {KEY}")),
        "{text}"
    );
    assert!(
        text.contains("iam:CreateAccessKey") && text.contains("Next steps"),
        "{text}"
    );
    assert!(!text.contains(TRAIL_SECRET), "{text}");

    // A file that is not gzip: a clear error naming it, exit 2, no report.
    let _ = rt.block_on(s3.create_bucket().bucket("incident-bad").send());
    put(
        "incident-bad",
        "AWSLogs/x.json.gz",
        b"{\"Records\": []}".to_vec(),
    );
    let bad_report = dir.path().join("bad.txt");
    let out = zerokey(&endpoint)
        .args([
            "keys",
            "incident",
            KEY,
            "--trail-bucket",
            "s3://incident-bad",
        ])
        .arg("--output")
        .arg(&bad_report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!bad_report.exists(), "no report file on error");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("s3://incident-bad/AWSLogs/x.json.gz: not a gzip file"),
        "{err}"
    );

    for (args, want) in [
        (
            vec!["keys", "incident", "AKIA-not-a-key"],
            "invalid access key id",
        ),
        (
            vec!["keys", "incident", KEY, "--trail-bucket", "incident-trail"],
            "expected s3://bucket/prefix",
        ),
        (
            vec![
                "keys",
                "incident",
                KEY,
                "--trail-bucket",
                "s3://no-such-bucket-here",
            ],
            "no such bucket",
        ),
    ] {
        let out = zerokey(&endpoint).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        common::keys::assert_no_secrets(&out, &[]);
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// A FAKE CloudTrail LookupEvents endpoint (awsJson1_1 over HTTP/1.1 on loopback), two pages.
/// Records every request body so the test can check the AccessKeyId lookup attribute.
fn fake_cloudtrail(key: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let body = String::from_utf8_lossy(&body).to_string();
            let second = body.contains("\"NextToken\":\"page-2\"");
            log.lock().unwrap().push(body);
            let events = if second {
                json!([{"EventId": "e2", "EventName": "CreateAccessKey", "CloudTrailEvent":
                    with_secret(rec(&key, 1, "iam.amazonaws.com", "CreateAccessKey", "us-east-1", "203.0.113.9", None)).to_string()}])
            } else {
                json!([{"EventId": "e1", "EventName": "GetCallerIdentity", "CloudTrailEvent":
                    rec(&key, 2, "sts.amazonaws.com", "GetCallerIdentity", "us-east-1", "203.0.113.9", None).to_string()}])
            };
            let mut resp = json!({"Events": events});
            if !second {
                resp["NextToken"] = "page-2".into();
            }
            let resp = resp.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{resp}",
                resp.len()
            );
        }
    });
    (url, seen)
}

#[test]
fn incident_from_fake_lookup_events() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    // A key IAM knows, so the report names its owner and status.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = rt.block_on(common::keys::iam(&endpoint));
    let _ = rt.block_on(iam.create_user().user_name("incident-owner").send());
    let created = rt
        .block_on(iam.create_access_key().user_name("incident-owner").send())
        .unwrap();
    let key = created.access_key().unwrap();
    let (id, secret) = (
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    );
    let (fake, seen) = fake_cloudtrail(id.clone());
    let out = zerokey(&endpoint)
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &fake)
        .args(["keys", "incident", &id, "--since", "2d", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::keys::assert_no_secrets(&out, &[TRAIL_SECRET, &secret]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "cloudtrail-lookup-events");
    let names: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["GetCallerIdentity", "CreateAccessKey"]);
    assert_eq!(v["key"]["user"], "incident-owner");
    assert_eq!(v["key"]["status"], "Active");
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "two pages");
        assert!(
            seen[0].contains("\"AttributeKey\":\"AccessKeyId\"") && seen[0].contains(&id),
            "{}",
            seen[0]
        );
        assert!(seen[1].contains("\"NextToken\":\"page-2\""), "{}", seen[1]);
    }
    let first = v["next_steps"][0].as_str().unwrap();
    assert_eq!(
        first,
        format!("Disable the key now: zerokey keys disable {id} --user incident-owner --yes")
    );
    let flags: Vec<&str> = v["summary"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(flags.contains(&"privilege-change"), "{flags:?}");

    // Once the key is disabled, the first step says so instead.
    rt.block_on(
        iam.update_access_key()
            .user_name("incident-owner")
            .access_key_id(&id)
            .status(aws_sdk_iam::types::StatusType::Inactive)
            .send(),
    )
    .unwrap();
    let out = zerokey(&endpoint)
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &fake)
        .args([
            "keys", "incident", &id, "--since", "2d", "--format", "markdown",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    common::keys::assert_no_secrets(&out, &[TRAIL_SECRET, &secret]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("| status | Inactive |"), "{md}");
    assert!(md.contains("- [ ] The key is already Inactive"), "{md}");
}

/// A FAKE CloudTrail endpoint that refuses every call (HTTP 400, an awsJson error).
fn fake_cloudtrail_error() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let resp = r#"{"__type":"InvalidLookupAttributesException","message":"raw AWS text"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{resp}",
                resp.len()
            );
        }
    });
    url
}

#[test]
fn lookup_events_failure_is_exit_2() {
    let emulator = common::emulator::Running::on(PORT);
    let out = zerokey(&emulator.endpoint)
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", fake_cloudtrail_error())
        .args(["keys", "incident", KEY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cloudtrail:LookupEvents failed (InvalidLookupAttributesException)"),
        "{err}"
    );
}
