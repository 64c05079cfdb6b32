//! `--verify` against the real AWS emulator: an IAM key pair planted in a file is reported
//! live (with its ARN), a made-up pair invalid; without the flag nothing is checked.
//! IAM enforcement is switched on for this emulator instance only (its own port).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use assert_cmd::Command;
use serde_json::Value;

const PORT: u16 = 5107;

fn is_base32_key_id(id: &str) -> bool {
    id.len() == 20
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

/// Creates an IAM user's access key whose id has the real-AWS alphabet (the emulator also
/// uses 0, 1, 8, 9, which real key ids never contain).
async fn create_key(endpoint: &str) -> (String, String) {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    let iam = aws_sdk_iam::Client::new(&conf);
    iam.create_user().user_name("leaky").send().await.unwrap();
    for _ in 0..200 {
        let key = iam
            .create_access_key()
            .user_name("leaky")
            .send()
            .await
            .unwrap();
        let key = key.access_key().unwrap();
        if is_base32_key_id(key.access_key_id()) && key.secret_access_key().len() == 40 {
            return (key.access_key_id().into(), key.secret_access_key().into());
        }
        iam.delete_access_key()
            .user_name("leaky")
            .access_key_id(key.access_key_id())
            .send()
            .await
            .unwrap();
    }
    panic!("no key id in the AWS alphabet after 200 tries");
}

fn scan(dir: &std::path::Path, endpoint: &str, verify: bool) -> Value {
    let mut cmd = Command::cargo_bin("zerokey").unwrap();
    cmd.args(["scan", "--format", "json"]).arg(dir);
    if verify {
        cmd.arg("--verify");
    }
    let out = cmd
        .env("AWS_ENDPOINT_URL", endpoint)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn validation_of(report: &Value, path_end: &str, rule: &str) -> (String, String) {
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(path_end) && f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {path_end}: {report:#}"));
    (
        f["validation"].as_str().unwrap().to_string(),
        f["note"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_marks_live_and_invalid_pairs() {
    let endpoint = common::emulator::start(PORT);
    common::emulator::control(&endpoint, "/moto-api/reset-auth", "inf");
    common::emulator::control(&endpoint, "/moto-api/reset", "");
    let (id, secret) = create_key(&endpoint).await;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("live.env"),
        format!("AWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={secret}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("dead.env"),
        "AWS_ACCESS_KEY_ID=AKIAZ3MHQ7VXL2WRT5NB\nAWS_SECRET_ACCESS_KEY=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\n",
    )
    .unwrap();

    // Enforce IAM on this instance: unknown keys are now refused.
    common::emulator::control(&endpoint, "/moto-api/reset-auth", "0");
    let dir_path = dir.path().to_path_buf();
    let ep = endpoint.clone();
    let (verified, plain) = tokio::task::spawn_blocking(move || {
        (scan(&dir_path, &ep, true), scan(&dir_path, &ep, false))
    })
    .await
    .unwrap();
    common::emulator::control(&endpoint, "/moto-api/reset-auth", "inf");

    let (v, note) = validation_of(&verified, "live.env", "aws-secret-access-key");
    assert_eq!(v, "live", "{note}");
    assert!(
        note.contains("live: arn:aws:iam::123456789012:user/leaky"),
        "{note}"
    );
    assert_eq!(
        validation_of(&verified, "live.env", "aws-access-key-id").0,
        "live"
    );
    let (v, note) = validation_of(&verified, "dead.env", "aws-secret-access-key");
    assert_eq!(v, "invalid", "{note}");
    assert!(note.starts_with("rejected by STS"), "{note}");

    // Without --verify nothing is checked.
    assert_eq!(
        validation_of(&plain, "live.env", "aws-secret-access-key").0,
        "unverified"
    );

    // The secret never reaches the report.
    let text = serde_json::to_string(&verified).unwrap();
    assert!(!text.contains(&secret[4..]), "secret in the report");
}
