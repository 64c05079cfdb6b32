//! The repository checks itself: `zerokey scan .` and `zerokey audit .` run on the checkout
//! (nothing copied) with its committed `.zerokey.toml` report nothing unreviewed. A new test
//! canary or fixture must be reviewed into that file (see the README, "Suppressing reviewed
//! findings").

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn zerokey() -> Command {
    let mut cmd = Command::cargo_bin("zerokey").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_remove("ZEROKEY_LOG")
        .env_remove("ZEROKEY_CONFIG")
        .env("NO_COLOR", "1")
        .current_dir(repo_root());
    cmd
}

fn json(args: &[&str]) -> (Value, i32, String) {
    let out = zerokey()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("bad json ({e}): {stderr}"));
    (v, out.status.code().unwrap_or(-1), stderr)
}

/// Rule id, path and line of each finding (never the secret).
fn listed(findings: &Value, path_of: impl Fn(&Value) -> String) -> Vec<String> {
    findings
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    format!(
                        "{} {}",
                        f["rule_id"].as_str().unwrap_or_default(),
                        path_of(f)
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn project_scans_itself_clean() {
    let (v, code, stderr) = json(&["scan", ".", "--format", "json", "--fail-on-findings"]);
    let found = listed(&v["findings"], |f| {
        format!(
            "{}:{}",
            f["path"].as_str().unwrap_or_default(),
            f["line"].as_u64().unwrap_or_default()
        )
    });
    assert!(
        found.is_empty() && code == 0,
        "exit {code}; unreviewed findings (review them into .zerokey.toml): {found:#?}\n{stderr}"
    );
    // The config was used: the rule examples and fixtures are scanned and suppressed, not
    // skipped.
    assert!(
        v["stats"]["suppressed"].as_u64().unwrap_or_default() > 100,
        "{}",
        v["stats"]
    );
    assert_eq!(v["stats"]["errors"].as_u64(), Some(0), "{}", v["stats"]);
}

#[test]
fn project_audits_itself_clean() {
    let (v, code, stderr) = json(&[
        "audit",
        ".",
        "--format",
        "json",
        "--min-severity",
        "medium",
        "--fail-on-findings",
    ]);
    let found = listed(&v["findings"], |f| {
        let l = &f["locations"][0];
        format!(
            "{}:{}",
            l["path"].as_str().unwrap_or_default(),
            l["line"].as_u64().unwrap_or_default()
        )
    });
    assert!(
        found.is_empty() && code == 0,
        "exit {code}; audit findings at medium or above: {found:#?}\n{stderr}"
    );
}
