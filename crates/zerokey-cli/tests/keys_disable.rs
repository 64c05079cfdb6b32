//! `zerokey keys disable` against the AWS emulator: a dry run changes nothing, `--yes` sets the
//! key Inactive (checked by reading the status back, since the emulator still accepts inactive
//! keys), the owner is found without `--user`; malformed and unknown ids are exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use assert_cmd::Command;

const PORT: u16 = 5141;

fn status(rt: &tokio::runtime::Runtime, iam: &aws_sdk_iam::Client, user: &str, id: &str) -> String {
    rt.block_on(iam.list_access_keys().user_name(user).send())
        .unwrap()
        .access_key_metadata()
        .iter()
        .find(|k| k.access_key_id() == Some(id))
        .and_then(|k| k.status())
        .map(|s| s.as_str().to_string())
        .unwrap()
}

fn zerokey(endpoint: &str) -> Command {
    let mut c = Command::cargo_bin("zerokey").unwrap();
    c.envs(common::keys::env(endpoint))
        .env_remove("ZEROKEY_AUDIT_LOG");
    c
}

#[test]
fn dry_run_then_disable_and_verify() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = rt.block_on(common::keys::iam(&endpoint));
    let _ = rt.block_on(iam.create_user().user_name("disable-me").send());
    let key = rt
        .block_on(iam.create_access_key().user_name("disable-me").send())
        .unwrap();
    let key = key.access_key().unwrap();
    let (id, secret) = (
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    );

    let out = zerokey(&endpoint)
        .args(["keys", "disable", &id])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::keys::assert_no_secrets(&out, &[&secret]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("dry run: would set access key") && text.contains("disable-me"),
        "{text}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("audit"));
    assert_eq!(status(&rt, &iam, "disable-me", &id), "Active");

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let out = zerokey(&endpoint)
        .args(["keys", "disable", &id, "--yes", "--audit-log"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::keys::assert_no_secrets(&out, &[&secret]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("status Inactive (verified)"), "{text}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("zerokey: audit: ") && err.contains("\"action\":\"disable-access-key\""),
        "{err}"
    );
    assert_eq!(status(&rt, &iam, "disable-me", &id), "Inactive");
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    assert_eq!(line["access_key_id"], id.as_str());
    assert_eq!(line["verified"], true);
    assert_eq!(line["user"], "disable-me");
    assert_eq!(line["from"], "Active");
    assert!(!text.contains(&secret) && !err.contains(&secret));

    // Again: already inactive, nothing to do.
    let out = zerokey(&endpoint)
        .args(["keys", "disable", &id, "--user", "disable-me", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already Inactive"));
}

#[test]
fn bad_ids_are_exit_2_and_change_nothing() {
    let emulator = common::emulator::Running::on(PORT);
    let endpoint = emulator.endpoint.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = rt.block_on(common::keys::iam(&endpoint));
    let _ = rt.block_on(iam.create_user().user_name("disable-bystander").send());
    let key = rt
        .block_on(
            iam.create_access_key()
                .user_name("disable-bystander")
                .send(),
        )
        .unwrap();
    let id = key.access_key().unwrap().access_key_id().to_string();

    for (bad, want) in [
        ("AKIA123", "20 characters"),
        ("akia0000000000000000", "expected AKIA"),
        ("AIDA0000000000000000", "IAM user id"),
        (
            "ASIAZ3MHQ7VXL2WRT5NB",
            "is a temporary (STS) key: it cannot be disabled",
        ),
        (
            "Xq9vT2mLp8rW4nK7sB3dF6gH1jZ0cV5yU8eR2tA4",
            "looks like a secret access key",
        ),
    ] {
        let out = zerokey(&endpoint)
            .args(["keys", "disable", bad, "--yes"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty(), "{bad}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(want), "{bad}: {err}");
        assert!(
            !err.contains("Xq9vT2m"),
            "a pasted secret is not echoed: {err}"
        );
    }
    let out = zerokey(&endpoint)
        .args(["keys", "disable", "AKIAZZZZZZZZZZZZZZZZ", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("access key AKIAZZZZZZZZZZZZZZZZ not found"),
        "{err}"
    );
    let out = zerokey(&endpoint)
        .args([
            "keys",
            "disable",
            "AKIAZZZZZZZZZZZZZZZZ",
            "--user",
            "disable-bystander",
            "--yes",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("does not belong to user \"disable-bystander\""));
    assert_eq!(status(&rt, &iam, "disable-bystander", &id), "Active");
}
