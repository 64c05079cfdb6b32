//! `zerokey exec` against the AWS emulator: the child gets working temporary credentials
//! (boto3 in the child calls STS GetCallerIdentity with them), never the parent's base keys
//! or secret-looking variables; `--redact-output` hides credentials the child prints; exit
//! codes and signals pass through; nothing is written to HOME, TMPDIR or the working dir.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "exec_support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::OnceLock;
use support::{assert_outputs_clean, emulator_python, Sandbox};

const PORT: u16 = 5130;
const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";
/// Canary base credentials of the parent.
const BASE_KEY_ID: &str = "AKIAQZKCANARYBASEKEY";
const BASE_SECRET: &str = "zkCanaryBaseSecretKey0123456789abcdefGHI";
/// A secret under an innocent name: only the engine (on the value) can tell.
const VALUE_CANARY: &str = "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";
/// A plain value under a secret-looking name: only the name can tell.
const NAME_CANARY: &str = "zk-canary-plain-value-behind-a-token-name";

fn endpoint() -> &'static str {
    static E: OnceLock<String> = OnceLock::new();
    E.get_or_init(|| {
        let e = common::emulator::start(PORT);
        common::emulator::control(&e, "/moto-api/reset", "");
        e
    })
}

fn exec_cmd(sb: &Sandbox) -> assert_cmd::Command {
    let mut cmd = sb.zerokey(endpoint());
    cmd.env("AWS_ACCESS_KEY_ID", BASE_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", BASE_SECRET)
        .env("BUILD_NOTE", VALUE_CANARY)
        .env("DEPLOY_API_TOKEN", NAME_CANARY)
        .env("HARMLESS_SETTING", "kept")
        .args(["exec", "--role-arn", ROLE, "--external-id", "zk-ext-42"]);
    cmd
}

const WHOAMI: &str = r#"
import json, os, boto3
arn = boto3.client("sts").get_caller_identity()["Arn"]
print(json.dumps({"arn": arn, "env": dict(os.environ)}))
"#;

#[test]
fn child_gets_working_temporary_credentials_and_not_the_base_keys() {
    let sb = Sandbox::new();
    let out = exec_cmd(&sb)
        .args(["--region", "eu-west-1", "--"])
        .arg(emulator_python())
        .args(["-c", WHOAMI])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let env = &v["env"];
    assert!(
        v["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::123456789012:assumed-role/deploy/zk-exec-"),
        "{v}"
    );
    let key_id = env["AWS_ACCESS_KEY_ID"].as_str().unwrap();
    assert!(
        key_id.starts_with("ASIA") && key_id != BASE_KEY_ID,
        "{key_id}"
    );
    let temp_secret = env["AWS_SECRET_ACCESS_KEY"].as_str().unwrap().to_string();
    let session_token = env["AWS_SESSION_TOKEN"].as_str().unwrap().to_string();
    assert!(temp_secret != BASE_SECRET && !session_token.is_empty());
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "eu-west-1");
    let expiry = time::OffsetDateTime::parse(
        env["AWS_CREDENTIAL_EXPIRATION"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = (expiry - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((3400..=3700).contains(&left), "expires in {left}s");
    // Scrubbed: neither the canary by value nor the one by name; harmless variables stay.
    assert!(env.get("BUILD_NOTE").is_none(), "{env}");
    assert!(env.get("DEPLOY_API_TOKEN").is_none(), "{env}");
    assert_eq!(env["HARMLESS_SETTING"], "kept");
    assert_outputs_clean(&out, &[BASE_KEY_ID, BASE_SECRET, VALUE_CANARY, NAME_CANARY]);
    // No credentials file, cache or temp file anywhere the process could write.
    sb.assert_no_canary_in_files(&[
        BASE_SECRET,
        BASE_KEY_ID,
        &temp_secret,
        &session_token,
        key_id,
    ]);
    assert!(!sb.path().join("home/.aws").exists());
}

#[test]
fn pass_env_lets_one_variable_through() {
    let sb = Sandbox::new();
    let out = exec_cmd(&sb)
        .args(["--pass-env", "DEPLOY_API_TOKEN", "--"])
        .args(["sh", "-c", "echo \"[$DEPLOY_API_TOKEN][$BUILD_NOTE]\""])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("[{NAME_CANARY}][]\n")
    );
    let refused = exec_cmd(&sb)
        .args(["--pass-env", "AWS_ACCESS_KEY_ID", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("sets AWS_ACCESS_KEY_ID"));
}

/// Prints the credentials raw, and reversed so the test learns them anyway.
const LEAKY: &str = r#"
import os, sys
s = os.environ["AWS_SECRET_ACCESS_KEY"]; t = os.environ["AWS_SESSION_TOKEN"]
print("AWS_SECRET_ACCESS_KEY=" + s)
print("bare " + s + " and " + t)
print("gh " + sys.argv[1], file=sys.stderr)
print("rev " + s[::-1] + " " + t[::-1])
"#;

fn leaky_run(redact: bool) -> (std::process::Output, String, String) {
    let sb = Sandbox::new();
    let mut cmd = exec_cmd(&sb);
    if redact {
        cmd.arg("--redact-output");
    }
    let out = cmd
        .arg("--")
        .arg(emulator_python())
        .args(["-c", LEAKY, VALUE_CANARY])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let rev = stdout
        .lines()
        .find_map(|l| l.strip_prefix("rev "))
        .unwrap()
        .to_string();
    let (s, t) = rev.split_once(' ').unwrap();
    let unrev = |x: &str| x.chars().rev().collect::<String>();
    (out, unrev(s), unrev(t))
}

#[test]
fn redact_output_hides_credentials_the_child_prints() {
    let (out, secret, token) = leaky_run(true);
    assert_outputs_clean(&out, &[&secret, &token, VALUE_CANARY]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("AWS_SECRET_ACCESS_KEY={}…(40)", &secret[..4])),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("gh ghp_…(40)"));
    // Without the flag the same child's output is the child's own (so the check above can fail).
    let (raw, secret, _) = leaky_run(false);
    assert!(String::from_utf8_lossy(&raw.stdout).contains(&secret));
    assert!(String::from_utf8_lossy(&raw.stderr).contains(VALUE_CANARY));
}

#[test]
fn exit_codes_pass_through() {
    let sb = Sandbox::new();
    for (script, code) in [
        ("exit 0", 0),
        ("exit 7", 7),
        ("kill -TERM $$", 143),
        ("kill -KILL $$", 137),
    ] {
        let out = exec_cmd(&sb)
            .args(["--", "sh", "-c", script])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{script}");
    }
    let missing = exec_cmd(&sb)
        .args(["--", "/nonexistent/zk-command"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(127));
}

fn spawn_waiting(
    sb: &Sandbox,
    script: &str,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("zerokey"));
    cmd.env_clear()
        .current_dir(sb.path())
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", sb.path().join("home"))
        .env("TMPDIR", sb.path().join("tmp"))
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", BASE_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", BASE_SECRET)
        .args(["exec", "--role-arn", ROLE, "--external-id", "zk-ext-42"]);
    let mut child = cmd
        .args(["--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    (child, out)
}

#[test]
fn signals_are_forwarded_to_the_child() {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    let sb = Sandbox::new();
    for (sig, name) in [
        (Signal::SIGTERM, "TERM"),
        (Signal::SIGINT, "INT"),
        (Signal::SIGHUP, "HUP"),
        (Signal::SIGQUIT, "QUIT"),
    ] {
        let script = format!(
            "trap 'echo got-{name}; exit 42' {name}; echo ready; while :; do sleep 0.05; done"
        );
        let (mut child, mut out) = spawn_waiting(&sb, &script);
        kill(Pid::from_raw(child.id() as i32), sig).unwrap();
        let status = child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        assert_eq!(status.code(), Some(42), "{name}: {rest}");
        assert_eq!(rest, format!("got-{name}\n"));
    }
    // A child that does not handle the signal dies of it: 128 + N.
    let (mut child, _out) = spawn_waiting(&sb, "echo ready; exec sleep 30");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(143));
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let sb = Sandbox::new();
    for (args, want) in [
        (vec!["--duration", "60", "--", "true"], "--duration"),
        (
            vec!["--external-id", "has space", "--", "true"],
            "--external-id",
        ),
        (vec!["--region", "EU WEST", "--", "true"], "--region"),
        (vec!["--pass-env", "1BAD", "--", "true"], "--pass-env"),
    ] {
        let out = sb
            .zerokey(endpoint())
            .env("AWS_SECRET_ACCESS_KEY", BASE_SECRET)
            .env("BUILD_NOTE", VALUE_CANARY)
            .args(["exec", "--role-arn", ROLE])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert_outputs_clean(&out, &[BASE_SECRET, VALUE_CANARY, NAME_CANARY]);
    }
    let out = sb
        .zerokey(endpoint())
        .args([
            "exec",
            "--role-arn",
            "arn:aws:iam::123:role/x",
            "--",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 digits"));
    // No command at all is a usage error (clap), also 2.
    let out = exec_cmd(&sb).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
