//! `zerokey_attest::attest` on a SQLite database and directories, without the binary: a clean
//! installation is clean, a credential in a cell and in a file is found and located (and shown
//! redacted only), a credential-shaped column fails the schema check, bad input is named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use zerokey_attest::report::{render, Format, Verdict};
use zerokey_attest::{attest, AttestRequest};

const KEY_ID: &str = "AKIAZKCANARYLIBATT7Q";
const SECRET: &str = "zkCanaryAttestLibSecret0rX9vT2mLp8rW4nK7";

fn broker_db(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE connections (id INTEGER PRIMARY KEY, name TEXT, role_arn TEXT, external_id TEXT);
         CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, password_hash TEXT);
         INSERT INTO users VALUES (1, 'alice', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA');
         INSERT INTO connections VALUES (1, 'prod', 'arn:aws:iam::123456789012:role/app', 'ext-1');",
    )
    .unwrap();
}

fn request(db: &Path, dirs: &[&Path]) -> AttestRequest {
    AttestRequest {
        database: format!("sqlite://{}", db.display()),
        log_dirs: dirs.iter().map(|d| d.to_path_buf()).collect(),
        ..AttestRequest::default()
    }
}

fn rendered(report: &zerokey_attest::report::AttestReport) -> String {
    let mut all = String::new();
    for format in [Format::Text, Format::Json, Format::Markdown] {
        let mut out = Vec::new();
        render(report, format, &mut out).unwrap();
        all.push_str(&String::from_utf8(out).unwrap());
    }
    all
}

#[test]
fn clean_then_planted_credentials_are_found_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zerokey.db");
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(
        logs.join("broker.log"),
        "{\"level\":\"INFO\",\"message\":\"started\"}\n",
    )
    .unwrap();
    broker_db(&db);

    let report = attest(&request(&db, &[&logs])).unwrap();
    assert_eq!(report.verdict, Verdict::Clean, "{}", rendered(&report));
    assert_eq!(report.database.as_ref().unwrap().rows, 2);
    assert_eq!(report.sources[0].files, 1);

    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "UPDATE connections SET name = ?1",
        [format!("prod {KEY_ID} {SECRET}")],
    )
    .unwrap();
    drop(c);
    std::fs::write(
        logs.join("planted.log"),
        format!("AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n"),
    )
    .unwrap();
    let report = attest(&request(&db, &[&logs])).unwrap();
    assert_eq!(report.verdict, Verdict::Findings);
    let db_hit = report
        .findings
        .iter()
        .find(|f| f.source == "database")
        .expect("a finding in the database");
    assert_eq!(db_hit.table.as_deref(), Some("connections"));
    assert_eq!(db_hit.row.as_deref(), Some("id=1"));
    assert_eq!(db_hit.db_column.as_deref(), Some("name"));
    assert!(report.findings.iter().any(|f| f.source == "log-dir"));
    assert!(!rendered(&report).contains(SECRET), "never the secret");
}

#[test]
fn a_column_that_could_hold_a_credential_fails_the_schema_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("CREATE TABLE connections (id TEXT, aws_secret_access_key TEXT);")
        .unwrap();
    drop(c);
    let report = attest(&request(&db, &[])).unwrap();
    assert_eq!(report.verdict, Verdict::Findings);
    assert!(report
        .schema
        .iter()
        .any(|s| s.column == "aws_secret_access_key"));
}

#[test]
fn bad_input_is_named_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent.db");
    let err = attest(&request(&absent, &[])).unwrap_err().to_string();
    assert!(
        err.contains("absent.db") && err.contains("no such file"),
        "{err}"
    );
    assert!(!absent.exists(), "attest creates no database");

    let db = dir.path().join("zerokey.db");
    broker_db(&db);
    let missing = dir.path().join("no-logs");
    let err = attest(&request(&db, &[&missing])).unwrap_err().to_string();
    assert!(
        err.starts_with("--log-dir ") && err.contains("no-logs"),
        "{err}"
    );

    let req = AttestRequest {
        // Built at run time so the source holds no URL with a password.
        database: format!("postgres://u:{}@[bad", "hunter2"),
        ..AttestRequest::default()
    };
    let err = attest(&req).unwrap_err().to_string();
    assert!(err.starts_with("--database "), "{err}");
    assert!(!err.contains("hunter2"), "the password is masked: {err}");
}
