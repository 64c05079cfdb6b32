//! `zerokey serve` at its edges: HTTPS with `--tls-cert/--tls-key` (self-signed pairs made
//! here with rcgen; clients trust exactly one of them), reload on SIGHUP, bad files exit 2
//! naming the file, HSTS only over https, `/metrics` off the public listener (a listener of
//! its own or a bearer token), bounded metric labels and log lines, and cheap, rate-limited
//! probes. No AWS call is made, so no emulator runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod broker_support;

use broker_support::*;
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Never contacted: these tests make no AWS call.
const NO_AWS: &str = "http://127.0.0.1:9";

struct Pair {
    cert_pem: String,
    key_pem: String,
}

/// A fresh self-signed certificate for 127.0.0.1 and localhost.
fn self_signed() -> Pair {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    Pair {
        cert_pem: ck.cert.pem(),
        key_pem: ck.signing_key.serialize_pem(),
    }
}

fn write_pair(dir: &Path, pair: &Pair) -> (PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, &pair.cert_pem).unwrap();
    std::fs::write(&key, &pair.key_pem).unwrap();
    (cert, key)
}

/// A client that trusts `cert_pem` and nothing else, on a new connection each time.
fn client_trusting(cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn sqlite(sandbox: &Sandbox) -> String {
    format!("sqlite://{}", sandbox.path().join("zk.db").display())
}

fn https(broker: &Broker) -> String {
    broker.url.replacen("http://", "https://", 1)
}

fn signal(broker: &Broker, sig: nix::sys::signal::Signal) {
    let pid = nix::unistd::Pid::from_raw(broker.pid() as i32);
    nix::sys::signal::kill(pid, sig).unwrap();
}

/// Waits until the server has logged `needle` `count` times.
fn wait_for_log(broker: &Broker, needle: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let logs = String::from_utf8_lossy(&broker.logs()).to_string();
        if logs.matches(needle).count() >= count {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "no {needle:?} in the log:\n{}",
        String::from_utf8_lossy(&broker.logs())
    );
}

/// The `metrics` address the server logged at start (`--metrics-listen 127.0.0.1:0`).
fn metrics_addr(broker: &Broker) -> String {
    let logs = broker.logs();
    for line in String::from_utf8_lossy(&logs).lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            if v["message"] == "zerokey broker listening" {
                let m = v["metrics"].as_str().unwrap();
                return m.split_whitespace().next().unwrap().to_string();
            }
        }
    }
    panic!("no listening line");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_tls_answers_https_and_reloads_the_pair_on_sighup() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    let first = self_signed();
    let (cert, key) = write_pair(sandbox.path(), &first);
    let broker = Broker::start(
        &sandbox,
        NO_AWS,
        &db,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let url = https(&broker);

    let r = client_trusting(&first.cert_pem)
        .get(format!("{url}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    assert_eq!(r.text().await.unwrap(), "ok\n");
    // Session cookies are Secure over TLS without --public-url.
    let r = client_trusting(&first.cert_pem)
        .post(format!("{url}/api/login"))
        .json(&serde_json::json!({"username": "nobody", "password": "x-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Plain HTTP on the TLS port gets no answer.
    assert!(reqwest::Client::new()
        .get(format!("{}/healthz", broker.url))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .is_err());

    // A new pair, then SIGHUP: new connections see it.
    let second = self_signed();
    write_pair(sandbox.path(), &second);
    signal(&broker, nix::sys::signal::Signal::SIGHUP);
    wait_for_log(&broker, "SIGHUP: TLS certificate reloaded", 1);
    let r = client_trusting(&second.cert_pem)
        .get(format!("{url}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        client_trusting(&first.cert_pem)
            .get(format!("{url}/healthz"))
            .send()
            .await
            .is_err(),
        "the old certificate is no longer served"
    );

    // A bad pair on SIGHUP: logged, the listener stays, the previous pair stays in use.
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    signal(&broker, nix::sys::signal::Signal::SIGHUP);
    wait_for_log(&broker, "SIGHUP: TLS certificate not reloaded", 1);
    let r = client_trusting(&second.cert_pem)
        .get(format!("{url}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let (code, logs) = broker.stop();
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&logs));
    assert_clean(
        "server log",
        &logs,
        &[&first.key_pem[40..80], &second.key_pem[40..80]],
    );
}

#[test]
fn serve_tls_bad_cert_or_key_exits_2_naming_the_file() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    let good = self_signed();
    let other = self_signed();
    let dir = sandbox.path();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let garbage = dir.join("garbage.pem");
    let other_key = dir.join("other-key.pem");
    std::fs::write(&cert, &good.cert_pem).unwrap();
    std::fs::write(&key, &good.key_pem).unwrap();
    std::fs::write(&garbage, "hello\n").unwrap();
    std::fs::write(&other_key, &other.key_pem).unwrap();
    let missing = dir.join("missing.pem");

    let cases: [(&Path, &Path, &Path); 5] = [
        (&missing, &key, &missing),
        (&cert, &missing, &missing),
        (&garbage, &key, &garbage),
        (&cert, &garbage, &garbage),
        // A key that is not the certificate's.
        (&cert, &other_key, &other_key),
    ];
    for (c, k, named) in cases {
        let out = sandbox
            .command(NO_AWS)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
            .arg("--tls-cert")
            .arg(c)
            .arg("--tls-key")
            .arg(k)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", named.display());
        assert!(
            err.contains(&named.display().to_string()),
            "names {}: {err}",
            named.display()
        );
        for k in [&good.key_pem, &other.key_pem] {
            assert!(
                !err.contains(k.lines().nth(1).unwrap()),
                "key material in {err}"
            );
        }
        assert!(
            !dir.join("zk.db").exists(),
            "nothing is created before the files are checked"
        );
    }
    // One flag without the other is a usage error.
    let out = sandbox
        .command(NO_AWS)
        .args(["serve", "--database", &db, "--tls-cert"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-key"));
}

#[tokio::test(flavor = "multi_thread")]
async fn hsts_is_sent_with_an_https_public_url_and_never_on_plain_http() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    let http = reqwest::Client::new();
    for (args, hsts) in [
        (&[][..], false),
        (&["--public-url", "http://zerokey.example.test"][..], false),
        (&["--public-url", "https://zerokey.example.test"][..], true),
    ] {
        let broker = Broker::start(&sandbox, NO_AWS, &db, args);
        for path in ["/healthz", "/api/me", "/no-such-page"] {
            let r = http
                .get(format!("{}{path}", broker.url))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.headers()
                    .get("strict-transport-security")
                    .map(|v| v.to_str().unwrap().to_string()),
                hsts.then(|| "max-age=31536000; includeSubDomains".to_string()),
                "{args:?} {path}"
            );
        }
    }
    // Behind a trusted proxy, the proxy's word on the scheme counts.
    let broker = Broker::start(&sandbox, NO_AWS, &db, &["--trust-proxy"]);
    let r = http
        .get(format!("{}/healthz", broker.url))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("strict-transport-security"));
    let r = http
        .get(format!("{}/healthz", broker.url))
        .header("x-forwarded-proto", "http")
        .send()
        .await
        .unwrap();
    assert!(!r.headers().contains_key("strict-transport-security"));
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_on_the_public_port_is_404_unless_configured() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    let http = reqwest::Client::new();

    // Default: not served at all.
    let broker = Broker::start(&sandbox, NO_AWS, &db, &[]);
    let r = http
        .get(format!("{}/metrics", broker.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found", "{body}");
    drop(broker);

    // --metrics-listen: served there only.
    let broker = Broker::start(&sandbox, NO_AWS, &db, &["--metrics-listen", "127.0.0.1:0"]);
    let maddr = metrics_addr(&broker);
    let r = http
        .get(format!("{}/metrics", broker.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = http
        .get(format!("http://{maddr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("zerokey_http_requests_total"));
    let r = http
        .get(format!("http://{maddr}/api/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "the API is not on it");
    drop(broker);

    // A token (environment, or a file): /metrics on the public port with the bearer token,
    // and the metrics listener wants it too.
    let token = format!("zk-metrics-{}", random_word(24));
    let token_file = sandbox.path().join("metrics-token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let mut by_env = sandbox.command(NO_AWS);
    by_env.env("ZEROKEY_METRICS_TOKEN", &token);
    let by_file = {
        let mut c = sandbox.command(NO_AWS);
        c.env("ZEROKEY_METRICS_TOKEN_FILE", &token_file);
        c
    };
    for cmd in [by_env, by_file] {
        let broker = Broker::start_with(cmd, &db, &["--metrics-listen", "127.0.0.1:0"]);
        let maddr = metrics_addr(&broker);
        for base in [broker.url.clone(), format!("http://{maddr}")] {
            let url = format!("{base}/metrics");
            let r = http.get(&url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{url}");
            let r = http.get(&url).bearer_auth("wrong").send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{url}");
            let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{url}");
        }
        let (_, logs) = broker.stop();
        assert!(
            !String::from_utf8_lossy(&logs).contains(&token),
            "the token is never logged"
        );
    }

    // An empty token file is refused, naming it.
    std::fs::write(&token_file, "\n").unwrap();
    let out = sandbox
        .command(NO_AWS)
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .arg("--metrics-token-file")
        .arg(&token_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("metrics-token"));
}

/// A random upper-case word (xorshift over the clock and a counter; test data only).
fn random_word(len: usize) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEED: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut x = (SEED.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ nanos) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'A' + (x % 26) as u8)
        })
        .collect()
}

fn request_series(metrics: &str) -> usize {
    metrics
        .lines()
        .filter(|l| l.starts_with("zerokey_http_requests_total{"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn long_random_method_names_add_no_metric_series_and_no_long_log_lines() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    let broker = Broker::start(&sandbox, NO_AWS, &db, &["--metrics-listen", "127.0.0.1:0"]);
    let maddr = metrics_addr(&broker);
    let http = reqwest::Client::new();
    let scrape = || async {
        http.get(format!("http://{maddr}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    // Warm up the series a bad request can reach: unmatched and a known route.
    for path in ["/nope", "/api/me"] {
        let m = reqwest::Method::from_bytes(b"XWARMUP").unwrap();
        http.request(m, format!("{}{path}", broker.url))
            .send()
            .await
            .unwrap();
    }
    let before = scrape().await;
    let mut sent = Vec::new();
    for i in 0..300 {
        let method = random_word(2000 + i);
        let path = if i % 2 == 0 {
            format!("/nope/{}", random_word(500))
        } else {
            "/api/me".to_string()
        };
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = http
            .request(m, format!("{}{path}", broker.url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
        sent.push(method);
    }
    let after = scrape().await;
    assert_eq!(
        request_series(&after),
        request_series(&before),
        "no new series:\n{after}"
    );
    assert!(after.contains("method=\"other\""), "{after}");
    assert!(!after.contains("/nope/"), "raw paths are not labels");
    assert!(after.len() < 16 << 10, "{} bytes of metrics", after.len());

    let (_, logs) = broker.stop();
    let text = String::from_utf8_lossy(&logs);
    for line in text.lines() {
        assert!(line.len() < 2048, "a {}-byte log line", line.len());
    }
    for m in &sent {
        assert!(!text.contains(&m[..64]), "a method name reached the log");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_and_readyz_are_rate_limited_per_client_address() {
    let sandbox = Sandbox::new();
    let db = sqlite(&sandbox);
    let broker = Broker::start(&sandbox, NO_AWS, &db, &["--probe-rate", "4"]);
    let http = reqwest::Client::new();
    let mut codes = Vec::new();
    for i in 0..8 {
        let path = if i % 2 == 0 { "/healthz" } else { "/readyz" };
        let r = http
            .get(format!("{}{path}", broker.url))
            .send()
            .await
            .unwrap();
        let status = r.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry), "{retry}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
        }
        codes.push(status);
    }
    let ok = codes.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 4, "{codes:?}");
    assert_eq!(codes[4], StatusCode::TOO_MANY_REQUESTS, "{codes:?}");
    // The API's own limit is separate.
    let r = http
        .get(format!("{}/api/me", broker.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

/// With PostgreSQL, API rate limits are counted in the database; probes never write there.
#[tokio::test(flavor = "multi_thread")]
async fn probes_write_nothing_to_the_database() {
    let sandbox = Sandbox::new();
    let pg = PgDb::create("probes");
    let broker = Broker::start(&sandbox, NO_AWS, &pg.url, &[]);
    let http = reqwest::Client::new();
    for path in ["/healthz", "/readyz", "/healthz", "/readyz"] {
        let r = http
            .get(format!("{}{path}", broker.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(pg.query("SELECT count(*) FROM rate_limits"), "0");
    // While an API request is counted there (so the check above can fail).
    http.get(format!("{}/api/me", broker.url))
        .send()
        .await
        .unwrap();
    assert_ne!(pg.query("SELECT count(*) FROM rate_limits"), "0");
}
