//! The broker's HTTP behaviour in process: `app(state)` driven with `tower::ServiceExt::oneshot`
//! against the AWS emulator (moto, started by `scripts/aws-emulator/start`) and a SQLite store
//! in a temp dir. The end-to-end tests of the real `zerokey serve` process live with the CLI.
//!
//! Covered here: the service layer (connection ownership → AssumeRole with a session policy →
//! one S3 call → one audit row, also on failure), our JSON error shape on bad input, and that
//! nothing a request handles (base key, temporary keys) reaches the database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../zerokey-cli/tests/common/emulator.rs"]
#[allow(dead_code)]
mod emulator;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tower::ServiceExt;
use zerokey_broker::store::Store;
use zerokey_broker::{app, AppState};

/// Emulator port of this test binary (each binary has its own).
const PORT: u16 = 5131;
/// Canary base credentials: never real, and never allowed to reach the store.
const BASE_KEY_ID: &str = "AKIAZKBROKERSVCTEST7";
const BASE_SECRET: &str = "zkBrokerServiceCanarySecret0000000000000";
const ROLE: &str = "arn:aws:iam::123456789012:role/zk-service-test";

struct Broker {
    app: Router,
    store: Store,
    state: AppState,
    user_id: String,
    token: String,
    _dir: tempfile::TempDir,
    _emulator: emulator::Running,
}

impl Broker {
    async fn start() -> Broker {
        let emu = emulator::Running::on(PORT);
        // Every test of this binary sets the same values, so the order does not matter.
        std::env::set_var("AWS_ENDPOINT_URL", &emu.endpoint);
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_ACCESS_KEY_ID", BASE_KEY_ID);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", BASE_SECRET);
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("zk.db").display());
        let store = Store::connect(&url).await.unwrap();
        let user = store
            .create_user(&format!("u{}", rand_suffix()), "not-a-real-hash")
            .await
            .unwrap();
        let token = zerokey_broker::auth::token::new_token();
        store
            .create_token(
                &user.id,
                &zerokey_broker::auth::token::hash(token.expose_secret()),
                "test",
                None,
            )
            .await
            .unwrap();
        let aws = zerokey_aws::BaseAws::from_env().await;
        let state = AppState::builder(store.clone(), aws).build();
        Broker {
            app: app(state.clone()),
            state,
            user_id: user.id,
            store,
            token: token.expose_secret().to_string(),
            _dir: dir,
            _emulator: emu,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let resp = self
            .app
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, v)
    }

    /// prepare → verify; returns the connection id.
    async fn connect(&self) -> String {
        let (s, p) = self
            .call("POST", "/api/connections/prepare", Some(json!({})))
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let (s, v) = self
            .call(
                "POST",
                "/api/aws/verify",
                Some(json!({"roleArn": ROLE, "externalId": p["externalId"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["connection"]["id"].as_str().unwrap().to_string()
    }

    async fn audit_actions(&self) -> Vec<(String, String)> {
        self.state.audit_settled().await;
        let events = self
            .store
            .audit_events(&self.user_id, 100, None)
            .await
            .unwrap();
        events.into_iter().map(|e| (e.action, e.outcome)).collect()
    }
}

fn rand_suffix() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format!("{}{}", t.as_nanos(), std::process::id())
}

async fn create_bucket(name: &str) {
    let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket(name).send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_calls_go_through_the_service_layer_and_are_audited() {
    let b = Broker::start().await;
    let conn = b.connect().await;
    let bucket = format!("zk-svc-{}", &rand_suffix()[..12]);
    create_bucket(&bucket).await;

    let (s, v) = b
        .call("GET", &format!("/api/s3/buckets?connection={conn}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == json!(bucket)),
        "{v}"
    );

    let (s, v) = b
        .call(
            "GET",
            &format!("/api/s3/buckets/{bucket}/objects?connection={conn}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["objects"], json!([]), "{v}");

    // A missing key: S3's 404 becomes ours, and the audit row says not_found.
    let (s, v) = b
        .call(
            "GET",
            &format!("/api/s3/buckets/{bucket}/objects/none.txt?connection={conn}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    let actions = b.audit_actions().await;
    for (action, outcome) in [
        ("connection.verify", "ok"),
        ("s3.list_buckets", "ok"),
        ("s3.list_objects", "ok"),
        ("s3.get_object", "not_found"),
    ] {
        assert!(
            actions.iter().any(|(a, o)| a == action && o == outcome),
            "{action}/{outcome} not in {actions:?}"
        );
    }
    // Nothing the requests handled reached the database.
    for (table, column, value) in b.store.text_cells().await.unwrap() {
        assert!(
            !value.contains(BASE_SECRET) && !value.contains(BASE_KEY_ID),
            "{table}.{column} holds the base key"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_of_nobody_or_malformed_is_404_or_400_in_our_shape() {
    let b = Broker::start().await;
    let (s, v) = b
        .call(
            "GET",
            "/api/s3/buckets?connection=00000000-0000-4000-8000-000000000000",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(v["error"]["code"].is_string(), "{v}");
    let (s, v) = b
        .call("GET", "/api/s3/buckets?connection=not-an-id", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("connection"),
        "{v}"
    );
    let (s, v) = b.call("GET", "/api/s3/buckets", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // No AWS call was made, so no S3 audit row.
    assert!(!b
        .audit_actions()
        .await
        .iter()
        .any(|(a, _)| a.starts_with("s3.")));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_verify_input_stores_nothing() {
    let b = Broker::start().await;
    let (s, v) = b
        .call(
            "POST",
            "/api/aws/verify",
            Some(json!({"roleArn": "arn:aws:iam::12345:role/x", "externalId": "zk-x"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("roleArn"),
        "{v}"
    );
    let (s, v) = b.call("GET", "/api/connections", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["connections"], json!([]), "{v}");
}
