//! Broker hardening, each test named after the defect it guards against, against a real
//! `zerokey serve` process: API tokens that expire, are revoked (by their owner, by an admin,
//! by a bearer logout) and die with a deleted user, on SQLite and on PostgreSQL; admin token
//! listing that never shows a token; the Tokens page; an STS outage audited as `error`; 413s
//! in our JSON error shape; malformed continuation tokens refused at once; client request ids
//! kept apart from ours; the sign-in form's CSRF cookie bound to the server; failed logins
//! limited per (user, address). Emulator (only where AWS is needed) on port 5185.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod broker_support;

use broker_support::*;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::process::Output;

/// No AWS needed: nothing listens on port 9, so any AWS call fails to connect.
const NO_AWS: &str = "http://127.0.0.1:9";
const PORT: u16 = 5185;
const ROLE: &str = "arn:aws:iam::123456789012:role/zk-hardening";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn call(
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http().request(method, format!("{base}{path}"));
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

/// `zerokey admin ARGS… --database DB`.
fn admin(sandbox: &Sandbox, db: &str, args: &[&str]) -> Output {
    sandbox
        .command(NO_AWS)
        .arg("admin")
        .args(args)
        .args(["--database", db])
        .output()
        .unwrap()
}

fn ok_stdout(out: Output) -> String {
    assert!(
        out.status.success(),
        "admin failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `create-token USER ARGS…`: (token id, token).
fn create_token(sandbox: &Sandbox, db: &str, user: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec!["create-token", user];
    args.extend_from_slice(extra);
    let text = ok_stdout(admin(sandbox, db, &args));
    let token = text.split_whitespace().last().unwrap().to_string();
    assert!(token.starts_with("zkt_"), "{text}");
    let id = text.split_whitespace().nth(2).unwrap().to_string();
    assert_eq!(id.len(), 36, "{text}");
    (id, token)
}

/// Logs in through the API: (session cookie pair, CSRF token).
async fn login(base: &str, user: &str, password: &str) -> (String, String) {
    let r = http()
        .post(format!("{base}/api/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_string();
    let me: Value = r.json().await.unwrap();
    (pair, me["csrfToken"].as_str().unwrap().to_string())
}

/// The audit rows of the database, as JSON objects, whichever store.
fn audit_rows(db: &str, pg: Option<&PgDb>) -> Vec<Value> {
    let sql = "SELECT COALESCE(user_id, ''), action, COALESCE(target, ''), outcome, \
               COALESCE(request_id, ''), COALESCE(client_request_id, ''), COALESCE(client_addr, '') \
               FROM audit_events ORDER BY id";
    let rows: Vec<Vec<String>> = match pg {
        Some(pg) => pg
            .query(sql)
            .lines()
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect(),
        None => {
            let c = rusqlite::Connection::open(db.strip_prefix("sqlite://").unwrap()).unwrap();
            let mut st = c.prepare(sql).unwrap();
            st.query_map([], |r| (0..7).map(|i| r.get::<_, String>(i)).collect())
                .unwrap()
                .map(Result::unwrap)
                .collect()
        }
    };
    rows.into_iter()
        .map(|r| {
            json!({"user_id": r[0], "action": r[1], "target": r[2], "outcome": r[3],
                   "request_id": r[4], "client_request_id": r[5], "client_addr": r[6]})
        })
        .collect()
}

fn count(db: &str, pg: Option<&PgDb>, sql: &str) -> i64 {
    match pg {
        Some(pg) => pg.query(sql).parse().unwrap(),
        None => rusqlite::Connection::open(db.strip_prefix("sqlite://").unwrap())
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap(),
    }
}

/// A SQLite database URL in the sandbox.
fn sqlite(sandbox: &Sandbox) -> String {
    format!("sqlite://{}", sandbox.path().join("zk.db").display())
}

// ---- token lifecycle, on both stores ----

async fn bearer_logout_revokes_token(db: &str, pg: Option<&PgDb>) {
    let sandbox = Sandbox::new();
    sandbox.create_user(db, "alice", "alice-password-1");
    let (id, token) = create_token(&sandbox, db, "alice", &["--name", "laptop"]);
    let broker = Broker::start(&sandbox, NO_AWS, db, &[]);
    let (s, _) = call(&broker.url, Method::GET, "/api/me", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(&broker.url, Method::POST, "/api/logout", Some(&token), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) = call(&broker.url, Method::GET, "/api/me", Some(&token), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(e["error"]["code"], "token_revoked", "{e}");
    let _ = broker.stop();
    let rows = audit_rows(db, pg);
    assert!(
        rows.iter().any(|r| r["action"] == "token.revoke"
            && r["target"] == format!("token/{id}")
            && r["outcome"] == "ok"),
        "{rows:?}"
    );
}

async fn revoked_token_is_rejected(db: &str, pg: Option<&PgDb>) {
    let sandbox = Sandbox::new();
    sandbox.create_user(db, "alice", "alice-password-1");
    sandbox.create_user(db, "bob", "bob-password-22");
    let (a1_id, a1) = create_token(&sandbox, db, "alice", &["--name", "ci"]);
    let (a2_id, a2) = create_token(&sandbox, db, "alice", &["--name", "laptop"]);
    let (b_id, bob) = create_token(&sandbox, db, "bob", &[]);
    let broker = Broker::start(&sandbox, NO_AWS, db, &[]);
    let base = broker.url.clone();

    // Alice sees her own tokens only, metadata only, the current one marked.
    let (s, list) = call(&base, Method::GET, "/api/tokens", Some(&a1), None).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2, "{list}");
    assert!(tokens.iter().all(|t| t["id"] != b_id.as_str()), "{list}");
    let me = tokens.iter().find(|t| t["id"] == a1_id.as_str()).unwrap();
    assert_eq!(me["current"], true);
    assert_eq!(me["name"], "ci");
    assert_eq!(me["status"], "active");
    assert!(
        me["expiresAt"].is_string(),
        "the default expiry applies: {me}"
    );
    let text = list.to_string();
    assert!(
        !text.contains(&a1) && !text.contains(&a2),
        "no token in a listing"
    );

    // Another user's token: 404, and it keeps working.
    let (s, e) = call(
        &base,
        Method::DELETE,
        &format!("/api/tokens/{b_id}"),
        Some(&a1),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["error"]["code"], "not_found");
    assert_eq!(
        call(&base, Method::GET, "/api/me", Some(&bob), None)
            .await
            .0,
        StatusCode::OK
    );

    // Revoked by its owner: 401 at once, in our JSON shape.
    let (s, _) = call(
        &base,
        Method::DELETE,
        &format!("/api/tokens/{a2_id}"),
        Some(&a1),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) = call(&base, Method::GET, "/api/connections", Some(&a2), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"]["code"], "token_revoked", "{e}");
    assert!(e["error"]["request_id"].is_string(), "{e}");

    // Revoked by an admin: the same.
    let out = ok_stdout(admin(&sandbox, db, &["revoke-token", &b_id]));
    assert!(out.contains("revoked"), "{out}");
    let (s, e) = call(&base, Method::GET, "/api/me", Some(&bob), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"]["code"], "token_revoked", "{e}");
    let out = admin(
        &sandbox,
        db,
        &["revoke-token", "00000000-0000-4000-8000-000000000000"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        admin(&sandbox, db, &["revoke-token", "x"]).status.code(),
        Some(2)
    );

    // A token cannot mint tokens; a signed-in user can, and sees it once.
    let (s, e) = call(
        &base,
        Method::POST,
        "/api/tokens",
        Some(&a1),
        Some(json!({"name": "minted"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (session, csrf) = login(&base, "alice", "alice-password-1").await;
    let r = http()
        .post(format!("{base}/api/tokens"))
        .header(COOKIE, &session)
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "web", "expiresIn": "7d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let web = created["token"].as_str().unwrap().to_string();
    assert!(web.starts_with("zkt_"));
    assert_eq!(
        call(&base, Method::GET, "/api/me", Some(&web), None)
            .await
            .0,
        StatusCode::OK
    );
    for bad in [
        json!({"name": "x", "expiresIn": "forever"}),
        json!({"name": "<b>", "expiresIn": "7d"}),
        json!({"name": "x", "expiresIn": "0d"}),
    ] {
        let r = http()
            .post(format!("{base}/api/tokens"))
            .header(COOKIE, &session)
            .header("x-csrf-token", &csrf)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }

    // The admin listing: every token, never a token or its hash.
    let listing = ok_stdout(admin(&sandbox, db, &["list-tokens", "--format", "json"]));
    let all: Vec<Value> = serde_json::from_str(&listing).unwrap();
    assert_eq!(all.len(), 4, "{listing}");
    for t in &all {
        for k in ["id", "name", "user", "createdAt", "expiresAt", "status"] {
            assert!(t.get(k).is_some(), "{k} in {t}");
        }
    }
    let status = |id: &str| {
        all.iter().find(|t| t["id"] == id).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status(&a2_id), "revoked");
    assert_eq!(status(&b_id), "revoked");
    assert_eq!(status(&a1_id), "active");
    let text = ok_stdout(admin(&sandbox, db, &["list-tokens", "alice"]));
    assert!(text.starts_with("ID"), "{text}");
    assert_eq!(text.lines().count(), 4, "header + alice's 3 tokens: {text}");
    for secret in [&a1, &a2, &bob, &web] {
        assert!(!listing.contains(secret.as_str()) && !text.contains(secret.as_str()));
    }
    let hashes = match pg {
        Some(pg) => pg.query("SELECT token_hash FROM api_tokens"),
        None => {
            let c = rusqlite::Connection::open(db.strip_prefix("sqlite://").unwrap()).unwrap();
            let mut st = c.prepare("SELECT token_hash FROM api_tokens").unwrap();
            st.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    for h in hashes.lines() {
        assert!(!listing.contains(h) && !text.contains(h));
    }
    assert_eq!(
        admin(&sandbox, db, &["list-tokens", "nobody"])
            .status
            .code(),
        Some(2)
    );

    let _ = broker.stop();
    let rows = audit_rows(db, pg);
    for action in [
        "admin.create_token",
        "admin.revoke_token",
        "token.revoke",
        "token.create",
    ] {
        assert!(
            rows.iter().any(|r| r["action"] == action),
            "{action}: {rows:?}"
        );
    }
}

async fn expired_token_is_rejected(db: &str, _pg: Option<&PgDb>) {
    let sandbox = Sandbox::new();
    sandbox.create_user(db, "alice", "alice-password-1");
    let made = std::time::Instant::now();
    let (_, short) = create_token(&sandbox, db, "alice", &["--expires-in", "8s"]);
    let (_, forever) = create_token(&sandbox, db, "alice", &["--expires-in", "never"]);
    let out = admin(
        &sandbox,
        db,
        &["create-token", "alice", "--expires-in", "soon"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--expires-in"));
    let broker = Broker::start(&sandbox, NO_AWS, db, &[]);
    let (s, _) = call(&broker.url, Method::GET, "/api/me", Some(&short), None).await;
    // Valid before its expiry (checked only when this loaded machine got here in time).
    if made.elapsed() < std::time::Duration::from_secs(6) {
        assert_eq!(s, StatusCode::OK);
    }
    let until = std::time::Duration::from_secs(9).saturating_sub(made.elapsed());
    tokio::time::sleep(until).await;
    let (s, e) = call(&broker.url, Method::GET, "/api/me", Some(&short), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(e["error"]["code"], "token_expired", "{e}");
    let (s, _) = call(&broker.url, Method::GET, "/api/me", Some(&forever), None).await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = call(
        &broker.url,
        Method::GET,
        "/api/tokens",
        Some(&forever),
        None,
    )
    .await;
    let statuses: Vec<&str> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "active"], "{list}");
    assert!(list["tokens"][1]["expiresAt"].is_null(), "{list}");
    assert!(list["tokens"][1]["lastUsedAt"].is_string(), "{list}");
}

async fn deleted_user_sessions_end(db: &str, pg: Option<&PgDb>) {
    let sandbox = Sandbox::new();
    sandbox.create_user(db, "alice", "alice-password-1");
    sandbox.create_user(db, "bob", "bob-password-22");
    let (_, token) = create_token(&sandbox, db, "alice", &[]);
    let (_, bob) = create_token(&sandbox, db, "bob", &[]);
    let broker = Broker::start(&sandbox, NO_AWS, db, &[]);
    let base = broker.url.clone();
    let (session, _) = login(&base, "alice", "alice-password-1").await;
    let r = http()
        .get(format!("{base}/api/me"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let audit_before = count(db, pg, "SELECT count(*) FROM audit_events");
    assert!(audit_before > 0);

    let out = ok_stdout(admin(&sandbox, db, &["delete-user", "alice"]));
    assert!(out.contains("deleted user alice"), "{out}");
    // The running broker sees it at once: the session and the token end.
    let r = http()
        .get(format!("{base}/api/me"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (s, e) = call(&base, Method::GET, "/api/me", Some(&token), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(e["error"]["code"], "unauthenticated");
    // Bob is untouched; alice cannot log in again; her audit rows stay (plus the deletion).
    assert_eq!(
        call(&base, Method::GET, "/api/me", Some(&bob), None)
            .await
            .0,
        StatusCode::OK
    );
    let r = http()
        .post(format!("{base}/api/login"))
        .json(&json!({"username": "alice", "password": "alice-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let _ = broker.stop();
    assert_eq!(
        count(db, pg, "SELECT count(*) FROM sessions"),
        0,
        "alice's session rows are gone"
    );
    let rows = audit_rows(db, pg);
    assert!(rows.len() as i64 > audit_before, "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r["action"] == "admin.delete_user" && r["target"] == "user/alice"),
        "{rows:?}"
    );
    assert!(rows
        .iter()
        .any(|r| r["action"] == "auth.login" && r["outcome"] == "ok"));
    assert_eq!(
        admin(&sandbox, db, &["delete-user", "alice"]).status.code(),
        Some(2),
        "deleting a missing user is an error"
    );
}

macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let db = format!("sqlite://{}", dir.path().join("zerokey.db").display());
                    super::$name(&db, None).await;
                }
            )*
        }
        mod postgres_store {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let pg = PgDb::create(stringify!($name));
                    super::$name(&pg.url, Some(&pg)).await;
                }
            )*
        }
    };
}

on_both_stores!(
    bearer_logout_revokes_token,
    revoked_token_is_rejected,
    expired_token_is_rejected,
    deleted_user_sessions_end,
);

// ---- the Tokens page ----

fn hidden(html: &str, name: &str) -> String {
    let probe = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&probe)
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"))
        + probe.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Cookie pairs from `Set-Cookie` headers, replacing older values of the same name.
fn absorb(jar: &mut Vec<(String, String)>, headers: &reqwest::header::HeaderMap) {
    for v in headers.get_all(SET_COOKIE) {
        let (k, val) = v
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap();
        jar.retain(|(n, _)| n != k);
        if !val.is_empty() {
            jar.push((k.to_string(), val.to_string()));
        }
    }
}

fn cookie_header(jar: &[(String, String)]) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_page_lists_creates_and_revokes() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    sandbox.create_user(&db, "alice", "alice-password-1");
    let (_, cli_token) = create_token(&sandbox, &db, "alice", &["--name", "from-cli"]);
    let broker = Broker::start(&sandbox, NO_AWS, &db, &[]);
    let base = broker.url.clone();
    let c = http();
    let mut jar = Vec::new();
    let r = c.get(format!("{base}/ui/login")).send().await.unwrap();
    absorb(&mut jar, r.headers());
    let csrf = hidden(&r.text().await.unwrap(), "csrf");
    let r = c
        .post(format!("{base}/ui/login"))
        .header(COOKIE, cookie_header(&jar))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "alice"),
            ("password", "alice-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    absorb(&mut jar, r.headers());

    let r = c
        .get(format!("{base}/ui/tokens"))
        .header(COOKIE, cookie_header(&jar))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("from-cli"), "{html}");
    assert!(!html.contains(&cli_token));
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script/style"
    );
    let session_csrf = hidden(&html, "csrf");

    // Create without the CSRF field: refused, nothing created.
    let r = c
        .post(format!("{base}/ui/tokens"))
        .header(COOKIE, cookie_header(&jar))
        .form(&[("name", "sneaky"), ("expires_in", "30d")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&db, None, "SELECT count(*) FROM api_tokens"), 1);

    let r = c
        .post(format!("{base}/ui/tokens"))
        .header(COOKIE, cookie_header(&jar))
        .form(&[
            ("csrf", session_csrf.as_str()),
            ("name", "browser"),
            ("expires_in", "30d"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = r.text().await.unwrap();
    let start = html.find("zkt_").expect("the new token is shown once");
    let token: String = html[start..]
        .chars()
        .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-')
        .collect();
    assert_eq!(
        call(&base, Method::GET, "/api/me", Some(&token), None)
            .await
            .0,
        StatusCode::OK
    );
    // Shown once: the list page does not show it again.
    let r = c
        .get(format!("{base}/ui/tokens"))
        .header(COOKIE, cookie_header(&jar))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(!html.contains(&token));
    let (_, list) = call(&base, Method::GET, "/api/tokens", Some(&token), None).await;
    let id = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "browser")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(html.contains(&format!("/ui/tokens/{id}/revoke")), "{html}");

    // Revoke: without CSRF refused; with it, the token stops working.
    let r = c
        .post(format!("{base}/ui/tokens/{id}/revoke"))
        .header(COOKIE, cookie_header(&jar))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        call(&base, Method::GET, "/api/me", Some(&token), None)
            .await
            .0,
        StatusCode::OK
    );
    let r = c
        .post(format!("{base}/ui/tokens/{id}/revoke"))
        .header(COOKIE, cookie_header(&jar))
        .form(&[("csrf", session_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ui/tokens");
    assert_eq!(
        call(&base, Method::GET, "/api/me", Some(&token), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (_, logs) = broker.stop();
    assert_clean(
        "server log",
        &logs,
        &[&token, &cli_token, "alice-password-1"],
    );
}

// ---- smaller items (issue 14.7) ----

/// Inserts a connection row directly (no AWS needed to reach the AssumeRole step).
fn plant_connection(db: &str, user: &str) -> String {
    let c = rusqlite::Connection::open(db.strip_prefix("sqlite://").unwrap()).unwrap();
    let uid: String = c
        .query_row("SELECT id FROM users WHERE name = ?1", [user], |r| r.get(0))
        .unwrap();
    let id = "6f1c2a52-8a7e-4d7b-9c59-2f8e5c1b0a11".to_string();
    c.execute(
        "INSERT INTO connections (id, user_id, name, role_arn, external_id, created_at) \
         VALUES (?1, ?2, 'prod', ?3, 'zk-planted-external-id', 0)",
        [&id, &uid, ROLE],
    )
    .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_outage_is_audited_as_error_not_denied() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    sandbox.create_user(&db, "alice", "alice-password-1");
    let (_, token) = create_token(&sandbox, &db, "alice", &[]);
    let conn = plant_connection(&db, "alice");
    // STS is unreachable: nothing listens where AWS_ENDPOINT_URL points.
    let broker = Broker::start(&sandbox, NO_AWS, &db, &[]);
    let (s, e) = call(
        &broker.url,
        Method::GET,
        &format!("/api/s3/buckets?connection={conn}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_GATEWAY, "{e}");
    assert_eq!(e["error"]["code"], "aws_unavailable");
    let (s, e) = call(
        &broker.url,
        Method::POST,
        &format!("/api/connections/{conn}/credentials"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_GATEWAY, "{e}");
    let _ = broker.stop();
    let rows = audit_rows(&db, None);
    let aws: Vec<&Value> = rows
        .iter()
        .filter(|r| r["action"] == "s3.list_buckets" || r["action"] == "connection.credentials")
        .collect();
    assert_eq!(aws.len(), 2, "{rows:?}");
    for r in aws {
        assert_eq!(r["outcome"], "error", "an outage is not a refusal: {r}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_413_is_our_json_error_shape() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    sandbox.create_user(&db, "alice", "alice-password-1");
    let (_, token) = create_token(&sandbox, &db, "alice", &[]);
    let conn = plant_connection(&db, "alice");
    let broker = Broker::start(&sandbox, NO_AWS, &db, &[]);
    // Above our 64 KiB JSON limit, and above the framework's own 2 MiB default.
    for size in [100 << 10, 3 << 20] {
        let body = format!("{{\"buckets\":[\"{}\"]}}", "a".repeat(size));
        for path in [
            "/api/connections/prepare".to_string(),
            format!("/api/connections/{conn}/credentials"),
            "/api/aws/verify".to_string(),
            "/api/login".to_string(),
        ] {
            // Regression (flaky under load): the server answers 413 once the limit is passed
            // and closes; a client still writing the rest of a large body may then see a
            // broken pipe instead of the answer. Such a send is retried, not counted.
            let mut attempt = 0;
            let r = loop {
                let sent = http()
                    .post(format!("{}{path}", broker.url))
                    .bearer_auth(&token)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) => break r,
                    Err(e) if e.is_request() && attempt < 5 => attempt += 1,
                    Err(e) => panic!("{path} {size}: {e}"),
                }
            };
            assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path} {size}");
            let ct = r.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
            assert!(ct.starts_with("application/json"), "{path} {size}: {ct}");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["error"]["code"], "payload_too_large", "{path}: {v}");
            assert!(v["error"]["request_id"].is_string(), "{v}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_continuation_is_a_400_at_once() {
    let endpoint = emulator(PORT);
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    sandbox.create_user(&db, "alice", "alice-password-1");
    let (_, token) = create_token(&sandbox, &db, "alice", &[]);
    let s3 = s3_admin(&endpoint).await;
    let bucket = format!("zk-cont-{}", std::process::id());
    let _ = s3.create_bucket().bucket(&bucket).send().await;
    for k in ["a.txt", "b.txt", "c.txt"] {
        s3.put_object()
            .bucket(&bucket)
            .key(k)
            .body(b"x".to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let broker = Broker::start(&sandbox, &endpoint, &db, &[]);
    let base = broker.url.clone();
    let (_, prep) = call(
        &base,
        Method::POST,
        "/api/connections/prepare",
        Some(&token),
        Some(json!({})),
    )
    .await;
    let (s, v) = call(
        &base,
        Method::POST,
        "/api/aws/verify",
        Some(&token),
        Some(json!({"roleArn": ROLE, "externalId": prep["externalId"]})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let conn = v["connection"]["id"].as_str().unwrap().to_string();
    let list = |cont: Option<String>| {
        let mut path = format!("/api/s3/buckets/{bucket}/objects?connection={conn}&max_keys=1");
        if let Some(c) = cont {
            path.push_str(&format!("&continuation={c}"));
        }
        let base = base.clone();
        let token = token.clone();
        async move { call(&base, Method::GET, &path, Some(&token), None).await }
    };
    // The `next` of a page is accepted and pages on.
    let (s, p1) = list(None).await;
    assert_eq!(s, StatusCode::OK, "{p1}");
    let next = p1["next"].as_str().unwrap().to_string();
    let (s, p2) = list(Some(next.clone())).await;
    assert_eq!(s, StatusCode::OK, "{p2}");
    assert_eq!(p2["objects"][0]["key"], "b.txt", "{p2}");
    // Malformed, mangled, NUL-carrying, or another listing's token: 400 naming it, at once.
    let foreign = {
        let (_, p) = call(
            &base,
            Method::GET,
            &format!("/api/s3/buckets/{bucket}/objects?connection={conn}&max_keys=1&delimiter=%2F"),
            Some(&token),
            None,
        )
        .await;
        p["next"].as_str().map(str::to_string)
    };
    let mut bad = vec![
        "not-a-token".to_string(),
        "%00%00".to_string(),
        format!("{next}%00"),
        format!("x{next}"),
        next.replace('.', "%00."),
    ];
    bad.extend(foreign);
    for b in bad {
        let started = std::time::Instant::now();
        let (s, e) = list(Some(b.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}: {e}");
        assert_eq!(e["error"]["code"], "invalid_input");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("continuation"),
            "{e}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{b}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn client_request_id_is_not_trusted_into_audit_rows() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    sandbox.create_user(&db, "alice", "alice-password-1");
    sandbox.create_user(&db, "bob", "bob-password-22");
    let broker = Broker::start(&sandbox, NO_AWS, &db, &[]);
    let mut ours = Vec::new();
    for (user, pw) in [("alice", "alice-password-1"), ("bob", "bob-password-22")] {
        let r = http()
            .post(format!("{}/api/login", broker.url))
            .header("x-request-id", "shared-id-1")
            .json(&json!({"username": user, "password": pw}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_ne!(id, "shared-id-1", "the response carries our id");
        ours.push(id);
    }
    // A malformed or oversized client id is dropped, not stored.
    let r = http()
        .post(format!("{}/api/login", broker.url))
        .header("x-request-id", "x".repeat(200))
        .json(&json!({"username": "alice", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let _ = broker.stop();
    let rows: Vec<Value> = audit_rows(&db, None)
        .into_iter()
        .filter(|r| r["action"] == "auth.login")
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0]["request_id"], ours[0].as_str());
    assert_eq!(rows[1]["request_id"], ours[1].as_str());
    assert_ne!(rows[0]["request_id"], rows[1]["request_id"]);
    for r in &rows[..2] {
        assert_eq!(r["client_request_id"], "shared-id-1", "{r}");
    }
    assert_eq!(rows[2]["client_request_id"], "", "{:?}", rows[2]);
    assert_ne!(rows[2]["request_id"], "");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_csrf_cookie_is_bound_to_the_server() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    sandbox.create_user(&db, "alice", "alice-password-1");
    let broker = Broker::start(&sandbox, NO_AWS, &db, &["--trust-proxy"]);
    let c = http();
    let post = |cookie: String, csrf: String, from: &'static str| {
        let c = c.clone();
        let url = format!("{}/ui/login", broker.url);
        async move {
            c.post(url)
                .header(COOKIE, cookie)
                .header("x-forwarded-for", from)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", "alice"),
                    ("password", "alice-password-1"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // A cookie planted by a sibling subdomain with a value of its choosing, and the same
    // value in the form (a plain double submit): refused.
    let planted = "ab".repeat(32);
    let r = post(
        format!("zk_login_csrf={planted}"),
        planted.clone(),
        "203.0.113.7",
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .all(|v| !v.to_str().unwrap().starts_with("zk_session=")));
    // A pair the attacker fetched for itself, replayed from the victim's address: refused.
    let get = c
        .get(format!("{}/ui/login", broker.url))
        .header("x-forwarded-for", "198.51.100.9")
        .send()
        .await
        .unwrap();
    let mut jar = Vec::new();
    absorb(&mut jar, get.headers());
    let csrf = hidden(&get.text().await.unwrap(), "csrf");
    let r = post(cookie_header(&jar), csrf.clone(), "203.0.113.7").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The form's own pair from its own address: signed in.
    let get = c
        .get(format!("{}/ui/login", broker.url))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    let mut jar = Vec::new();
    absorb(&mut jar, get.headers());
    let csrf = hidden(&get.text().await.unwrap(), "csrf");
    let r = post(cookie_header(&jar), csrf, "203.0.113.7").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ui/connections");
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_from_elsewhere_do_not_lock_out_the_user() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    sandbox.create_user(&db, "alice", "alice-password-1");
    let broker = Broker::start(&sandbox, NO_AWS, &db, &["--trust-proxy"]);
    let attempt = |pw: &'static str, from: &'static str| {
        let url = format!("{}/api/login", broker.url);
        async move {
            http()
                .post(url)
                .header("x-forwarded-for", from)
                .json(&json!({"username": "alice", "password": pw}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let mut codes = Vec::new();
    for _ in 0..7 {
        codes.push(attempt("wrong-password", "203.0.113.7").await);
    }
    assert!(codes.contains(&StatusCode::TOO_MANY_REQUESTS), "{codes:?}");
    // The real user, elsewhere, still gets in.
    assert_eq!(
        attempt("alice-password-1", "198.51.100.9").await,
        StatusCode::OK
    );
    // The attacker's address stays limited, even with the right password.
    assert_eq!(
        attempt("alice-password-1", "203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
