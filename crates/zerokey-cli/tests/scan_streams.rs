//! Streams given to `zerokey scan`: named pipes and character devices given as paths are read
//! like stdin (they were skipped silently, "0 findings in 0 files"), a stream of binary data
//! ends the scan promptly with a `skipped` entry (`scan - < /dev/zero` never ended), and special
//! files met inside a directory are listed in `skipped`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan")
}

/// A fixture with a GitHub token on line 3.
fn secrets_file() -> PathBuf {
    fixtures().join("positives/ci/deploy.sh")
}

fn zerokey() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("zerokey"));
    cmd.env_remove("ZEROKEY_LOG").env("NO_COLOR", "1");
    cmd
}

/// Waits for `child` (a guard against a hang, not a speed assertion: the bound is generous).
fn wait_output(child: std::process::Child) -> std::process::Output {
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let guard = std::thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(120) {
            if flag.load(std::sync::atomic::Ordering::Relaxed) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
        true
    });
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(!guard.join().unwrap(), "zerokey scan did not end");
    out
}

fn report(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

fn rules(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn process_substitution_is_not_skipped_silently() {
    // The probe of the issue: `zerokey scan --fail-on-findings <(cat secrets.env)`.
    let script = format!(
        "exec \"$0\" scan --no-config --format json --fail-on-findings <(cat '{}')",
        secrets_file().display()
    );
    let child = std::process::Command::new("bash")
        .args(["-c", &script])
        .arg(assert_cmd::cargo::cargo_bin("zerokey"))
        .env_remove("ZEROKEY_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child);
    let v = report(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert!(rules(&v).contains(&"github-pat-classic".to_string()), "{v}");
    assert_eq!(v["stats"]["files"], 1, "{v}");
}

#[test]
fn named_pipe_given_as_path_is_read_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("secrets.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let text = std::fs::read(secrets_file()).unwrap();
            std::fs::write(fifo, text).unwrap();
        })
    };
    let child = zerokey()
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--fail-on-findings",
        ])
        .arg(&fifo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child);
    writer.join().unwrap();
    let v = report(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    let f = &v["findings"][0];
    assert_eq!(f["path"], fifo.display().to_string());
    assert_eq!(f["line"], 3);
}

#[test]
fn binary_stdin_ends_promptly_and_is_reported_as_skipped() {
    let child = zerokey()
        .args(["scan", "--no-config", "--format", "json", "-"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child);
    let v = report(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{v}");
    assert_eq!(skipped[0]["path"], "-");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("binary stream"),
        "{v}"
    );
    assert_eq!(v["stats"]["skipped_binary"], 1);
}

#[test]
fn character_device_given_as_path_is_read_as_a_bounded_stream() {
    let child = zerokey()
        .args(["scan", "--no-config", "--format", "json", "/dev/zero"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child);
    let v = report(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["skipped"][0]["path"], "/dev/zero", "{v}");
}

#[test]
fn text_then_endless_binary_on_stdin_is_scanned_then_stopped() {
    // A secret and 16 KiB of text, then NUL bytes forever: the secret is found and the scan
    // ends.
    let script = format!(
        "cat '{}'; head -c 16384 /dev/zero | tr '\\0' '\\n'; exec cat /dev/zero",
        secrets_file().display()
    );
    let mut producer = std::process::Command::new("sh")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let child = zerokey()
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--fail-on-findings",
            "-",
        ])
        .stdin(producer.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child);
    let _ = producer.kill();
    let _ = producer.wait();
    let v = report(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert!(rules(&v).contains(&"github-pat-classic".to_string()), "{v}");
    let reason = v["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("binary data from byte"), "{v}");
}

#[test]
fn special_files_inside_a_directory_are_listed_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(secrets_file(), dir.path().join("deploy.sh")).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status()
        .unwrap()
        .success());
    let out = Command::cargo_bin("zerokey")
        .unwrap()
        .env_remove("ZEROKEY_LOG")
        .args(["scan", "--no-config", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v = report(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{v}");
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("/pipe"));
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("named pipe"),
        "{v}"
    );
}

#[test]
fn missing_stream_path_is_an_error_not_clean() {
    let out = Command::cargo_bin("zerokey")
        .unwrap()
        .env_remove("ZEROKEY_LOG")
        .args(["scan", "--no-config", "--fail-on-findings", "/dev/fd/987"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/dev/fd/987"));
}
