//! The AWS emulator (moto, from `../shared/aws-emulator`) for tests: a real server on loopback.
//! Each caller names its own port, so tests that switch IAM enforcement on cannot disturb
//! tests elsewhere.

use std::path::PathBuf;
use std::process::Command;

/// Path of the shared emulator scripts, beside the repository.
pub fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/aws-emulator")
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
