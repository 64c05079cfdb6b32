//! `zerokey scan` end to end: planted fixtures found at the right place, hard negatives
//! silent, no secret in any output, exit codes and errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan")
}

fn zerokey() -> Command {
    let mut cmd = Command::cargo_bin("zerokey").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_remove("ZEROKEY_LOG").env("NO_COLOR", "1");
    cmd
}

fn scan_json(args: &[&str]) -> (Value, i32) {
    let out = zerokey()
        .current_dir(fixtures())
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (v, out.status.code().unwrap_or(-1))
}

type Key = (String, String, u64, u64);

fn keys(findings: &Value) -> BTreeSet<Key> {
    findings
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule_id"].as_str().unwrap_or_default().to_string(),
                        f["path"].as_str().unwrap_or_default().to_string(),
                        f["line"].as_u64().unwrap_or_default(),
                        f["column"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn canaries() -> Vec<String> {
    std::fs::read_to_string(fixtures().join("canaries.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Fails if any 8-character piece of a canary past its first 4 characters is in `text`.
fn assert_no_canary(what: &str, text: &str) {
    for c in canaries() {
        let b = c.as_bytes();
        for w in b.get(4..).unwrap_or_default().windows(8) {
            let w = String::from_utf8_lossy(w);
            assert!(
                !text.contains(w.as_ref()),
                "{what} leaks part of a secret ({w})"
            );
        }
    }
}

#[test]
fn finds_every_planted_secret_at_its_position() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("expected.json")).unwrap_or_default(),
    )
    .unwrap_or(Value::Null);
    let (report, code) = scan_json(&["positives"]);
    assert_eq!(code, 0);
    let want = keys(&expected);
    let got = keys(&report["findings"]);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    assert_eq!(report["version"], 1);
    assert_eq!(report["stats"]["suppressed"], 2, "{}", report["stats"]);
    assert!(report["stats"]["files"].as_u64().unwrap_or(0) >= 15);
}

#[test]
fn hard_negatives_give_nothing() {
    let (report, code) = scan_json(&["negatives"]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"], Value::Array(vec![]), "{report:#}");
}

#[test]
fn findings_carry_the_contract_fields() {
    let (report, _) = scan_json(&["positives/aws/credentials"]);
    let f = &report["findings"][0];
    for field in [
        "rule_id",
        "rule_name",
        "severity",
        "confidence",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "commit",
        "redacted",
        "fingerprint",
        "validation",
    ] {
        assert!(f.get(field).is_some(), "missing {field} in {f}");
    }
    let redacted = f["redacted"].as_str().unwrap_or_default();
    assert!(redacted.starts_with("AKIA…"), "{redacted}");
    // Fingerprints are stable across runs and independent of how the root was named.
    let (again, _) = scan_json(&["./positives/aws/../aws/credentials"]);
    assert_eq!(f["fingerprint"], again["findings"][0]["fingerprint"]);
}

#[test]
fn no_secret_reaches_any_output_in_any_format() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for format in ["text", "json", "sarif", "markdown", "gitlab"] {
        let out = zerokey()
            .current_dir(fixtures())
            .args([
                "scan",
                "positives",
                "-vv",
                "--color",
                "always",
                "--format",
                format,
            ])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!out.stdout.is_empty(), "{format}: empty stdout");
        assert_no_canary(
            &format!("{format} stdout"),
            &String::from_utf8_lossy(&out.stdout),
        );
        assert_no_canary(
            &format!("{format} stderr"),
            &String::from_utf8_lossy(&out.stderr),
        );

        let file = dir.path().join(format!("report.{format}"));
        let out = zerokey()
            .current_dir(fixtures())
            .args(["scan", "positives", "--format", format, "--output"])
            .arg(&file)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.stdout.is_empty(),
            "{format}: --output still wrote to stdout"
        );
        let written = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(!written.is_empty(), "{format}: empty report file");
        assert_no_canary(&format!("{format} file"), &written);
    }
    // Nothing but the reports was left behind (no temp files).
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        5
    );
}

#[test]
fn text_output_is_stable() {
    let out = zerokey()
        .current_dir(fixtures())
        .args(["scan", "positives", "--format", "text", "-j", "1"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn exit_codes_follow_fail_on_findings() {
    let run = |args: &[&str]| {
        zerokey()
            .current_dir(fixtures())
            .args(args)
            .output()
            .map(|o| o.status.code())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(run(&["scan", "positives"]), Some(0));
    assert_eq!(run(&["scan", "positives", "--fail-on-findings"]), Some(1));
    assert_eq!(run(&["scan", "positives", "--fail-on-violations"]), Some(1));
    assert_eq!(run(&["scan", "negatives", "--fail-on-findings"]), Some(0));
}

#[test]
fn missing_path_and_bad_flags_exit_2_with_one_line_naming_them() {
    let out = zerokey()
        .args(["scan", "/definitely/not/here"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/definitely/not/here"), "{err}");

    for bad in [
        vec!["scan", "--format", "xml"],
        vec!["scan", "--bogus"],
        vec!["scan", "--max-file-size", "lots"],
        vec!["scan", "--only-rules", "no-such-rule", "."],
    ] {
        let out = zerokey()
            .args(&bad)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty(), "{bad:?}");
    }
}

#[test]
fn unreadable_file_is_reported_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        fixtures().join("positives/.npmrc"),
        dir.path().join("readable.npmrc"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // A link to nothing cannot be read when links are followed (works as root too).
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("dangling"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = zerokey()
        .arg("scan")
        .arg(dir.path())
        .args(["--follow-symlinks", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["stats"]["errors"], 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dangling"), "{err}");
}

#[test]
fn stdin_is_scanned_as_dash() {
    let input = std::fs::read(fixtures().join("positives/ci/deploy.sh")).unwrap_or_default();
    let out = zerokey()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(input)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let paths: BTreeSet<_> = keys(&v["findings"])
        .into_iter()
        .map(|k| (k.0, k.1, k.2))
        .collect();
    assert!(
        paths.contains(&("github-pat-classic".into(), "-".into(), 3)),
        "{v}"
    );
    assert!(
        paths.contains(&("github-pat-fine-grained".into(), "-".into(), 4)),
        "{v}"
    );
}

#[test]
fn rules_command_lists_every_rule() {
    let out = zerokey()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(v.as_array().map(Vec::len).unwrap_or(0) >= 40);
}

#[test]
fn results_are_identical_across_thread_counts_and_runs() {
    let run = |threads: &str| {
        let (mut v, _) = scan_json(&["positives", "negatives", "-j", threads]);
        v["stats"]["duration_ms"] = Value::Null;
        v
    };
    let one = run("1");
    assert_eq!(one, run("4"));
    assert_eq!(one, run("4"));
    assert_eq!(one, run("2"));
}

/// Regression: `--output /dev/null` renamed a temp file over the device, leaving a regular
/// file at /dev/null. Checked here on a FIFO (same rule: not a regular file, write in place).
#[test]
fn output_to_a_fifo_or_symlink_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = zerokey()
        .current_dir(fixtures())
        .args(["scan", "positives/.npmrc", "--format", "json", "--output"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Checked before joining the reader: had the FIFO been replaced, nothing would ever
    // open it for writing and the reader would wait forever.
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()),
        "FIFO was replaced"
    );
    let got = reader.join().unwrap();
    assert!(got.contains("npm-access-token"), "{got}");

    // A symlink stays a symlink; its target gets the report.
    let target = dir.path().join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    zerokey()
        .current_dir(fixtures())
        .args(["scan", "positives/.npmrc", "--format", "json", "--output"])
        .arg(&link)
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("npm-access-token"));
}
