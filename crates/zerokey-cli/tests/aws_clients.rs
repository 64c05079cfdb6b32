//! Real AWS clients get credentials from zerokey the two standard ways: the AWS CLI, boto3 and
//! the Rust SDK run `zerokey credential-process` from a profile of `~/.aws/config`, and a boto3
//! child of `zerokey exec --ecs-server` uses the container credential endpoint, across a
//! refresh. The emulator's request recorder shows what AssumeRole was sent (SourceIdentity,
//! tags, session policies). The base canary key appears in no output and no file.
//! The AWS CLI and boto3 come from `scripts/aws-clients/install` (pinned, from PyPI).
//! Emulator on port 5133.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "exec_support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use support::{assert_no_canary, Sandbox};

const PORT: u16 = 5133;
const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";
const BASE_KEY_ID: &str = "AKIAQZKCANARYCPBASE7";
const BASE_SECRET: &str = "zkCanaryCredProcSecret0123456789abcdefGH";
const CANARIES: &[&str] = &[BASE_KEY_ID, BASE_SECRET];

/// One test at a time uses the recorder.
static RECORDER: Mutex<()> = Mutex::new(());

fn endpoint() -> &'static str {
    static E: OnceLock<String> = OnceLock::new();
    E.get_or_init(|| {
        let e = common::emulator::start(PORT);
        common::emulator::control(&e, "/moto-api/reset", "");
        e
    })
}

/// The bin directory of the pinned AWS CLI and boto3.
fn clients() -> &'static Path {
    static B: OnceLock<PathBuf> = OnceLock::new();
    B.get_or_init(|| {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/aws-clients/install");
        let out = Command::new(script).output().unwrap();
        assert!(
            out.status.success(),
            "installing the AWS clients failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

fn zerokey_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("zerokey")
}

/// A sandbox whose `~/.aws/config` has profile `deploy` running zerokey with `args`.
fn profile_sandbox(args: &str) -> Sandbox {
    let sb = Sandbox::new();
    let aws = sb.path().join("home/.aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("config"),
        format!(
            "[profile deploy]\nregion = eu-west-1\ncredential_process = {} credential-process {args}\n",
            zerokey_bin().display()
        ),
    )
    .unwrap();
    sb
}

/// A client process in the sandbox: base keys in its environment (which the selected profile
/// ignores; zerokey, started by the client, reads them), the emulator as endpoint.
fn client(sb: &Sandbox, program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .current_dir(sb.path())
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", sb.path().join("home"))
        .env("TMPDIR", sb.path().join("tmp"))
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", BASE_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", BASE_SECRET)
        .env("USER", "alice");
    cmd
}

fn recorder(path: &str) {
    common::emulator::control(endpoint(), &format!("/moto-api/recorder/{path}"), "");
}

/// The AssumeRole requests the emulator recorded since `start_recording` (their bodies). The
/// recording (which holds the signed requests' headers) is cleared afterwards.
/// Only requests whose body holds `marker` count: other tests of this binary assume roles
/// at the same time.
fn recorded_assume_roles(marker: &str) -> Vec<String> {
    let out = Command::new("curl")
        .args([
            "-sf",
            &format!("{}/moto-api/recorder/download-recording", endpoint()),
        ])
        .output()
        .unwrap();
    let sent = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let body = v["body"].as_str().unwrap_or_default();
            if v["body_encoded"] == true {
                use base64::Engine as _;
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .unwrap();
                String::from_utf8_lossy(&raw).into_owned()
            } else {
                body.to_string()
            }
        })
        .filter(|b| b.contains("Action=AssumeRole&") && b.contains(marker))
        .collect::<Vec<_>>();
    recorder("reset-recording");
    sent
}

fn check_clean(sb: &Sandbox, out: &std::process::Output) {
    assert_no_canary("stdout", &out.stdout, CANARIES);
    assert_no_canary("stderr", &out.stderr, CANARIES);
    sb.assert_no_canary_in_files(CANARIES);
}

