//! The container credential endpoint of `zerokey exec --ecs-server`, in process: token checks,
//! the answer's shape, refresh within the margin (and only then), a failed refresh, shutdown.
//! The refresher is a fake (a counter that hands out canary credentials): what it stands for,
//! AssumeRole, is tested against the emulator in the CLI's `aws_clients` tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use zerokey_aws::AwsCredentials;
use zerokey_broker::container_endpoint::{ContainerEndpoint, Refresher};

fn creds(n: u32, lifetime_secs: i64) -> AwsCredentials {
    AwsCredentials::new(
        format!("ASIAZKCANARY{n:08}"),
        SecretString::from(format!("zkCanaryEndpointSecret{n:018}")),
        Some(SecretString::from(format!("zkCanarySessionToken{n}"))),
    )
    .with_expiration(OffsetDateTime::now_utc() + time::Duration::seconds(lifetime_secs))
}

/// A fake refresher: counts calls; fails when `fail` is set.
fn refresher(calls: Arc<AtomicU32>, fail: bool) -> Refresher {
    Arc::new(move || {
        let calls = Arc::clone(&calls);
        Box::pin(async move {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if fail {
                Err("fake STS refused".to_string())
            } else {
                Ok(creds(100 + n, 3600))
            }
        })
    })
}

async fn get(url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.header("Authorization", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    assert_eq!(
        resp.headers().get("cache-control").unwrap(),
        "no-store",
        "every answer is uncacheable"
    );
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn answers_only_with_the_token_and_refreshes_within_the_margin() {
    let calls = Arc::new(AtomicU32::new(0));
    let ep = ContainerEndpoint::start(
        creds(1, 3600),
        refresher(Arc::clone(&calls), false),
        Duration::from_secs(600),
        Some("arn:aws:iam::123456789012:role/deploy".into()),
    )
    .await
    .unwrap();
    assert!(ep.url().starts_with("http://127.0.0.1:"), "{}", ep.url());
    let token = ep.token().expose_secret().to_string();
    assert_eq!(token.len(), 64, "256 bits, hex");
    assert!(!format!("{ep:?}").contains(&token));

    let (s, v) = get(ep.url(), None).await;
    assert_eq!(s, 401);
    assert_eq!(v["code"], "missing_token");
    let (s, _) = get(ep.url(), Some(&"0".repeat(64))).await;
    assert_eq!(s, 403);
    let (s, _) = get(ep.url(), Some(&token[..63])).await;
    assert_eq!(s, 403, "a prefix of the token is refused");

    // Plenty of time left: the held credentials, no refresh.
    let (s, v) = get(ep.url(), Some(&token)).await;
    assert_eq!(s, 200);
    assert_eq!(v["AccessKeyId"], "ASIAZKCANARY00000001");
    assert_eq!(v["RoleArn"], "arn:aws:iam::123456789012:role/deploy");
    assert!(v["SecretAccessKey"]
        .as_str()
        .unwrap()
        .starts_with("zkCanaryEndpointSecret"));
    assert!(v["Token"]
        .as_str()
        .unwrap()
        .starts_with("zkCanarySessionToken"));
    let exp = OffsetDateTime::parse(
        v["Expiration"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!((exp - OffsetDateTime::now_utc()).whole_seconds() > 3500);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!((ep.served(), ep.refreshed()), (1, 0));

    let url = ep.url().to_string();
    ep.stop().await;
    assert!(
        reqwest::Client::new().get(&url).send().await.is_err(),
        "the port is closed after stop"
    );
}

#[tokio::test]
async fn credentials_near_expiry_are_replaced_once_for_concurrent_requests() {
    let calls = Arc::new(AtomicU32::new(0));
    let ep = ContainerEndpoint::start(
        creds(1, 120),
        refresher(Arc::clone(&calls), false),
        Duration::from_secs(600),
        None,
    )
    .await
    .unwrap();
    let token = ep.token().expose_secret().to_string();
    let answers = futures_util::future::join_all((0..8).map(|_| get(ep.url(), Some(&token)))).await;
    for (s, v) in &answers {
        assert_eq!(*s, 200);
        assert_eq!(v["AccessKeyId"], "ASIAZKCANARY00000101", "{v}");
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one refresh for all of them"
    );
    assert_eq!(ep.refreshed(), 1);
    ep.stop().await;
}

#[tokio::test]
async fn a_failed_refresh_serves_valid_credentials_and_refuses_expired_ones() {
    let calls = Arc::new(AtomicU32::new(0));
    let ep = ContainerEndpoint::start(
        creds(1, 120),
        refresher(Arc::clone(&calls), true),
        Duration::from_secs(600),
        None,
    )
    .await
    .unwrap();
    let token = ep.token().expose_secret().to_string();
    let (s, v) = get(ep.url(), Some(&token)).await;
    assert_eq!(s, 200, "still valid for 2 minutes: served");
    assert_eq!(v["AccessKeyId"], "ASIAZKCANARY00000001");
    ep.stop().await;

    let ep = ContainerEndpoint::start(
        creds(2, -5),
        refresher(Arc::clone(&calls), true),
        Duration::from_secs(600),
        None,
    )
    .await
    .unwrap();
    let token = ep.token().expose_secret().to_string();
    let (s, v) = get(ep.url(), Some(&token)).await;
    assert_eq!(s, 502, "{v}");
    assert_eq!(v["code"], "refresh_failed");
    assert!(!v.to_string().contains("zkCanary"));
    ep.stop().await;
}
