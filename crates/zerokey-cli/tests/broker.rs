//! `zerokey serve` end to end: a real server process against the AWS emulator, with SQLite and
//! with PostgreSQL (a fresh database per run): users and tokens from `zerokey admin`, prepare →
//! verify → buckets → objects → credentials → audit → delete; isolation between users, input
//! validation that writes nothing, size and rate limits, and a canary check of the database and
//! the captured logs with the detection engine. Emulator on port 5150 (auth off).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod broker_support;

use broker_support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const PORT: u16 = 5150;
const ROLE: &str = "arn:aws:iam::123456789012:role/zk-customer";
/// `/metrics` on the public listener needs this bearer token (ZEROKEY_METRICS_TOKEN).
const METRICS_TOKEN: &str = "zk-test-metrics-token-7Qp";

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(base: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: base.to_string(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }
}

/// Rows in the connections table, whichever store.
fn connection_rows(db: &str, pg: Option<&PgDb>) -> i64 {
    match pg {
        Some(pg) => pg
            .query("SELECT count(*) FROM connections")
            .parse()
            .unwrap(),
        None => {
            let path = db.strip_prefix("sqlite://").unwrap();
            let c = rusqlite::Connection::open(path).unwrap();
            c.query_row("SELECT count(*) FROM connections", [], |r| r.get(0))
                .unwrap()
        }
    }
}

