//! `zerokey keys rotate` against the AWS emulator: the new secret is shown exactly once (stdout,
//! never stderr), the old key is Inactive after confirmation; `--to-secret` stores it in Secrets
//! Manager instead and prints no secret; the two-key quota is a clear exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use assert_cmd::Command;

const PORT: u16 = 5143;

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
    let endpoint = common::emulator::start(PORT);
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
}

#[test]
fn rotate_to_secrets_manager_prints_no_secret() {
    let endpoint = common::emulator::start(PORT);
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
