//! `zerokey keys rotate` against the AWS emulator: the new secret is shown exactly once (stdout,
//! never stderr), the old key is Inactive after confirmation; `--to-secret` stores it in Secrets
//! Manager instead and prints no secret; the two-key quota is a clear exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use assert_cmd::Command;
use std::process::Stdio;
use std::time::{Duration, Instant};

const PORT: u16 = 5143;
/// Nothing listens here (inside this worktree's port range): a Secrets Manager that is down.
const DEAD_PORT: u16 = 5149;

fn zerokey(endpoint: &str) -> Command {
    let mut c = Command::cargo_bin("zerokey").unwrap();
    c.envs(common::keys::env(endpoint))
        .env_remove("ZEROKEY_AUDIT_LOG");
    c
}

fn keys(
    rt: &tokio::runtime::Runtime,
    iam: &aws_sdk_iam::Client,
    user: &str,
) -> Vec<(String, String)> {
    rt.block_on(iam.list_access_keys().user_name(user).send())
        .unwrap()
        .access_key_metadata()
        .iter()
        .map(|k| {
            (
                k.access_key_id().unwrap().to_string(),
                k.status().unwrap().as_str().to_string(),
            )
        })
        .collect()
}

#[test]
fn rotate_shows_the_secret_once_and_deactivates_the_old_key() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = rt.block_on(common::keys::iam(&endpoint));
    let _ = rt.block_on(iam.create_user().user_name("rotate-me").send());
    let old = rt
        .block_on(iam.create_access_key().user_name("rotate-me").send())
        .unwrap();
    let old_id = old.access_key().unwrap().access_key_id().to_string();

    // Dry run: nothing changes.
    let out = zerokey(&endpoint)
        .args(["keys", "rotate", "rotate-me"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("dry run"));
    assert_eq!(keys(&rt, &iam, "rotate-me").len(), 1);

    // Not a terminal and no --show-secret: refused before anything is created.
    let out = zerokey(&endpoint)
        .args(["keys", "rotate", "rotate-me", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to write a new secret"));
    assert_eq!(keys(&rt, &iam, "rotate-me").len(), 1);

    let out = zerokey(&endpoint)
        .args([
            "keys",
            "rotate",
            "rotate-me",
            "--yes",
            "--show-secret",
            "--grace",
            "1m",
        ])
        .write_stdin("yes\n")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stdout.contains(common::keys::CALLER_SECRET)
            && !stderr.contains(common::keys::CALLER_SECRET)
    );
    let now = keys(&rt, &iam, "rotate-me");
    assert_eq!(now.len(), 2);
    let new_id = now.iter().find(|(id, _)| *id != old_id).unwrap().0.clone();
    assert!(
        now.contains(&(old_id.clone(), "Inactive".into())),
        "{now:?}"
    );
    assert!(now.contains(&(new_id.clone(), "Active".into())), "{now:?}");
    let secret = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("SecretAccessKey: "))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(secret.len(), 40);
    assert_eq!(stdout.matches(secret.as_str()).count(), 1, "{stdout}");
    assert!(!stderr.contains(secret.as_str()), "{stderr}");
    assert!(
        stderr.contains("\"action\":\"deactivate-old-access-key\""),
        "{stderr}"
    );
    assert!(stdout.contains(&format!(
        "old access key {old_id} of user rotate-me is Inactive (verified)"
    )));

    // Two keys now (one inactive): the quota is explained, nothing changes.
    let out = zerokey(&endpoint)
        .args(["keys", "rotate", "rotate-me", "--yes", "--show-secret"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has two access keys"));
    assert_eq!(keys(&rt, &iam, "rotate-me").len(), 2);

    // --delete-inactive makes room by deleting the inactive key, and only that one.
    let out = zerokey(&endpoint)
        .args([
            "keys",
            "rotate",
            "rotate-me",
            "--yes",
            "--show-secret",
            "--delete-inactive",
            "--grace",
            "0s",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("\"action\":\"delete-inactive-access-key\""),
        "{stderr}"
    );
    let after = keys(&rt, &iam, "rotate-me");
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(!after.iter().any(|(id, _)| *id == old_id), "{after:?}");
    assert!(
        after.contains(&(new_id.clone(), "Inactive".into())),
        "{after:?}"
    );
    assert_eq!(after.iter().filter(|(_, s)| s == "Active").count(), 1);
}

#[test]
fn rotate_to_secrets_manager_prints_no_secret() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let conf = rt.block_on(common::keys::conf(&endpoint));
    let iam = aws_sdk_iam::Client::new(&conf);
    let _ = rt.block_on(iam.create_user().user_name("rotate-secret").send());
    let old = rt
        .block_on(iam.create_access_key().user_name("rotate-secret").send())
        .unwrap();
    let old_id = old.access_key().unwrap().access_key_id().to_string();

    let out = zerokey(&endpoint)
        .args([
            "keys",
            "rotate",
            "rotate-secret",
            "--yes",
            "--to-secret",
            "app/aws-key",
            "--grace",
            "0s",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("stored in arn:aws:secretsmanager:"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(common::keys::CALLER_SECRET)
            && !stderr.contains(common::keys::CALLER_SECRET)
    );
    let sm = aws_sdk_secretsmanager::Client::new(&conf);
    let value = rt
        .block_on(sm.get_secret_value().secret_id("app/aws-key").send())
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(value.secret_string().unwrap()).unwrap();
    let secret = v["SecretAccessKey"].as_str().unwrap();
    assert_eq!(secret.len(), 40);
    assert!(!stdout.contains(secret) && !stderr.contains(secret));
    let now = keys(&rt, &iam, "rotate-secret");
    assert!(now.contains(&(old_id, "Inactive".into())), "{now:?}");
    assert!(
        now.contains(&(
            v["AccessKeyId"].as_str().unwrap().to_string(),
            "Active".into()
        )),
        "{now:?}"
    );
}

/// Creates `user` with one active key; returns its id.
fn user_with_key(rt: &tokio::runtime::Runtime, iam: &aws_sdk_iam::Client, user: &str) -> String {
    let _ = rt.block_on(iam.create_user().user_name(user).send());
    rt.block_on(iam.create_access_key().user_name(user).send())
        .unwrap()
        .access_key()
        .unwrap()
        .access_key_id()
        .to_string()
}

#[test]
fn without_an_answer_the_old_key_is_deactivated_when_the_grace_period_ends() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = rt.block_on(common::keys::iam(&endpoint));
    let old_id = user_with_key(&rt, &iam, "rotate-grace");

    // stdin stays open and silent: nobody confirms, the grace period decides.
    let started = Instant::now();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("zerokey"))
        .envs(common::keys::env(&endpoint))
        .env_remove("ZEROKEY_AUDIT_LOG")
        .args([
            "keys",
            "rotate",
            "rotate-grace",
            "--yes",
            "--show-secret",
            "--grace",
            "2s",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    assert!(
        stderr.contains("\"reason\":\"grace period over\""),
        "{stderr}"
    );
    let now = keys(&rt, &iam, "rotate-grace");
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(
        now.contains(&(old_id.clone(), "Inactive".into())),
        "{now:?}"
    );
    assert_eq!(
        now.iter().filter(|(_, s)| s == "Active").count(),
        1,
        "{now:?}"
    );
}

#[test]
fn answering_no_keeps_the_old_key_and_deactivates_the_new_one() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = rt.block_on(common::keys::iam(&endpoint));
    let old_id = user_with_key(&rt, &iam, "rotate-abort");
    let out = zerokey(&endpoint)
        .args([
            "keys",
            "rotate",
            "rotate-abort",
            "--yes",
            "--show-secret",
            "--grace",
            "1m",
        ])
        .write_stdin("no\n")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("rotation aborted"), "{stderr}");
    let now = keys(&rt, &iam, "rotate-abort");
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(now.contains(&(old_id.clone(), "Active".into())), "{now:?}");
    assert!(
        now.iter().any(|(id, s)| *id != old_id && s == "Inactive"),
        "{now:?}"
    );
}

#[test]
fn a_secret_that_cannot_be_stored_leaves_nothing_changed() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = rt.block_on(common::keys::iam(&endpoint));
    let old_id = user_with_key(&rt, &iam, "rotate-unstored");

    // A bad secret name: refused before anything is created.
    let out = zerokey(&endpoint)
        .args([
            "keys",
            "rotate",
            "rotate-unstored",
            "--yes",
            "--to-secret",
            "has space",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--to-secret") && stderr.contains("invalid secret name"),
        "{stderr}"
    );
    assert_eq!(
        keys(&rt, &iam, "rotate-unstored"),
        [(old_id.clone(), "Active".into())]
    );

    // Secrets Manager down: the new key is deleted again, the old one stays active.
    let out = zerokey(&endpoint)
        .env(
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            format!("http://127.0.0.1:{DEAD_PORT}"),
        )
        .args([
            "keys",
            "rotate",
            "rotate-unstored",
            "--yes",
            "--to-secret",
            "app/unstored",
            "--grace",
            "0s",
        ])
        .output()
        .unwrap();
    common::keys::assert_no_secrets(&out, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("was deleted again because it could not be stored"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"action\":\"rollback-new-access-key\""),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SecretAccessKey"));
    assert_eq!(
        keys(&rt, &iam, "rotate-unstored"),
        [(old_id, "Active".into())]
    );
}
