//! Load generator for `bench/broker-overhead.sh`: the same closed-loop client measures both
//! paths, so the difference is the broker's overhead.
//!
//!   broker_load direct  CONCURRENCY REQUESTS ROLE_ARN EXTERNAL_ID
//!       AssumeRole + ListBuckets with aws-sdk-rust (base credentials and endpoint from the
//!       environment), one fresh S3 client per request — what the broker does inside.
//!   broker_load broker  CONCURRENCY REQUESTS URL CONNECTION_ID
//!       `GET URL/api/s3/buckets?connection=ID` with `Authorization: Bearer $ZEROKEY_TOKEN`
//!       (the token comes from the environment, never the command line, which `ps` shows).
//!
//! Prints one JSON line: `{"mode","concurrency","requests","errors","p50_ms","p90_ms",
//! "p99_ms","max_ms","rps"}`.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn usage() -> ! {
    eprintln!(
        "usage: broker_load direct C N ROLE_ARN EXTERNAL_ID | ZEROKEY_TOKEN=… broker_load broker C N URL CONNECTION"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        usage();
    }
    let mode = args[0].clone();
    let concurrency: usize = args[1].parse().unwrap_or_else(|_| usage());
    let requests: usize = args[2].parse().unwrap_or_else(|_| usage());
    let token = Arc::new(std::env::var("ZEROKEY_TOKEN").unwrap_or_default());
    if mode == "broker" && token.is_empty() {
        usage();
    }
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let base = zerokey_aws::BaseAws::from_env().await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap_or_else(|_| usage());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, errors, args, base, http, token) = (
            next.clone(),
            errors.clone(),
            args.clone(),
            base.clone(),
            http.clone(),
            token.clone(),
        );
        let mode = mode.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let t = Instant::now();
                let ok = match mode.as_str() {
                    "direct" => direct(&base, &args[3], &args[4]).await,
                    "broker" => {
                        let url = format!("{}/api/s3/buckets?connection={}", args[3], args[4]);
                        match http.get(url).bearer_auth(token.as_str()).send().await {
                            Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                            Err(_) => false,
                        }
                    }
                    _ => false,
                };
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for t in tasks {
        if let Ok(l) = t.await {
            all.extend(l);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        all[i.min(all.len() - 1)]
    };
    let _ = writeln!(
        std::io::stdout(),
        "{{\"mode\":\"{mode}\",\"concurrency\":{concurrency},\"requests\":{},\"errors\":{},\"p50_ms\":{:.3},\"p90_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3},\"rps\":{:.1}}}",
        all.len(),
        errors.load(Ordering::Relaxed),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
        all.len() as f64 / secs
    );
}

async fn direct(base: &zerokey_aws::BaseAws, role_arn: &str, external_id: &str) -> bool {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#;
    let role = match base
        .assume_role(&zerokey_aws::AssumeRequest {
            role_arn,
            external_id: Some(external_id),
            session_name: "zk-bench-direct",
            source_identity: Some("zk-bench"),
            policy: Some(policy),
            ..Default::default()
        })
        .await
    {
        Ok(r) => r,
        Err(_) => return false,
    };
    let s3 = zerokey_aws::S3Session::new(base, &role);
    drop(role);
    s3.list_buckets().await.is_ok()
}
