//! The AWS emulator (moto, started by `scripts/aws-emulator/start`) for tests: a real server on loopback.
//! Each caller names its own port, so tests that switch IAM enforcement on cannot disturb
//! tests elsewhere.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// Path of the emulator scripts in the repository.
pub fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/aws-emulator")
}

/// Starts (or reuses) the emulator on `port`; returns its endpoint URL.
pub fn start(port: u16) -> String {
    let out = Command::new(scripts().join("start"))
        .env("AWS_EMULATOR_PORT", port.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the AWS emulator start script: {e}"));
    assert!(
        out.status.success(),
        "AWS emulator did not start: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Stops the emulator that `start` started on `port` (only that PID).
pub fn stop(port: u16) {
    let _ = Command::new(scripts().join("stop"))
        .env("AWS_EMULATOR_PORT", port.to_string())
        .output();
}

/// Tests of one binary currently using the emulator, per port.
static USERS: Mutex<Option<HashMap<u16, usize>>> = Mutex::new(None);

/// A test's use of the emulator on one port. The first user starts it (with empty state),
/// the last one to drop it stops it, so a test binary leaves no server behind.
pub struct Running {
    /// The endpoint URL.
    pub endpoint: String,
    port: u16,
}

impl Running {
    /// Joins (or starts) the emulator on `port`.
    pub fn on(port: u16) -> Self {
        let mut users = USERS.lock().unwrap_or_else(|e| e.into_inner());
        let n = users
            .get_or_insert_with(HashMap::new)
            .entry(port)
            .or_insert(0);
        let endpoint = start(port);
        if *n == 0 {
            control(&endpoint, "/moto-api/reset", "");
        }
        *n += 1;
        Running { endpoint, port }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut users = USERS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = users.as_mut().and_then(|m| m.get_mut(&self.port)) {
            *n -= 1;
            if *n == 0 {
                stop(self.port);
            }
        }
    }
}

/// POSTs a raw body to an emulator control endpoint (`/moto-api/reset`, `/moto-api/reset-auth`).
pub fn control(endpoint: &str, path: &str, body: &str) {
    let status = Command::new("curl")
        .args([
            "-sf",
            "-o",
            "/dev/null",
            "-X",
            "POST",
            "-H",
            "Content-Type: text/plain",
        ])
        .args(["--data-binary", body])
        .arg(format!("{endpoint}{path}"))
        .status()
        .unwrap_or_else(|e| panic!("curl: {e}"));
    assert!(status.success(), "POST {path} failed");
}