#[test]
fn the_aws_cli_assumes_the_role_through_credential_process_with_tags_and_policies() {
    let _one = RECORDER.lock().unwrap_or_else(|e| e.into_inner());
    let sb = profile_sandbox(&format!(
        "--role-arn {ROLE} --external-id zk-ext-7 --tag team=data --tag ticket=OPS-1 \
         --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess --source-identity ci-bot"
    ));
    recorder("reset-recording");
    recorder("start-recording");
    let out = client(&sb, &clients().join("aws"))
        .args([
            "--profile",
            "deploy",
            "sts",
            "get-caller-identity",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    recorder("stop-recording");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arn = v["Arn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:sts::123456789012:assumed-role/deploy/zk-cp-alice-"),
        "{arn}"
    );
    check_clean(&sb, &out);
    let sent = recorded_assume_roles("ExternalId=zk-ext-7");
    assert_eq!(sent.len(), 1, "{sent:?}");
    let body = &sent[0];
    for part in [
        "ExternalId=zk-ext-7",
        "SourceIdentity=ci-bot",
        "Tags.member.1.Key=team",
        "Tags.member.1.Value=data",
        "Tags.member.2.Key=ticket",
        "PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess",
        "DurationSeconds=3600",
    ] {
        assert!(body.contains(part), "{part} missing from {body}");
    }
}

#[test]
fn boto3_gets_credentials_from_credential_process_with_an_inline_policy() {
    let _one = RECORDER.lock().unwrap_or_else(|e| e.into_inner());
    let sb = profile_sandbox("");
    let policy = sb.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}"#,
    )
    .unwrap();
    let sb_config = sb.path().join("home/.aws/config");
    std::fs::write(
        &sb_config,
        format!(
            "[profile deploy]\ncredential_process = {} credential-process --role-arn {ROLE} --policy {}\n",
            zerokey_bin().display(),
            policy.display()
        ),
    )
    .unwrap();
    recorder("reset-recording");
    recorder("start-recording");
    let script = r#"
import boto3, json
s = boto3.Session(profile_name="deploy", region_name="us-east-1")
c = s.get_credentials().get_frozen_credentials()
print(json.dumps({"arn": s.client("sts").get_caller_identity()["Arn"], "key": c.access_key}))
"#;
    let out = client(&sb, &clients().join("python"))
        .args(["-c", script])
        .output()
        .unwrap();
    recorder("stop-recording");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["key"].as_str().unwrap().starts_with("ASIA"), "{v}");
    assert!(
        v["arn"]
            .as_str()
            .unwrap()
            .contains("assumed-role/deploy/zk-cp-alice-"),
        "{v}"
    );
    check_clean(&sb, &out);
    let sent = recorded_assume_roles("Policy=");
    assert_eq!(sent.len(), 1, "{sent:?}");
    // Sent without whitespace, in the order written.
    assert!(
        sent[0].contains("Policy=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22"),
        "{}",
        sent[0]
    );
    // The default SourceIdentity is the local user.
    assert!(sent[0].contains("SourceIdentity=alice"), "{}", sent[0]);
}

#[tokio::test]
async fn the_rust_sdk_runs_credential_process() {
    let sb = profile_sandbox(&format!("--role-arn {ROLE} --no-source-identity"));
    // The SDK's provider runs zerokey with the process environment: give it the base keys
    // there (the profile is chosen explicitly, so the SDK itself does not use them).
    let config_file = sb.path().join("home/.aws/config");
    // The variables the SDK and the zerokey it spawns read (this test binary's other tests
    // give their processes a cleared environment).
    std::env::set_var("AWS_CONFIG_FILE", &config_file);
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        sb.path().join("home/.aws/none"),
    );
    let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .profile_name("deploy")
        .build();
    std::env::set_var("AWS_ENDPOINT_URL", endpoint());
    std::env::set_var("AWS_ACCESS_KEY_ID", BASE_KEY_ID);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", BASE_SECRET);
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    // Not HOME: the other tests of this binary install the AWS clients under the real one.
    use aws_credential_types::provider::ProvideCredentials as _;
    let creds = provider.provide_credentials().await.unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert_ne!(creds.access_key_id(), BASE_KEY_ID);
    assert!(creds.session_token().is_some() && creds.expiry().is_some());
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(provider)
        .endpoint_url(endpoint())
        .load()
        .await;
    let who = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert!(
        who.arn().unwrap().contains("assumed-role/deploy/zk-cp-"),
        "{who:?}"
    );
    sb.assert_no_canary_in_files(CANARIES);
}

