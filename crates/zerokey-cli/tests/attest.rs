//! `zerokey attest` on a real broker installation: after a session that posted canary keys to
//! `POST /api/exec` and a `zerokey exec` with canary base keys, attest over the database, the
//! captured logs, the data dir and the temp dir is clean (exit 0); a credential planted in each
//! of those places is found (exit 1, each located); a credential-shaped column fails the schema
//! check; bad input is exit 2. SQLite and PostgreSQL. Emulator on port 5150.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod broker_support;

use broker_support::*;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;

const PORT: u16 = 5150;
const POSTED_KEY_ID: &str = "AKIAZKCANARYATTEST7Q";
const POSTED_SECRET: &str = "zkCanaryAttestSecret0rX9vT2mLp8rW4nK7sBq";

struct Install {
    sandbox: Sandbox,
    db: String,
    logs: std::path::PathBuf,
    data: std::path::PathBuf,
    tmp: std::path::PathBuf,
}

/// A broker installation after a real session: a connection, an exec with posted keys, and a
/// `zerokey exec` with the canary base keys; the server's log written to `logs/broker.log`.
async fn session(db: &str) -> Install {
    let endpoint = emulator(PORT);
    let sandbox = Sandbox::new();
    let logs = sandbox.path().join("logs");
    let data = sandbox.path().join("data");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::create_dir_all(data.join("scripts")).unwrap();
    let script = data.join("scripts/list.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho region=$AWS_REGION\nenv | grep -c AWS_\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    sandbox.create_user(db, "alice", "alice-password-1");
    let token = sandbox.create_token(db, "alice");
    let exec_dir = data.join("scripts");
    let broker = Broker::start(
        &sandbox,
        &endpoint,
        db,
        &["--exec-dir", exec_dir.to_str().unwrap()],
    );
    let http = reqwest::Client::new();
    let prep: Value = http
        .post(format!("{}/api/connections/prepare", broker.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let v = http
        .post(format!("{}/api/aws/verify", broker.url))
        .bearer_auth(&token)
        .json(
            &json!({"roleArn": "arn:aws:iam::123456789012:role/zk-attest",
                      "externalId": prep["externalId"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(v.status(), 201);
    let r = http
        .post(format!("{}/api/exec", broker.url))
        .bearer_auth(&token)
        .json(&json!({"script": "list.sh", "credentials":
            {"accessKeyId": POSTED_KEY_ID, "secretAccessKey": POSTED_SECRET}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (code, log) = broker.stop();
    assert_eq!(code, Some(0));
    std::fs::write(logs.join("broker.log"), &log).unwrap();
    let out = sandbox
        .command(&endpoint)
        .args([
            "exec",
            "--role-arn",
            "arn:aws:iam::123456789012:role/zk-attest",
        ])
        .args([
            "--external-id",
            "zk-attest-1",
            "--",
            "sh",
            "-c",
            "test -n \"$AWS_SESSION_TOKEN\"",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tmp = sandbox.path().join("tmp");
    Install {
        sandbox,
        db: db.to_string(),
        logs,
        data,
        tmp,
    }
}

fn attest(i: &Install, extra: &[&str]) -> (Option<i32>, Value, String) {
    let out = i
        .sandbox
        .command("http://127.0.0.1:9")
        .args(["attest", "--database", &i.db, "--format", "json"])
        .arg("--log-dir")
        .arg(&i.logs)
        .arg("--data-dir")
        .arg(&i.data)
        .arg("--temp-dir")
        .arg(&i.tmp)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        report,
        format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)),
    )
}

fn plant_files(i: &Install) {
    let line = format!("{{\"level\":\"INFO\",\"message\":\"debug\",\"aws_access_key_id\":\"{POSTED_KEY_ID}\",\"aws_secret_access_key\":\"{POSTED_SECRET}\"}}\n");
    std::fs::write(i.logs.join("planted.log"), line).unwrap();
    std::fs::write(
        i.data.join("export.env"),
        format!("AWS_ACCESS_KEY_ID={POSTED_KEY_ID}\nAWS_SECRET_ACCESS_KEY={POSTED_SECRET}\n"),
    )
    .unwrap();
    std::fs::write(
        i.tmp.join("aws-creds.tmp"),
        format!("[default]\naws_access_key_id = {POSTED_KEY_ID}\naws_secret_access_key = {POSTED_SECRET}\n"),
    )
    .unwrap();
}

fn sources_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["source"].as_str().unwrap_or("").to_string())
        .collect()
}

fn check_clean_then_planted(i: &Install, plant_db: impl FnOnce()) {
    let (code, report, all) = attest(i, &[]);
    assert_eq!(code, Some(0), "a clean installation attests clean:\n{all}");
    assert_eq!(report["verdict"], "clean", "{report}");
    assert!(report["database"]["rows"].as_u64().unwrap() > 3, "{report}");
    assert!(
        report["database"]["cells"].as_u64().unwrap() > 10,
        "{report}"
    );
    let scanned: u64 = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["files"].as_u64().unwrap_or(0))
        .sum();
    assert!(scanned >= 2, "log and data files scanned: {report}");

    plant_files(i);
    plant_db();
    let (code, report, all) = attest(i, &[]);
    assert_eq!(code, Some(1), "planted credentials are found:\n{all}");
    assert_eq!(report["verdict"], "findings");
    let sources = sources_of(&report);
    for want in ["database", "log-dir", "data-dir", "temp-dir"] {
        assert!(
            sources.iter().any(|s| s == want),
            "nothing found in {want}: {sources:?}\n{report}"
        );
    }
    assert!(
        !all.contains(POSTED_SECRET),
        "the report never prints the secret"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_installation_attests_clean_and_planted_credentials_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zerokey.db");
    let db = format!("sqlite://{}", path.display());
    let i = session(&db).await;
    check_clean_then_planted(&i, || {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute(
            "UPDATE connections SET name = ?1",
            [format!("prod {POSTED_KEY_ID} {POSTED_SECRET}")],
        )
        .unwrap();
    });
    let (_, report, _) = attest(&i, &[]);
    let db_hit = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["source"] == "database")
        .unwrap();
    assert!(db_hit.to_string().contains("connections"), "{db_hit}");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_installation_attests_clean_and_planted_credentials_are_found() {
    let pg = PgDb::create("attest");
    let i = session(&pg.url).await;
    check_clean_then_planted(&i, || {
        pg.query(&format!(
            "INSERT INTO audit_events (at, user_id, action, outcome, target) \
             SELECT 0, id, 'x', 'ok', 'key {POSTED_KEY_ID} {POSTED_SECRET}' FROM users LIMIT 1"
        ));
    });
}

#[test]
fn a_column_that_could_hold_a_credential_fails_the_schema_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE connections (id TEXT, role_arn TEXT, aws_secret_access_key TEXT);
         CREATE TABLE users (id TEXT, password_hash TEXT);
         INSERT INTO users VALUES ('u1', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA');",
    )
    .unwrap();
    drop(c);
    let sandbox = Sandbox::new();
    let out = sandbox
        .command("http://127.0.0.1:9")
        .args(["attest", "--no-temp-dir", "--format", "json", "--database"])
        .arg(format!("sqlite://{}", path.display()))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema = report["schema"].to_string();
    assert!(schema.contains("aws_secret_access_key"), "{report}");
    assert!(
        !schema.contains("password_hash"),
        "an argon2id hash column is allowed: {report}"
    );
}

#[test]
fn bad_input_is_exit_2_and_names_it() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path().join("no-such-dir");
    for (args, want) in [
        (vec!["--database", "mysql://x/y"], "mysql"),
        (
            vec!["--database", "sqlite:///no/such/file.db"],
            "no/such/file.db",
        ),
    ] {
        let out = sandbox
            .command("http://127.0.0.1:9")
            .arg("attest")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{err}");
    }
    let dbf = sandbox.path().join("x.db");
    rusqlite::Connection::open(&dbf)
        .unwrap()
        .execute_batch("CREATE TABLE t (a TEXT);")
        .unwrap();
    let out = sandbox
        .command("http://127.0.0.1:9")
        .args(["attest", "--database"])
        .arg(&dbf)
        .arg("--log-dir")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-dir"));
}

#[test]
fn credential_holding_commands_disable_core_dumps_for_themselves_and_children() {
    let endpoint = emulator(PORT);
    let sandbox = Sandbox::new();
    let out = sandbox
        .command(&endpoint)
        .args([
            "exec",
            "--role-arn",
            "arn:aws:iam::123456789012:role/zk-attest",
        ])
        .args(["--", "sh", "-c", "ulimit -c"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
}
