//! The web UI over plain HTTP against a real `zerokey serve` and the AWS emulator: security
//! headers on every page, a form post without (or with a wrong) CSRF token refused and
//! changing nothing, no inline script or style, no credential in any page (canary check with
//! the detection engine), no external ID in any URL, and sign-out invalidating the session
//! on the server. Emulator on port 5170 (auth off) and 5171 (IAM enforcement, for the wrong
//! external ID message).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod broker_support;

use broker_support::*;
use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::json;

const ROLE: &str = "arn:aws:iam::123456789012:role/zk-webui-customer";
const PASSWORD: &str = "alice-webui-pass-1";

/// A browser-like client without a cookie store: cookies are passed by hand so the test
/// can replay an old session cookie after sign-out.
struct Ui {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// The value of `<input type="hidden" name="NAME" value="…">` (first one).
fn hidden(html: &str, name: &str) -> String {
    let probe = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&probe)
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"))
        + probe.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Every `href="…"`, `action="…"` and `src="…"` in a page.
fn urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "action=\"", "src=\"", "data-base=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            out.push(rest.split('"').next().unwrap().to_string());
        }
    }
    out
}

impl Ui {
    fn new(base: &str) -> Ui {
        Ui {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn absorb(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            let removed = val.is_empty() || v.contains("Max-Age=0");
            if !removed {
                self.cookies.push((k.to_string(), val.to_string()));
            }
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header(COOKIE, self.cookie_header())
        };
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        self.absorb(&headers);
        let body = unescape(&resp.text().await.unwrap());
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    async fn sign_in(&mut self, user: &str, password: &str) -> Page {
        let login = self.get("/ui/login").await;
        assert_eq!(login.status, StatusCode::OK);
        let csrf = hidden(&login.body, "csrf");
        self.post(
            "/ui/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .await
    }
}

/// What every HTML page must satisfy.
fn check_page(what: &str, p: &Page, canaries: &[&str], external_id: Option<&str>) {
    let h = &p.headers;
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["cache-control"], "no-store", "{what}");
    assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
    let body = &p.body;
    let html = h
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
    if html {
        // No inline script or style: every <script> has a src, no style attributes.
        for (i, _) in body.match_indices("<script") {
            let tag = &body[i..i + body[i..].find('>').unwrap()];
            assert!(tag.contains(" src=\"/ui/static/"), "{what}: inline {tag}");
        }
        assert!(!body.contains("<style"), "{what}: inline style");
        assert!(!body.contains(" style=\""), "{what}: style attribute");
        assert!(!body.contains(" onclick="), "{what}: inline handler");
        // Every input and select is labelled (hidden inputs need none).
        let fields = body
            .match_indices("<input ")
            .chain(body.match_indices("<select "));
        for (i, _) in fields {
            let tag = &body[i..i + body[i..].find('>').unwrap()];
            if tag.contains("type=\"hidden\"") {
                continue;
            }
            let id = tag
                .split("id=\"")
                .nth(1)
                .unwrap_or_else(|| panic!("{what}: input without id: {tag}"))
                .split('"')
                .next()
                .unwrap();
            assert!(
                body.contains(&format!("<label for=\"{id}\"")),
                "{what}: input {id} has no label"
            );
        }
        if let Some(ext) = external_id {
            for u in urls(body) {
                assert!(!u.contains(ext), "{what}: external ID in URL {u}");
            }
        }
    }
    if let Some(ext) = external_id {
        assert!(
            !p.location().contains(ext),
            "{what}: external ID in Location"
        );
    }
    assert_clean(what, body.as_bytes(), canaries);
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_protected_and_sign_out_ends_the_session() {
    let endpoint = emulator(5170);
    let sandbox = Sandbox::new();
    let db = format!("sqlite://{}", sandbox.path().join("zk.db").display());
    let s3 = s3_admin(&endpoint).await;
    let bucket = format!("zk-webui-{}", std::process::id());
    let _ = s3.create_bucket().bucket(&bucket).send().await;
    s3.put_object()
        .bucket(&bucket)
        .key("reports/2026/q4.txt")
        .content_type("text/plain")
        .metadata("owner", "team-a")
        .body(b"quarterly numbers".to_vec().into())
        .send()
        .await
        .unwrap();
    sandbox.create_user(&db, "alice", PASSWORD);
    let broker = Broker::start(&sandbox, &endpoint, &db, &[]);
    let mut ui = Ui::new(&broker.url);
    let rows = |table: &str| -> i64 {
        rusqlite::Connection::open(sandbox.path().join("zk.db"))
            .unwrap()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };

    // Signed out: pages redirect to the sign-in page, which carries every security header.
    let p = ui.get("/ui/connections").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/ui/login");
    let login = ui.get("/ui/login").await;
    assert_eq!(login.status, StatusCode::OK);
    check_page("sign-in page", &login, &[BASE_SECRET, PASSWORD], None);
    assert!(login.body.contains("<label for=\"password\""));

    // Sign-in without the form's CSRF field, or with a wrong one: refused, no session.
    for form in [
        vec![("username", "alice"), ("password", PASSWORD)],
        vec![
            ("csrf", "forged"),
            ("username", "alice"),
            ("password", PASSWORD),
        ],
    ] {
        let p = ui.post("/ui/login", &form).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
        assert!(p.body.contains("CSRF"), "{}", p.body);
        assert!(ui.cookie("zk_session").is_none());
    }
    assert_eq!(rows("sessions"), 0);
    // Wrong password: the page says so.
    let p = ui.sign_in("alice", "not-the-password").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.body.contains("Wrong user name or password"), "{}", p.body);
    assert!(!p.body.contains("not-the-password"));

    let p = ui.sign_in("alice", PASSWORD).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/ui/connections");
    let set = p.headers[SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        p.headers.get_all(SET_COOKIE).iter().any(|v| v
            .to_str()
            .unwrap()
            .starts_with("zk_session=")
            && v.to_str().unwrap().contains("HttpOnly")
            && v.to_str().unwrap().contains("SameSite=Strict")),
        "{set}"
    );
    let session = ui.cookie("zk_session").expect("session cookie");
    let canaries = [BASE_SECRET, BASE_KEY_ID, PASSWORD, session.as_str()];

    let list = ui.get("/ui/connections").await;
    assert_eq!(list.status, StatusCode::OK);
    check_page("connections", &list, &canaries, None);
    assert!(list.body.contains("No connections yet"), "{}", list.body);
    let csrf = hidden(&list.body, "csrf");
    assert!(!csrf.is_empty());

    // Connect, step 1: refused without the CSRF field (no external ID issued).
    let p = ui.post("/ui/connect", &[("buckets", "")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(rows("pending_external_ids"), 0);
    let start = ui.get("/ui/connect").await;
    check_page("connect start", &start, &canaries, None);
    let step1 = ui
        .post("/ui/connect", &[("csrf", &csrf), ("buckets", "")])
        .await;
    assert_eq!(step1.status, StatusCode::OK, "{}", step1.body);
    let external_id = hidden(&step1.body, "external_id");
    assert!(external_id.starts_with("zk-"), "{external_id}");
    assert!(step1.body.contains("sts:ExternalId"));
    assert!(step1.body.contains("s3:ListAllMyBuckets"));
    assert!(step1.body.contains("data-copy=\"trust-policy\""));
    check_page("connect step 1", &step1, &canaries, Some(&external_id));

    // The CloudFormation template is a download from a POST (the external ID in the body).
    let t = ui
        .post(
            "/ui/connect/template",
            &[
                ("csrf", &csrf),
                ("external_id", &external_id),
                ("buckets", ""),
            ],
        )
        .await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let tpl: serde_json::Value = serde_json::from_str(&t.body).unwrap();
    assert!(tpl["Resources"]["ZerokeyBrokerRole"].is_object());
    let t = ui
        .post(
            "/ui/connect/template",
            &[("external_id", &external_id), ("buckets", "")],
        )
        .await;
    assert_eq!(t.status, StatusCode::FORBIDDEN);

    // Step 2 without CSRF: refused, nothing stored.
    let verify = [
        ("csrf", csrf.as_str()),
        ("external_id", external_id.as_str()),
        ("role_arn", ROLE),
        ("name", "webui-prod"),
        ("buckets", ""),
    ];
    let p = ui.post("/ui/connect/verify", &verify[1..]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let forged = "x".repeat(43);
    let mut wrong = verify;
    wrong[0] = ("csrf", forged.as_str());
    let p = ui.post("/ui/connect/verify", &wrong).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(rows("connections"), 0);
    // A malformed role ARN: a specific message in the page, nothing stored.
    let mut bad = verify;
    bad[2] = ("role_arn", "arn:aws:iam::12345:role/x");
    let p = ui.post("/ui/connect/verify", &bad).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("The role ARN is not valid"), "{}", p.body);
    assert!(p.body.contains("sts:ExternalId"), "step 1 is still shown");
    check_page("connect step 2 error", &p, &canaries, Some(&external_id));
    assert_eq!(rows("connections"), 0);

    let p = ui.post("/ui/connect/verify", &verify).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    check_page("verify redirect", &p, &canaries, Some(&external_id));
    let added = p.location();
    assert!(added.starts_with("/ui/connections?added="), "{added}");
    let conn = added.rsplit('=').next().unwrap().to_string();
    let list = ui.get(&added).await;
    assert!(
        list.body.contains("Connected “webui-prod”"),
        "{}",
        list.body
    );
    assert!(list.body.contains(ROLE));
    check_page(
        "connections after verify",
        &list,
        &canaries,
        Some(&external_id),
    );
    assert!(
        !list.body.contains(&external_id),
        "the list does not show external IDs"
    );

    // Buckets, objects (folders), object details, upload through the API, audit.
    let b = ui.get(&format!("/ui/buckets?connection={conn}")).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    assert!(b.body.contains(&bucket), "{}", b.body);
    check_page("buckets", &b, &canaries, Some(&external_id));
    let o = ui
        .get(&format!("/ui/objects?connection={conn}&bucket={bucket}"))
        .await;
    assert_eq!(o.status, StatusCode::OK, "{}", o.body);
    assert!(o.body.contains("reports/"), "{}", o.body);
    check_page("objects", &o, &canaries, Some(&external_id));
    let o = ui
        .get(&format!(
            "/ui/objects?connection={conn}&bucket={bucket}&prefix=reports%2F2026%2F"
        ))
        .await;
    assert!(o.body.contains("q4.txt"), "{}", o.body);
    assert!(o.body.contains(&format!(
        "/api/s3/buckets/{bucket}/objects/reports/2026/q4.txt?connection={conn}"
    )));
    let upload_csrf = hidden(&o.body, "csrf");
    assert_eq!(upload_csrf, csrf);
    let d = ui
        .get(&format!(
            "/ui/object?connection={conn}&bucket={bucket}&key=reports%2F2026%2Fq4.txt"
        ))
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert!(d.body.contains("17 bytes"), "{}", d.body);
    assert!(d.body.contains("text/plain"), "{}", d.body);
    assert!(
        d.body
            .contains("x-amz-meta-owner</dt><dd class=\"break\">team-a"),
        "{}",
        d.body
    );
    let gone = ui
        .get(&format!(
            "/ui/object?connection={conn}&bucket={bucket}&key=reports%2Fnope.txt"
        ))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.body.contains("object not found"), "{}", gone.body);
    check_page("object details", &d, &canaries, Some(&external_id));
    let missing = ui
        .get(&format!(
            "/ui/objects?connection={conn}&bucket=zk-no-such-bucket-here"
        ))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("bucket not found"),
        "{}",
        missing.body
    );
    check_page("objects error", &missing, &canaries, Some(&external_id));
    // The page's upload (app.js) is a cookie-authenticated PUT with x-csrf-token.
    let http = ui.http.clone();
    let put = |token: Option<&str>| {
        let mut req = http
            .put(format!(
                "{}/api/s3/buckets/{bucket}/objects/up/hello.txt?connection={conn}",
                broker.url
            ))
            .header(COOKIE, format!("zk_session={session}"))
            .body("hello");
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        req.send()
    };
    assert_eq!(put(None).await.unwrap().status(), StatusCode::FORBIDDEN);
    // The download link: an attachment that may never run as a page on our origin.
    let dl = ui
        .get(&format!(
            "/api/s3/buckets/{bucket}/objects/reports/2026/q4.txt?connection={conn}"
        ))
        .await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.body, "quarterly numbers");
    assert!(dl.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(
        dl.headers["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    assert_eq!(
        put(Some(&csrf)).await.unwrap().status(),
        StatusCode::CREATED
    );
    let a = ui.get("/ui/audit?action=s3.put_object&outcome=ok").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.body.contains(&format!("{bucket}/up/hello.txt")),
        "{}",
        a.body
    );
    assert!(!a.body.contains("auth.login</td>"), "filtered by action");
    check_page("audit", &a, &canaries, Some(&external_id));
    let a = ui.get("/ui/audit").await;
    assert!(a.body.contains("connection.verify"));
    assert!(a.body.contains("s3.head_object"));
    assert!(a.body.contains("auth.login"));

    // Static assets: right content types, long immutable cache.
    for (path, ct) in [
        ("/ui/static/app.css", "text/css"),
        ("/ui/static/app.js", "text/javascript"),
    ] {
        let s = ui.get(path).await;
        assert_eq!(s.status, StatusCode::OK);
        assert!(s.headers[CONTENT_TYPE].to_str().unwrap().starts_with(ct));
        assert!(s.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
    }

    // A malformed address or an unknown page: an HTML error page with the same headers.
    let p = ui.get(&format!("/ui/objects?connection={conn}")).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("lacks a parameter"), "{}", p.body);
    check_page("malformed query", &p, &canaries, Some(&external_id));
    let p = ui.get("/ui/no-such-page").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("No such page"), "{}", p.body);
    check_page("unknown page", &p, &canaries, Some(&external_id));

    // Delete: confirmation page; the post without CSRF changes nothing.
    let c = ui.get(&format!("/ui/connections/{conn}/delete")).await;
    assert_eq!(c.status, StatusCode::OK);
    assert!(c.body.contains("Delete connection"));
    check_page("delete confirmation", &c, &canaries, Some(&external_id));
    let p = ui
        .post(&format!("/ui/connections/{conn}/delete"), &[])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(rows("connections"), 1);
    let p = ui
        .post(
            &format!("/ui/connections/{conn}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(rows("connections"), 0);

    // Sign out: without CSRF refused; with it the session is gone from the store, and the
    // old cookie no longer works for pages or the API.
    let p = ui.post("/ui/logout", &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(rows("sessions"), 1);
    let p = ui.post("/ui/logout", &[("csrf", &csrf)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/ui/login");
    assert!(ui.cookie("zk_session").is_none(), "cookie cleared");
    assert_eq!(rows("sessions"), 0, "session deleted server-side");
    ui.cookies.push(("zk_session".into(), session.clone()));
    let p = ui.get("/ui/connections").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/ui/login");
    let me = ui
        .http
        .get(format!("{}/api/me", broker.url))
        .header(COOKIE, format!("zk_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

    let (code, logs) = broker.stop();
    assert_eq!(code, Some(0));
    assert_clean("server log", &logs, &[BASE_SECRET, PASSWORD, &session]);
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_has_the_api_rate_limits() {
    let sandbox = Sandbox::new();
    let db = format!("sqlite://{}", sandbox.path().join("zk.db").display());
    sandbox.create_user(&db, "alice", PASSWORD);
    // 2 attempts per minute per address, 1 per name.
    let broker = Broker::start(&sandbox, "http://127.0.0.1:9", &db, &["--login-rate", "2"]);
    let mut ui = Ui::new(&broker.url);
    let p = ui.sign_in("alice", "wrong-password-1").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{}", p.body);
    let p = ui.sign_in("alice", PASSWORD).await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.body);
    assert!(p.body.contains("too many requests"), "{}", p.body);
    assert!(ui.cookie("zk_session").is_none());
    check_page("rate-limited sign-in", &p, &[PASSWORD], None);
}

struct AuthOff<'a>(&'a str);

impl Drop for AuthOff<'_> {
    fn drop(&mut self) {
        emulator_control(self.0, "/moto-api/reset-auth", "inf");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_external_id_shows_a_specific_error() {
    let endpoint = emulator(5171);
    emulator_control(&endpoint, "/moto-api/reset-auth", "inf");
    emulator_control(&endpoint, "/moto-api/reset", "");
    let _off = AuthOff(&endpoint);
    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::new()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    );
    iam.create_user()
        .user_name("zk-broker")
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("zk-broker")
        .policy_name("assume")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("zk-broker")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let (key_id, secret) = (
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    );
    let sandbox = Sandbox::new();
    let db = format!("sqlite://{}", sandbox.path().join("zk.db").display());
    sandbox.create_user(&db, "alice", PASSWORD);
    let mut cmd = sandbox.command(&endpoint);
    cmd.env("AWS_ACCESS_KEY_ID", &key_id)
        .env("AWS_SECRET_ACCESS_KEY", &secret);
    let broker = Broker::start_with(cmd, &db, &[]);
    let mut ui = Ui::new(&broker.url);
    assert_eq!(
        ui.sign_in("alice", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let csrf = hidden(&ui.get("/ui/connections").await.body, "csrf");
    // Two external IDs; the role trusts the first only.
    let first = ui.post("/ui/connect", &[("csrf", &csrf)]).await;
    let second = ui.post("/ui/connect", &[("csrf", &csrf)]).await;
    let (ext1, ext2) = (
        hidden(&first.body, "external_id"),
        hidden(&second.body, "external_id"),
    );
    assert_ne!(ext1, ext2);
    let trust = policy_json(&first.body, "trust-policy");
    let role = iam
        .create_role()
        .role_name("zk-webui-customer")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let role_arn = role.role().unwrap().arn().to_string();
    iam.put_role_policy()
        .role_name("zk-webui-customer")
        .policy_name("s3")
        .policy_document(policy_json(&first.body, "permission-policy"))
        .send()
        .await
        .unwrap();
    emulator_control(&endpoint, "/moto-api/reset-auth", "0");

    let p = ui
        .post(
            "/ui/connect/verify",
            &[
                ("csrf", &csrf),
                ("external_id", &ext2),
                ("role_arn", &role_arn),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(
        p.body
            .contains("AWS refused to let the broker assume this role"),
        "{}",
        p.body
    );
    assert!(p.body.contains("external ID"), "{}", p.body);
    assert!(p.body.contains("arn:aws:iam::123456789012:user/zk-broker"));
    assert!(p.body.contains(&role_arn), "the form keeps the role ARN");
    check_page(
        "verify refused",
        &p,
        &[&secret, PASSWORD, BASE_SECRET],
        Some(&ext2),
    );
    let rows: i64 = rusqlite::Connection::open(sandbox.path().join("zk.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM connections", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
    // The right one works under enforcement.
    let p = ui
        .post(
            "/ui/connect/verify",
            &[
                ("csrf", &csrf),
                ("external_id", &ext1),
                ("role_arn", &role_arn),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    emulator_control(&endpoint, "/moto-api/reset-auth", "inf");
    let (code, logs) = broker.stop();
    assert_eq!(code, Some(0));
    assert_clean("server log", &logs, &[&secret, PASSWORD]);
}

/// The JSON document in `<pre id="ID" …>…</pre>` of an unescaped page.
fn policy_json(html: &str, id: &str) -> String {
    let start = html.find(&format!("<pre id=\"{id}\"")).unwrap();
    let body = &html[start..];
    body[body.find('>').unwrap() + 1..body.find("</pre>").unwrap()].to_string()
}

/// Undoes the HTML escaping of the templates (minijinja escapes `/` too).
fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