#[test]
fn credential_process_refuses_to_run_itself_and_bad_input() {
    // The selected profile runs zerokey and there are no base keys in the environment:
    // zerokey would read that profile again.
    let sb = profile_sandbox(&format!("--role-arn {ROLE}"));
    let out = client(&sb, &zerokey_bin())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_PROFILE", "deploy")
        .args(["credential-process", "--role-arn", ROLE])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("home/.aws/config:3: profile \"deploy\" runs zerokey"),
        "{stderr}"
    );
    assert!(stderr.contains("--base-profile"), "{stderr}");

    // Started by itself: refused at once.
    let out = client(&sb, &zerokey_bin())
        .env("ZEROKEY_CREDENTIAL_PROCESS_ACTIVE", "1")
        .args(["credential-process", "--role-arn", ROLE])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("started by zerokey credential-process"));

    for (args, expect) in [
        (
            vec!["--role-arn", "arn:aws:iam::123456789012:user/x"],
            "--role-arn: resource must be role/<name>",
        ),
        (
            vec!["--role-arn", ROLE, "--tag", "aws:x=1"],
            "--tag: tag key \"aws:x\" must not start with aws:",
        ),
        (
            vec!["--role-arn", ROLE, "--duration", "60"],
            "--duration: 60 seconds is outside",
        ),
        (
            vec!["--role-arn", ROLE, "--policy", "missing.json"],
            "--policy missing.json",
        ),
    ] {
        let out = client(&sb, &zerokey_bin())
            .arg("credential-process")
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
}

/// The child: the endpoint refuses requests without the token or with a wrong one; boto3
/// gets credentials from it, then a new session gets refreshed ones that work too.
const ECS_CHILD: &str = r#"
import json, os, urllib.request, urllib.error, boto3
url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
def status(headers):
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers)).status
    except urllib.error.HTTPError as e:
        return e.code
first = boto3.Session()
arn1 = first.client("sts").get_caller_identity()["Arn"]
key1 = first.get_credentials().get_frozen_credentials().access_key
second = boto3.Session()
arn2 = second.client("sts").get_caller_identity()["Arn"]
key2 = second.get_credentials().get_frozen_credentials().access_key
print(json.dumps({
    "no_token": status({}), "wrong_token": status({"Authorization": "0" * 64}),
    "arn1": arn1, "arn2": arn2, "key1": key1, "key2": key2, "url": url,
    "aws_vars": sorted(k for k in os.environ if k.startswith("AWS_")),
}))
"#;

#[test]
fn a_boto3_child_uses_the_ecs_endpoint_across_a_refresh_and_the_endpoint_goes_away() {
    let sb = Sandbox::new();
    let out = client(&sb, &zerokey_bin())
        .env("ZEROKEY_LOG", "info")
        // Every request finds the held credentials within the margin: each one refreshes.
        .env("ZEROKEY_ECS_REFRESH_MARGIN", "3600")
        .args(["exec", "--role-arn", ROLE, "--ecs-server", "--"])
        .arg(clients().join("python"))
        .args(["-c", ECS_CHILD])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["no_token"], 401, "{v}");
    assert_eq!(v["wrong_token"], 403, "{v}");
    for arn in [&v["arn1"], &v["arn2"]] {
        assert!(
            arn.as_str()
                .unwrap()
                .contains("assumed-role/deploy/zk-exec-alice-"),
            "{v}"
        );
    }
    assert_ne!(
        v["key1"], v["key2"],
        "the second session got refreshed credentials: {v}"
    );
    let vars: Vec<&str> = v["aws_vars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(
            !vars.contains(&k),
            "{k} in the child's environment: {vars:?}"
        );
    }
    assert!(
        vars.contains(&"AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        "{vars:?}"
    );
    assert!(
        vars.contains(&"AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        "{vars:?}"
    );
    assert!(
        stderr.contains("role assumed again before expiry"),
        "{stderr}"
    );
    // The endpoint is gone with the child.
    let url = v["url"].as_str().unwrap();
    let host = url.trim_start_matches("http://").split('/').next().unwrap();
    assert!(host.starts_with("127.0.0.1:"), "{url}");
    assert!(
        std::net::TcpStream::connect(host).is_err(),
        "{url} still answers"
    );
    check_clean(&sb, &out);
}
