//! The broker against the emulator with IAM enforcement on (its own port, 5151): the customer
//! creates the role from the documents `prepare` returns (trust policy naming the broker's
//! principal and external ID, the permission policy), then verify with a wrong external ID is
//! refused with our generic message and stores nothing, and the right one works.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod broker_support;

use broker_support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const PORT: u16 = 5151;

struct AuthOff<'a>(&'a str);

impl Drop for AuthOff<'_> {
    fn drop(&mut self) {
        emulator_control(self.0, "/moto-api/reset-auth", "inf");
    }
}

async fn iam(endpoint: &str) -> aws_sdk_iam::Client {
    let conf = aws_sdk_iam::config::Builder::new()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_external_id_is_refused_and_nothing_is_stored() {
    let endpoint = emulator(PORT);
    emulator_control(&endpoint, "/moto-api/reset-auth", "inf");
    emulator_control(&endpoint, "/moto-api/reset", "");
    let _off = AuthOff(&endpoint);
    let iam = iam(&endpoint).await;

    // The broker's base principal: an IAM user allowed to assume roles.
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
    let s3 = s3_admin(&endpoint).await;
    s3.create_bucket()
        .bucket("zk-trust-data")
        .send()
        .await
        .unwrap();

    let sandbox = Sandbox::new();
    let db = format!("sqlite://{}", sandbox.path().join("zk.db").display());
    sandbox.create_user(&db, "alice", "alice-password-1");
    let token = sandbox.create_token(&db, "alice");
    let mut cmd_env = sandbox.command(&endpoint);
    cmd_env
        .env("AWS_ACCESS_KEY_ID", &key_id)
        .env("AWS_SECRET_ACCESS_KEY", &secret);
    let broker = Broker::start_with(cmd_env, &db, &[]);
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{}{path}", broker.url))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    let prep: Value = post("/api/connections/prepare", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other: Value = post("/api/connections/prepare", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        prep["principalArn"], "arn:aws:iam::123456789012:user/zk-broker",
        "{prep}"
    );
    // The customer creates the role from the documents, as the README tells them to.
    let role = iam
        .create_role()
        .role_name("zk-customer")
        .assume_role_policy_document(prep["trustPolicy"].to_string())
        .send()
        .await
        .unwrap();
    let role_arn = role.role().unwrap().arn().to_string();
    iam.put_role_policy()
        .role_name("zk-customer")
        .policy_name("s3")
        .policy_document(prep["permissionPolicy"].to_string())
        .send()
        .await
        .unwrap();

    emulator_control(&endpoint, "/moto-api/reset-auth", "0");

    // An external ID that we issued, but not the one in the role's trust policy.
    let r = post(
        "/api/aws/verify",
        json!({"roleArn": role_arn, "externalId": other["externalId"]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "role_not_assumable", "{body}");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("external ID"), "{msg}");
    assert!(
        !msg.contains("123456789012"),
        "AWS's text names the base account: {msg}"
    );
    let rows: i64 = rusqlite::Connection::open(sandbox.path().join("zk.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM connections", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0, "a refused verify stores nothing");

    // The right one, under enforcement: assume, list buckets, store.
    let r = post(
        "/api/aws/verify",
        json!({"roleArn": role_arn, "externalId": prep["externalId"]}),
    )
    .await
    .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(
        body["buckets"].to_string().contains("zk-trust-data"),
        "{body}"
    );

    let (code, logs) = broker.stop();
    assert_eq!(code, Some(0));
    assert_clean("server log", &logs, &[&secret, &token, "alice-password-1"]);
    assert_clean(
        "database and sandbox",
        &read_tree(sandbox.path()),
        &[&secret, &token, "alice-password-1"],
    );
}