async fn full_session(db: &str, pg: Option<&PgDb>) {
    let endpoint = emulator(PORT);
    let sandbox = Sandbox::new();
    let s3 = s3_admin(&endpoint).await;
    let bucket = format!("zk-data-{}", std::process::id());
    let _ = s3.create_bucket().bucket(&bucket).send().await;

    sandbox.create_user(db, "alice", "alice-password-1");
    sandbox.create_user(db, "bob", "bob-password-22");
    let alice = sandbox.create_token(db, "alice");
    let bob = sandbox.create_token(db, "bob");
    let mut cmd = sandbox.command(&endpoint);
    cmd.env("ZEROKEY_METRICS_TOKEN", METRICS_TOKEN);
    let broker = Broker::start_with(cmd, db, &["--max-object-size", "64K"]);
    let api = Api::new(&broker.url);

    // Health and documents need no token; everything else does.
    let (s, _) = api.call(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, doc) = api
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["paths"]["/api/aws/verify"].is_object(), "{doc}");
    let (s, body) = api
        .call(reqwest::Method::GET, "/api/connections", None, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated", "{body}");
    let (s, _) = api.get("/api/connections", "zkt_not-a-real-token").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // prepare: a fresh external ID and the documents naming the broker's principal.
    let (s, prep) = api
        .post("/api/connections/prepare", &alice, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{prep}");
    let external_id = prep["externalId"].as_str().unwrap().to_string();
    assert!(external_id.starts_with("zk-") && external_id.len() > 20);
    let trust = prep["trustPolicy"].to_string();
    assert!(
        trust.contains("sts:ExternalId") && trust.contains(&external_id),
        "{trust}"
    );
    assert!(prep["principalArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:"));
    assert!(prep["permissionPolicy"]
        .to_string()
        .contains("s3:ListAllMyBuckets"));
    assert!(prep["cloudFormationTemplate"]["Resources"].is_object());
    let (_, prep2) = api
        .post("/api/connections/prepare", &alice, json!({}))
        .await;
    assert_ne!(
        prep2["externalId"], prep["externalId"],
        "external IDs are per connection"
    );

    // verify: strict validation first, nothing stored on failure.
    for (body, field) in [
        (
            json!({"roleArn": "arn:aws:iam::12345:role/x", "externalId": external_id}),
            "roleArn",
        ),
        (
            json!({"roleArn": "arn:aws:iam::123456789012:user/x", "externalId": external_id}),
            "roleArn",
        ),
        (
            json!({"roleArn": "arn:aws:iam::123456789012:role/a b", "externalId": external_id}),
            "roleArn",
        ),
        (json!({"roleArn": ROLE, "externalId": "x"}), "externalId"),
        (
            json!({"roleArn": ROLE, "externalId": "has space in it"}),
            "externalId",
        ),
        (
            json!({"roleArn": ROLE, "externalId": "zk-never-issued-by-prepare"}),
            "externalId",
        ),
        (json!({"roleArn": ROLE}), "externalId"),
    ] {
        let (s, e) = api.post("/api/aws/verify", &alice, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} -> {e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.contains(field), "{body} -> {msg}");
        assert!(e["error"]["request_id"].is_string(), "{e}");
    }
    assert_eq!(
        connection_rows(db, pg),
        0,
        "a rejected verify stored nothing"
    );
    // bob cannot use alice's external ID.
    let (s, _) = api
        .post(
            "/api/aws/verify",
            &bob,
            json!({"roleArn": ROLE, "externalId": external_id}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, v) = api
        .post(
            "/api/aws/verify",
            &alice,
            json!({"roleArn": ROLE, "externalId": external_id, "name": "prod"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let conn = v["connection"]["id"].as_str().unwrap().to_string();
    assert!(
        v["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == &json!(bucket)),
        "{v}"
    );
    assert_eq!(connection_rows(db, pg), 1);
    // An external ID is used once.
    let (s, _) = api
        .post(
            "/api/aws/verify",
            &alice,
            json!({"roleArn": ROLE, "externalId": external_id}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, list) = api.get("/api/connections", &alice).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["connections"].as_array().unwrap().len(), 1);
    assert_eq!(list["connections"][0]["roleArn"], ROLE);

    // S3 through the broker.
    let (s, b) = api
        .get(&format!("/api/s3/buckets?connection={conn}"), &alice)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == json!(bucket)));
    let put = api
        .http
        .put(format!(
            "{}/api/s3/buckets/{bucket}/objects/reports/2026/q4.txt?connection={conn}",
            broker.url
        ))
        .bearer_auth(&alice)
        .body("quarterly numbers\n")
        .send()
        .await
        .unwrap();
    assert_eq!(
        put.status(),
        StatusCode::CREATED,
        "{}",
        put.text().await.unwrap()
    );
    let (s, objs) = api
        .get(
            &format!(
                "/api/s3/buckets/{bucket}/objects?connection={conn}&prefix=reports/&delimiter=/"
            ),
            &alice,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{objs}");
    assert_eq!(objs["prefixes"], json!(["reports/2026/"]), "{objs}");
    let (s, objs) = api
        .get(
            &format!("/api/s3/buckets/{bucket}/objects?connection={conn}&prefix=reports/2026/"),
            &alice,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(objs["objects"][0]["key"], "reports/2026/q4.txt");
    assert_eq!(objs["objects"][0]["size"], 18);
    let got = api
        .http
        .get(format!(
            "{}/api/s3/buckets/{bucket}/objects/reports/2026/q4.txt?connection={conn}",
            broker.url
        ))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.text().await.unwrap(), "quarterly numbers\n");
    let (s, _) = api
        .get(
            &format!("/api/s3/buckets/{bucket}/objects/no/such/key?connection={conn}"),
            &alice,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Oversized upload: 413, nothing written.
    let big = api
        .http
        .put(format!(
            "{}/api/s3/buckets/{bucket}/objects/big.bin?connection={conn}",
            broker.url
        ))
        .bearer_auth(&alice)
        .body(vec![b'x'; 65 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(s3
        .head_object()
        .bucket(&bucket)
        .key("big.bin")
        .send()
        .await
        .is_err());

    // Malformed bucket and key names: 400 with a message naming the field.
    for path in [
        format!("/api/s3/buckets/A_B/objects?connection={conn}"),
        format!("/api/s3/buckets/ab/objects?connection={conn}"),
        format!("/api/s3/buckets/{bucket}/objects?connection=not-a-uuid"),
        format!("/api/s3/buckets/{bucket}/objects?connection={conn}&max_keys=0"),
    ] {
        let (s, e) = api.get(&path, &alice).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path} -> {e}");
        assert!(e["error"]["message"].is_string());
    }
    let (s, _) = api.get("/api/s3/buckets", &alice).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "connection is required");

    // Temporary credentials for `zerokey exec --connection`: bearer only, once.
    let (s, creds) = api
        .post(
            &format!("/api/connections/{conn}/credentials"),
            &alice,
            json!({"durationSeconds": 900}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{creds}");
    let temp_key = creds["accessKeyId"].as_str().unwrap().to_string();
    let temp_secret = creds["secretAccessKey"].as_str().unwrap().to_string();
    let temp_token = creds["sessionToken"].as_str().unwrap().to_string();
    assert!(temp_key.starts_with("ASIA"), "{temp_key}");
    assert!(creds["expiration"].as_str().unwrap().contains('T'));
    let (s, _) = api
        .post(
            &format!("/api/connections/{conn}/credentials"),
            &alice,
            json!({"durationSeconds": 60}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Bob sees and uses nothing of alice's: 404, never 403.
    let (_, l) = api.get("/api/connections", &bob).await;
    assert_eq!(l["connections"], json!([]));
    for path in [
        format!("/api/s3/buckets?connection={conn}"),
        format!("/api/s3/buckets/{bucket}/objects?connection={conn}"),
        format!("/api/s3/buckets/{bucket}/objects/reports/2026/q4.txt?connection={conn}"),
    ] {
        let (s, _) = api.get(&path, &bob).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let (s, _) = api
        .post(
            &format!("/api/connections/{conn}/credentials"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api
        .call(
            reqwest::Method::DELETE,
            &format!("/api/connections/{conn}"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, bob_audit) = api.get("/api/audit", &bob).await;
    assert!(
        !bob_audit.to_string().contains(&conn),
        "bob's audit log shows none of alice's events"
    );

    // Audit log: who did what, outcome, AWS request id.
    let (s, audit) = api.get("/api/audit", &alice).await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "connection.prepare",
        "connection.verify",
        "s3.list_buckets",
        "s3.put_object",
        "s3.get_object",
        "connection.credentials",
    ] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
    let verify = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "connection.verify" && e["outcome"] == "ok")
        .unwrap();
    assert_eq!(verify["connectionId"], json!(conn), "{verify}");
    assert!(verify["clientAddr"].is_string(), "{verify}");

    // Delete.
    let (s, _) = api
        .call(
            reqwest::Method::DELETE,
            &format!("/api/connections/{conn}"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, l) = api.get("/api/connections", &alice).await;
    assert_eq!(l["connections"], json!([]));
    let (s, _) = api
        .get(&format!("/api/s3/buckets?connection={conn}"), &alice)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, _) = api.call(reqwest::Method::GET, "/metrics", None, None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "/metrics needs the metrics token"
    );
    let (s, metrics) = api
        .call(reqwest::Method::GET, "/metrics", Some(METRICS_TOKEN), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let metrics = metrics.as_str().unwrap().to_string();
    assert!(
        metrics.contains("zerokey_assume_role_seconds_bucket"),
        "{metrics}"
    );
    assert!(metrics.contains("zerokey_http_requests_total"), "{metrics}");

    // Graceful shutdown on SIGTERM.
    let (code, logs) = broker.stop();
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&logs));
    let logs_text = String::from_utf8_lossy(&logs);
    assert!(
        logs_text.contains("\"target\":\"zerokey::audit\""),
        "audit log lines"
    );
    assert!(logs_text.contains("zerokey broker stopped"));

    // Canary: the base keys, the temporary credentials, the API tokens and the passwords are
    // nowhere: not in the database, not in the logs, not in the sandbox (HOME, TMPDIR, cwd).
    let canaries = [
        BASE_KEY_ID,
        BASE_SECRET,
        temp_key.as_str(),
        temp_secret.as_str(),
        temp_token.as_str(),
        alice.as_str(),
        bob.as_str(),
        "alice-password-1",
        "bob-password-22",
    ];
    assert_clean("server log", &logs, &canaries);
    if let Some(pg) = pg {
        assert_clean("PostgreSQL dump", &pg.dump(), &canaries);
    }
    assert_clean(
        "sandbox files (SQLite db, WAL, HOME, TMPDIR)",
        &read_tree(sandbox.path()),
        &canaries,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn full_session_on_sqlite() {
    let dbdir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dbdir.path().join("zerokey.db").display());
    full_session(&db, None).await;
    assert_clean(
        "SQLite files",
        &read_tree(dbdir.path()),
        &[BASE_KEY_ID, BASE_SECRET],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn full_session_on_postgres() {
    let pg = PgDb::create("broker");
    full_session(&pg.url, Some(&pg)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_sets_a_strict_session_cookie_and_csrf_is_required() {
    let endpoint = emulator(PORT);
    let sandbox = Sandbox::new();
    let db = format!("sqlite://{}", sandbox.path().join("zk.db").display());
    sandbox.create_user(&db, "carol", "carol-password-3");
    let broker = Broker::start(&sandbox, &endpoint, &db, &[]);
    let http = reqwest::Client::new();
    let bad = http
        .post(format!("{}/api/login", broker.url))
        .json(&json!({"username": "carol", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let ok = http
        .post(format!("{}/api/login", broker.url))
        .json(&json!({"username": "carol", "password": "carol-password-3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let cookie = ok
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let me: Value = ok.json().await.unwrap();
    let csrf = me["csrfToken"].as_str().unwrap().to_string();
    let session = cookie.split(';').next().unwrap().to_string();
    let r = http
        .get(format!("{}/api/connections", broker.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A state-changing request without the CSRF header is refused.
    let r = http
        .post(format!("{}/api/connections/prepare", broker.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = http
        .post(format!("{}/api/connections/prepare", broker.url))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A browser session never receives credentials.
    let r = http
        .post(format!(
            "{}/api/connections/00000000-0000-4000-8000-000000000000/credentials",
            broker.url
        ))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Logout ends the session on the server.
    let r = http
        .post(format!("{}/api/logout", broker.url))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = http
        .get(format!("{}/api/connections", broker.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (_, logs) = broker.stop();
    assert_clean(
        "server log",
        &logs,
        &[
            "carol-password-3",
            &session[session.find('=').unwrap() + 1..],
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_answer_429_with_retry_after() {
    let endpoint = emulator(PORT);
    let sandbox = Sandbox::new();
    let db = format!("sqlite://{}", sandbox.path().join("zk.db").display());
    sandbox.create_user(&db, "dave", "dave-password-4");
    let token = sandbox.create_token(&db, "dave");
    let mut cmd = sandbox.command(&endpoint);
    cmd.env("ZEROKEY_METRICS_TOKEN", METRICS_TOKEN);
    let broker = Broker::start_with(cmd, &db, &["--rate-per-user", "3", "--login-rate", "2"]);
    let api = Api::new(&broker.url);
    for _ in 0..3 {
        let (s, _) = api.get("/api/connections", &token).await;
        assert_eq!(s, StatusCode::OK);
    }
    let r = api
        .http
        .get(format!("{}/api/connections", broker.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Login: stricter, per address.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = api
            .http
            .post(format!("{}/api/login", broker.url))
            .json(&json!({"username": "nobody", "password": "whatever-pass"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let (_, metrics) = api
        .call(reqwest::Method::GET, "/metrics", Some(METRICS_TOKEN), None)
        .await;
    assert!(metrics
        .as_str()
        .unwrap()
        .contains("zerokey_rate_limited_total"));
}

/// Shared limits count in fixed windows aligned to the minute; a test that counts hits must
/// not straddle a boundary, so it starts at least 5 s before the next one.
fn clear_of_minute_boundary() {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 60_000;
    if ms > 55_000 {
        std::thread::sleep(std::time::Duration::from_millis((60_000 - ms + 100) as u64));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_shared_between_instances_through_redis() {
    let endpoint = emulator(PORT);
    let sandbox = Sandbox::new();
    let pg = PgDb::create("limits");
    sandbox.create_user(&pg.url, "erin", "erin-password-5");
    let token = sandbox.create_token(&pg.url, "erin");
    let args = ["--rate-per-user", "4", "--redis", "redis://127.0.0.1:6379"];
    let one = Broker::start(&sandbox, &endpoint, &pg.url, &args);
    let two = Broker::start(&sandbox, &endpoint, &pg.url, &args);
    let (a, b) = (Api::new(&one.url), Api::new(&two.url));
    clear_of_minute_boundary();
    let mut codes = Vec::new();
    for i in 0..6 {
        let api = if i % 2 == 0 { &a } else { &b };
        codes.push(api.get("/api/connections", &token).await.0);
    }
    let ok = codes.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 4, "4 allowed across both instances: {codes:?}");
    assert_eq!(codes[4], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_shared_between_instances_through_postgres() {
    let endpoint = emulator(PORT);
    let sandbox = Sandbox::new();
    let pg = PgDb::create("pglimits");
    sandbox.create_user(&pg.url, "frank", "frank-password-6");
    let token = sandbox.create_token(&pg.url, "frank");
    let args = ["--rate-per-user", "4"];
    let one = Broker::start(&sandbox, &endpoint, &pg.url, &args);
    let two = Broker::start(&sandbox, &endpoint, &pg.url, &args);
    let (a, b) = (Api::new(&one.url), Api::new(&two.url));
    clear_of_minute_boundary();
    let mut codes = Vec::new();
    for i in 0..6 {
        let api = if i % 2 == 0 { &a } else { &b };
        codes.push(api.get("/api/connections", &token).await.0);
    }
    let ok = codes.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 4, "4 allowed across both instances: {codes:?}");
}

#[test]
fn serve_and_admin_reject_bad_input_with_exit_2() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .command("http://127.0.0.1:9")
        .args([
            "serve",
            "--database",
            "mysql://x/y",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("expected sqlite://FILE or postgres://"),
        "{err}"
    );
    let out = sandbox
        .command("http://127.0.0.1:9")
        .args(["serve", "--session-seconds", "60"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let db = format!("sqlite://{}", sandbox.path().join("zk.db").display());
    let out = sandbox
        .command("http://127.0.0.1:9")
        .args(["admin", "create-token", "nobody", "--database", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user \"nobody\""));
    let out = sandbox
        .command("http://127.0.0.1:9")
        .args(["admin", "create-user", "bad name!", "--database", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    sandbox.create_user(&db, "gina", "gina-password-7");
    let mut child = sandbox
        .command("http://127.0.0.1:9")
        .args(["admin", "create-user", "gina", "--database", &db])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "another-password").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn the_canary_check_can_fail() {
    let planted = format!("{{\"msg\":\"key {BASE_KEY_ID} secret {BASE_SECRET}\"}}");
    assert!(
        std::panic::catch_unwind(|| assert_clean("x", planted.as_bytes(), &[BASE_SECRET])).is_err()
    );
    // The engine alone (no exact canary given) also finds a planted AWS key pair.
    assert!(std::panic::catch_unwind(|| assert_clean("x", planted.as_bytes(), &[])).is_err());
    assert_clean(
        "clean",
        b"{\"msg\":\"request\",\"status\":200}",
        &[BASE_SECRET],
    );
}
