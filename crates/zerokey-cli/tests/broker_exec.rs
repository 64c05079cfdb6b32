//! `POST /api/exec` on a real `zerokey serve --exec-dir`: the child gets working temporary
//! credentials (boto3 calls STS with them) and a cleared environment; refused scripts and
//! arguments run nothing; the timeout kills the whole process group; output is capped and
//! redacted; posted canary keys end up nowhere (logs, database, sandbox). Emulator on 5150.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod broker_support;
#[path = "common/procs.rs"]
mod procs;
use procs::environ_holders;

use broker_support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const PORT: u16 = 5150;
/// Emulator of `detached_grandchild_does_not_outlive_the_exec_request`.
const REAP_PORT: u16 = 5157;
const POSTED_KEY_ID: &str = "AKIAZKCANARYPOSTED7Q";
const POSTED_SECRET: &str = "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";

fn script(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn emulator_python() -> String {
    let home = std::env::var("HOME").unwrap();
    let venv = std::env::var("AWS_EMULATOR_VENV")
        .unwrap_or(format!("{home}/.cache/zerokey/aws-emulator-venv"));
    format!("{venv}/bin/python")
}

struct Setup {
    sandbox: Sandbox,
    db: String,
    token: String,
    marker: std::path::PathBuf,
}

fn setup(exec_dir: &Path) -> Setup {
    let sandbox = Sandbox::new();
    let db = format!("sqlite://{}", sandbox.path().join("zk.db").display());
    sandbox.create_user(&db, "alice", "alice-password-1");
    let token = sandbox.create_token(&db, "alice");
    let marker = sandbox.path().join("ran.marker");
    script(exec_dir, "env.sh", "#!/bin/sh\nenv | sort\n");
    script(
        exec_dir,
        "whoami.py",
        &format!(
            "#!{}\nimport boto3\nprint(boto3.client('sts').get_caller_identity()['Arn'])\n",
            emulator_python()
        ),
    );
    script(
        exec_dir,
        "touch.sh",
        &format!("#!/bin/sh\ntouch {}\necho \"$@\"\n", marker.display()),
    );
    script(
        exec_dir,
        "sleeper.sh",
        "#!/bin/sh\nsleep \"$1\" &\nsleep \"$1\"\n",
    );
    script(
        exec_dir,
        "noisy.sh",
        "#!/bin/sh\nhead -c 200000 /dev/zero | tr '\\0' x\n",
    );
    script(exec_dir, "fail.sh", "#!/bin/sh\necho oops >&2\nexit 3\n");
    std::os::unix::fs::symlink("/bin/echo", exec_dir.join("escape")).unwrap();
    std::fs::write(exec_dir.join("plain.txt"), "not executable").unwrap();
    Setup {
        sandbox,
        db,
        token,
        marker,
    }
}

/// A verified connection of role `role` (account 123456789012): prepare, then verify.
async fn connection(http: &reqwest::Client, url: &str, token: &str, role: &str) -> String {
    let prep: Value = http
        .post(format!("{url}/api/connections/prepare"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let v: Value = http
        .post(format!("{url}/api/aws/verify"))
        .bearer_auth(token)
        .json(
            &json!({"roleArn": format!("arn:aws:iam::123456789012:role/{role}"),
                      "externalId": prep["externalId"]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["connection"]["id"].as_str().unwrap().to_string()
}

async fn exec(http: &reqwest::Client, url: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let r = http
        .post(format!("{url}/api/exec"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_runs_allowlisted_scripts_with_temporary_credentials_only() {
    let endpoint = emulator(PORT);
    let exec_dir = tempfile::tempdir().unwrap();
    let st = setup(exec_dir.path());
    let dir = exec_dir.path().to_str().unwrap();
    let broker = Broker::start(
        &st.sandbox,
        &endpoint,
        &st.db,
        &[
            "--exec-dir",
            dir,
            "--exec-timeout",
            "2",
            "--exec-max-output",
            "1K",
        ],
    );
    let http = reqwest::Client::new();
    let api = |body: Value| exec(&http, &broker.url, &st.token, body);

    // A connection, then a run with its temporary credentials.
    let conn = connection(&http, &broker.url, &st.token, "zk-runner").await;

    let (s, r) = api(json!({"script": "whoami.py", "connection": conn})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["exitCode"], 0, "{r}");
    assert!(
        r["stdout"]
            .as_str()
            .unwrap()
            .contains("assumed-role/zk-runner/"),
        "the child used the role's temporary credentials: {r}"
    );

    // The environment is cleared: PATH, LANG, region, the credentials (redacted in output).
    let (s, r) = api(json!({"script": "env.sh", "connection": conn})).await;
    assert_eq!(s, StatusCode::OK);
    let out = r["stdout"].as_str().unwrap();
    let names: Vec<&str> = out.lines().filter_map(|l| l.split('=').next()).collect();
    for n in &names {
        assert!(
            // ZEROKEY_EXEC_RUN: the run's marker (no secret), to find what the script left.
            [
                "PATH",
                "LANG",
                "PWD",
                "SHLVL",
                "_",
                "OLDPWD",
                "ZEROKEY_EXEC_RUN"
            ]
            .contains(n)
                || n.starts_with("AWS_"),
            "unexpected variable {n} in the child's environment:\n{out}"
        );
    }
    assert!(names.contains(&"AWS_SESSION_TOKEN"), "{out}");
    assert!(
        !out.contains(BASE_KEY_ID) && !out.contains(BASE_SECRET),
        "{out}"
    );
    assert!(out.contains("AWS_SECRET_ACCESS_KEY=[REDACTED"), "{out}");

    // Posted keys (the requirements document's flow): used for this run, then gone.
    let (s, r) = api(json!({"script": "env.sh", "credentials":
        {"accessKeyId": POSTED_KEY_ID, "secretAccessKey": POSTED_SECRET}, "region": "eu-west-1"}))
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let out = r["stdout"].as_str().unwrap();
    assert!(out.contains("AWS_REGION=eu-west-1"), "{out}");
    assert!(
        !out.contains(POSTED_SECRET) && !out.contains(POSTED_KEY_ID),
        "{out}"
    );

    // Refused: nothing runs (the marker script is never started).
    for (body, what) in [
        (
            json!({"script": "../touch.sh", "connection": conn}),
            "script",
        ),
        (
            json!({"script": "sub/touch.sh", "connection": conn}),
            "script",
        ),
        (json!({"script": "escape", "connection": conn}), "outside"),
        (
            json!({"script": "plain.txt", "connection": conn}),
            "executable",
        ),
        (
            json!({"script": "missing.sh", "connection": conn}),
            "not in the exec directory",
        ),
        (
            json!({"script": "touch.sh", "args": ["ok", "a;rm -rf /"], "connection": conn}),
            "args[1]",
        ),
        (
            json!({"script": "touch.sh", "args": ["$(id)"], "connection": conn}),
            "args[0]",
        ),
        (
            json!({"script": "touch.sh", "args": ["`id`"], "connection": conn}),
            "args[0]",
        ),
        (
            json!({"script": "touch.sh", "args": ["a|b"], "connection": conn}),
            "args[0]",
        ),
        (json!({"script": "touch.sh"}), "exactly one"),
        (
            json!({"script": "touch.sh", "connection": conn, "region": "EU WEST"}),
            "region",
        ),
    ] {
        let (s, e) = api(body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} -> {e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.contains(what), "{body} -> {msg}");
        assert!(!st.marker.exists(), "{body} ran the script");
    }
    let (s, _) =
        api(json!({"script": "touch.sh", "connection": "00000000-0000-4000-8000-000000000000"}))
            .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!st.marker.exists());
    let (s, r) = api(
        json!({"script": "touch.sh", "args": ["--bucket", "b-1", "k=v,w"], "connection": conn}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["stdout"], "--bucket b-1 k=v,w\n");
    assert!(st.marker.exists());

    // Exit codes and stderr come back.
    let (_, r) = api(json!({"script": "fail.sh", "connection": conn})).await;
    assert_eq!(r["exitCode"], 3);
    assert_eq!(r["stderr"], "oops\n");

    // Output over the cap is truncated.
    let (_, r) = api(json!({"script": "noisy.sh", "connection": conn})).await;
    assert_eq!(r["truncated"], true, "{r}");
    assert_eq!(r["stdout"].as_str().unwrap().len(), 1024);

    // Timeout: the script and its background child are killed as a group.
    let secs = format!("{}", 300 + std::process::id() % 500);
    let (s, r) = api(json!({"script": "sleeper.sh", "args": [secs], "connection": conn})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["timedOut"], true, "{r}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let left = std::process::Command::new("pgrep")
        .args(["-f", &format!("sleep {secs}")])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "processes of the script's group remain: {}",
        String::from_utf8_lossy(&left.stdout)
    );

    // Audit: each run is an event, without keys.
    let audit: Value = http
        .get(format!("{}/api/audit?limit=500", broker.url))
        .bearer_auth(&st.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let runs: Vec<&Value> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "exec.run")
        .collect();
    assert!(runs.len() >= 7, "{runs:?}");
    assert!(runs.iter().any(|e| e["outcome"] == "timeout"));
    assert!(runs.iter().any(|e| e["outcome"] == "failed"));

    let (code, logs) = broker.stop();
    assert_eq!(code, Some(0));
    let canaries = [
        POSTED_KEY_ID,
        POSTED_SECRET,
        BASE_KEY_ID,
        BASE_SECRET,
        st.token.as_str(),
    ];
    assert_clean("server log", &logs, &canaries);
    assert_clean(
        "database and sandbox",
        &read_tree(st.sandbox.path()),
        &canaries,
    );
    assert_clean("exec dir", &read_tree(exec_dir.path()), &canaries);
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_is_off_without_exec_dir_and_limited_per_user() {
    let endpoint = emulator(PORT);
    let exec_dir = tempfile::tempdir().unwrap();
    let st = setup(exec_dir.path());
    let http = reqwest::Client::new();
    let off = Broker::start(&st.sandbox, &endpoint, &st.db, &[]);
    let keys = json!({"accessKeyId": POSTED_KEY_ID, "secretAccessKey": POSTED_SECRET});
    let (s, _) = exec(
        &http,
        &off.url,
        &st.token,
        json!({"script": "touch.sh", "credentials": keys}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!st.marker.exists());
    drop(off);

    let dir = exec_dir.path().to_str().unwrap();
    let on = Broker::start(
        &st.sandbox,
        &endpoint,
        &st.db,
        &[
            "--exec-dir",
            dir,
            "--exec-per-user",
            "1",
            "--exec-timeout",
            "3",
        ],
    );
    let slow = exec(
        &http,
        &on.url,
        &st.token,
        json!({"script": "sleeper.sh", "args": ["2"], "credentials": keys}),
    );
    let fast = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        exec(
            &http,
            &on.url,
            &st.token,
            json!({"script": "env.sh", "credentials": keys}),
        )
        .await
    };
    let ((s1, r1), (s2, _)) = tokio::join!(slow, fast);
    assert_eq!(s1, StatusCode::OK, "{r1}");
    assert_eq!(
        s2,
        StatusCode::TOO_MANY_REQUESTS,
        "a second run at once is refused"
    );
    let (s3, _) = exec(
        &http,
        &on.url,
        &st.token,
        json!({"script": "env.sh", "credentials": keys}),
    )
    .await;
    assert_eq!(s3, StatusCode::OK, "the slot is free again");
}

#[tokio::test(flavor = "multi_thread")]
async fn detached_grandchild_does_not_outlive_the_exec_request() {
    // Its own emulator port: it can run beside the other broker tests.
    let endpoint = emulator(REAP_PORT);
    let exec_dir = tempfile::tempdir().unwrap();
    let st = setup(exec_dir.path());
    // A `setsid` daemon, a double fork, and one that ignores SIGTERM, all detached from the
    // script's output; the script itself exits at once.
    script(
        exec_dir.path(),
        "detach.sh",
        "#!/bin/sh\n\
         setsid sh -c 'sleep 30' </dev/null >/dev/null 2>&1 &\n\
         ( sh -c 'sleep 30' </dev/null >/dev/null 2>&1 & )\n\
         ( trap '' TERM; exec sleep 30 ) </dev/null >/dev/null 2>&1 &\n\
         sleep 0.3\n\
         echo started\n",
    );
    let dir = exec_dir.path().to_str().unwrap();
    let broker = Broker::start(&st.sandbox, &endpoint, &st.db, &["--exec-dir", dir]);
    let http = reqwest::Client::new();
    // Canary keys of this test only (posted credentials: no AWS call is made).
    let key_id = format!("AKIAZKREAPCANARY{:04}", std::process::id() % 10_000);
    let keys = json!({"accessKeyId": key_id, "secretAccessKey": POSTED_SECRET});
    let (s, r) = exec(
        &http,
        &broker.url,
        &st.token,
        json!({"script": "detach.sh", "credentials": keys}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["exitCode"], 0, "{r}");
    assert_eq!(r["stdout"], "started\n", "{r}");
    let needle = format!("AWS_ACCESS_KEY_ID={key_id}");
    let left = environ_holders(&needle);
    for p in &left {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*p),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(
        left.is_empty(),
        "processes hold the run's credentials after the 200: {left:?}"
    );
    // The server keeps serving.
    let (s, _) = exec(
        &http,
        &broker.url,
        &st.token,
        json!({"script": "touch.sh", "credentials": keys}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (code, _) = broker.stop();
    assert_eq!(code, Some(0));
}

/// Issue 18: `zerokey exec --connection ID --server URL` and `credential-process --connection`
/// against a real `zerokey serve`: the child runs as the connection's role, the broker's
/// base keys and the API token reach neither the child nor any output.
#[tokio::test(flavor = "multi_thread")]
async fn exec_and_credential_process_with_a_connection_of_a_real_broker() {
    let endpoint = emulator(PORT);
    let exec_dir = tempfile::tempdir().unwrap();
    let st = setup(exec_dir.path());
    let broker = Broker::start(&st.sandbox, &endpoint, &st.db, &[]);
    let http = reqwest::Client::new();
    let conn = connection(&http, &broker.url, &st.token, "zk-conn").await;
    // A client machine: no AWS keys at all, only the broker's API token.
    let client = |args: &[&str]| {
        let mut cmd = std::process::Command::new(zerokey_bin());
        cmd.env_clear()
            .current_dir(st.sandbox.path())
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", st.sandbox.path().join("home"))
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("ZEROKEY_TOKEN", &st.token)
            .args(args);
        cmd.output().unwrap()
    };
    let whoami = "import boto3, os; print(boto3.client('sts').get_caller_identity()['Arn']); \
                  print(sorted(k for k in os.environ if 'TOKEN' in k))";
    let py = emulator_python();
    let out = client(&[
        "exec",
        "--connection",
        &conn,
        "--server",
        &broker.url,
        "--",
        &py,
        "-c",
        whoami,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("assumed-role/zk-conn/"), "{stdout}");
    // The child has the session token, not the broker's API token.
    assert!(stdout.contains("['AWS_SESSION_TOKEN']"), "{stdout}");
    for hay in [&out.stdout, &out.stderr] {
        assert_clean("exec output", hay, &[BASE_KEY_ID, BASE_SECRET, &st.token]);
    }

    let out = client(&[
        "credential-process",
        "--connection",
        &conn,
        "--server",
        &broker.url,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Version"], 1);
    assert!(
        v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{v}"
    );
    assert!(v["Expiration"].as_str().unwrap().ends_with('Z'), "{v}");
    assert_clean(
        "credential-process stderr",
        &out.stderr,
        &[BASE_KEY_ID, BASE_SECRET, &st.token],
    );

    // A wrong connection id: a clear error, exit 2, nothing on stdout.
    let out = client(&[
        "credential-process",
        "--connection",
        "00000000-0000-4000-8000-000000000000",
        "--server",
        &broker.url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refused credentials"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, logs) = broker.stop();
    assert_eq!(code, Some(0));
    assert_clean("broker logs", &logs, &[BASE_SECRET, &st.token]);
}
