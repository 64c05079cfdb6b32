//! No process outlives `zerokey exec` with its credentials (the emulator's AssumeRole gives
//! them): a `setsid` grandchild, a double fork, an orphan left when exec gets SIGTERM, a child
//! that ignores SIGTERM, and the child when exec itself gets SIGKILL. Afterwards no readable
//! `/proc/*/environ` on the machine holds the run's access key id. Emulator on 5132.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "exec_support/mod.rs"]
mod support;

use common::procs::environ_holders;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::Sandbox;

const PORT: u16 = 5132;
const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";
const BASE_KEY_ID: &str = "AKIAQZKCANARYREAPKEY";
const BASE_SECRET: &str = "zkCanaryReapBaseSecret0123456789abcdefGH";

fn endpoint() -> &'static str {
    static E: OnceLock<String> = OnceLock::new();
    E.get_or_init(|| {
        let e = common::emulator::start(PORT);
        common::emulator::control(&e, "/moto-api/reset", "");
        e
    })
}

/// Waits (a bound against hanging, not a speed assertion) until no process holds `needle`.
fn assert_no_holder(needle: &str, within: Duration) {
    let start = Instant::now();
    loop {
        let h = environ_holders(needle);
        if h.is_empty() {
            return;
        }
        if start.elapsed() > within {
            let names: Vec<String> = h
                .iter()
                .map(|p| std::fs::read_to_string(format!("/proc/{p}/cmdline")).unwrap_or_default())
                .collect();
            for p in &h {
                let _ = kill(Pid::from_raw(*p), Signal::SIGKILL);
            }
            panic!("processes still hold the run's credentials: {h:?} {names:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `zerokey exec -- sh -c SCRIPT`; the script must print `$AWS_ACCESS_KEY_ID` first.
/// Returns exec and the child's access key id (the canary to look for).
fn start(sb: &Sandbox, script: &str) -> (std::process::Child, String) {
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
        .args(["exec", "--role-arn", ROLE, "--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let key = line.trim().to_string();
    assert!(key.len() >= 16 && key != BASE_KEY_ID, "{line:?}");
    // Keep draining stdout so nothing blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, format!("AWS_ACCESS_KEY_ID={key}"))
}

/// Waits for exec with a bound (kills it and fails past the bound).
fn wait(child: &mut std::process::Child, within: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > within {
            let _ = child.kill();
            panic!("zerokey exec did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until a process other than exec's child holds `needle` (the grandchild started).
fn wait_for_holders(needle: &str, n: usize) {
    let start = Instant::now();
    while environ_holders(needle).len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the script never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn setsid_grandchild_does_not_outlive_exec() {
    let sb = Sandbox::new();
    let (mut exec, canary) = start(
        &sb,
        "echo \"$AWS_ACCESS_KEY_ID\"; setsid sh -c 'sleep 30' </dev/null >/dev/null 2>&1 & sleep 0.3",
    );
    let status = wait(&mut exec, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0));
    assert_no_holder(&canary, Duration::from_secs(1));
}

#[test]
fn double_forked_grandchild_does_not_outlive_exec() {
    let sb = Sandbox::new();
    let (mut exec, canary) = start(
        &sb,
        "echo \"$AWS_ACCESS_KEY_ID\"; ( sh -c 'sleep 30' </dev/null >/dev/null 2>&1 & ); sleep 0.3",
    );
    let status = wait(&mut exec, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0));
    assert_no_holder(&canary, Duration::from_secs(1));
}

#[test]
fn orphan_left_when_exec_gets_sigterm_does_not_outlive_it() {
    let sb = Sandbox::new();
    let (mut exec, canary) = start(
        &sb,
        "echo \"$AWS_ACCESS_KEY_ID\"; sleep 30 </dev/null >/dev/null 2>&1 & wait",
    );
    wait_for_holders(&canary, 2);
    kill(Pid::from_raw(exec.id() as i32), Signal::SIGTERM).unwrap();
    let status = wait(&mut exec, Duration::from_secs(30));
    assert_eq!(status.code(), Some(143));
    assert_no_holder(&canary, Duration::from_secs(1));
}

#[test]
fn child_that_ignores_sigterm_does_not_outlive_exec() {
    let sb = Sandbox::new();
    // The child and its background job both ignore SIGTERM: only SIGKILL ends them.
    let (mut exec, canary) = start(
        &sb,
        "trap '' TERM; echo \"$AWS_ACCESS_KEY_ID\"; sleep 30 </dev/null >/dev/null 2>&1 & while :; do sleep 0.1; done",
    );
    wait_for_holders(&canary, 2);
    kill(Pid::from_raw(exec.id() as i32), Signal::SIGTERM).unwrap();
    let status = wait(&mut exec, Duration::from_secs(30));
    assert_eq!(status.code(), Some(137), "killed after the grace period");
    assert_no_holder(&canary, Duration::from_secs(1));
}

#[test]
fn child_does_not_outlive_exec_killed_with_sigkill() {
    let sb = Sandbox::new();
    let (mut exec, canary) = start(&sb, "echo \"$AWS_ACCESS_KEY_ID\"; exec sleep 30");
    wait_for_holders(&canary, 1);
    exec.kill().unwrap();
    exec.wait().unwrap();
    // PR_SET_PDEATHSIG: the kernel kills the child when exec dies.
    assert_no_holder(&canary, Duration::from_secs(10));
}
