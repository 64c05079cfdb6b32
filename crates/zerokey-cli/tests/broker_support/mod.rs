//! Helpers for the broker integration tests: a real `zerokey serve` process (stderr captured
//! line by line), `zerokey admin` for users and tokens, fresh SQLite files and PostgreSQL
//! databases, the AWS emulator, and canary checks with the detection engine.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// Canary base credentials of the broker itself (what an operator puts in its environment).
pub const BASE_KEY_ID: &str = "AKIAZKCANARYBASE2QXM";
pub const BASE_SECRET: &str = "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";

// The emulator helpers every CLI test shares (start on a port, control endpoints).
#[path = "../common/emulator.rs"]
mod shared_emulator;
#[allow(unused_imports)]
pub use shared_emulator::{control as emulator_control, start as emulator};

/// The `zerokey` binary under test.
pub fn zerokey_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zerokey"))
}

/// A sandbox dir: HOME, TMPDIR and working directory of every process the test starts.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `zerokey` command with a clean environment aimed at the emulator, with the canary
    /// base credentials.
    pub fn command(&self, endpoint: &str) -> Command {
        let mut cmd = Command::new(zerokey_bin());
        cmd.env_clear()
            .current_dir(self.path())
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", self.path().join("home"))
            .env("TMPDIR", self.path().join("tmp"))
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", BASE_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", BASE_SECRET);
        cmd
    }

    /// `zerokey admin create-user NAME` with `password` on stdin.
    pub fn create_user(&self, db: &str, name: &str, password: &str) {
        let mut child = self
            .command("http://127.0.0.1:9")
            .args(["admin", "create-user", name, "--database", db])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "create-user: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains(password));
    }

    /// `zerokey admin create-token NAME`; returns the token (the last word printed).
    pub fn create_token(&self, db: &str, name: &str) -> String {
        let out = self
            .command("http://127.0.0.1:9")
            .args(["admin", "create-token", name, "--database", db])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "create-token: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let token = text.split_whitespace().last().unwrap().to_string();
        assert!(token.starts_with("zkt_"), "{text}");
        token
    }
}

/// A running `zerokey serve`.
pub struct Broker {
    child: Child,
    pub url: String,
    logs: Arc<Mutex<Vec<u8>>>,
}

impl Broker {
    /// Starts `zerokey serve --listen 127.0.0.1:0 --database DB ARGS…` and waits until it
    /// logs the address it listens on.
    pub fn start(sandbox: &Sandbox, endpoint: &str, db: &str, args: &[&str]) -> Broker {
        Broker::start_with(sandbox.command(endpoint), db, args)
    }

    /// Like [`Broker::start`], with the environment of `cmd`.
    pub fn start_with(mut cmd: Command, db: &str, args: &[&str]) -> Broker {
        let mut child = cmd
            .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                sink.lock().unwrap().extend_from_slice(line.as_bytes());
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                    if v["message"] == "zerokey broker listening" {
                        let _ = tx.send(v["listen"].as_str().unwrap_or("").to_string());
                    }
                }
                line.clear();
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "zerokey serve did not start:\n{}",
                    String::from_utf8_lossy(&logs.lock().unwrap())
                );
            }
        };
        Broker {
            child,
            url: format!("http://{addr}"),
            logs,
        }
    }

    /// The server's process id (for signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server logged so far.
    pub fn logs(&self) -> Vec<u8> {
        self.logs.lock().unwrap().clone()
    }

    /// SIGTERM, then waits; returns the exit code and the full log.
    pub fn stop(mut self) -> (Option<i32>, Vec<u8>) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        (status.code(), self.logs())
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh PostgreSQL database on 127.0.0.1:5432, dropped at the end.
pub struct PgDb {
    pub name: String,
    pub url: String,
}

impl PgDb {
    pub fn create(tag: &str) -> PgDb {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("zk_{tag}_{}_{nanos}", std::process::id());
        psql(&format!("CREATE DATABASE {name}"));
        PgDb {
            url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
            name,
        }
    }

    /// A data-only dump of every table.
    pub fn dump(&self) -> Vec<u8> {
        let out = Command::new("pg_dump")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "--data-only",
                &self.name,
            ])
            .output()
            .expect("pg_dump");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs one SQL statement in this database; returns its unaligned output.
    pub fn query(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-tA",
                "-d",
                &self.name,
                "-c",
                sql,
            ])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-q", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

fn psql(sql: &str) {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql])
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts neither an exact canary (nor its first 16 characters) nor anything the detection
/// engine calls an AWS credential occurs in `hay`.
pub fn assert_clean(what: &str, hay: &[u8], canaries: &[&str]) {
    let text = String::from_utf8_lossy(hay);
    for c in canaries {
        let probe = &c[..c.len().min(16)];
        assert!(
            !text.contains(probe),
            "{what} holds a canary ({}…)",
            &c[..4.min(c.len())]
        );
    }
    let set = zerokey_core::RuleSet::builtin().unwrap();
    let matcher = zerokey_core::Matcher::new(&set).unwrap();
    let found: Vec<String> = matcher
        .scan(hay)
        .into_iter()
        .map(|m| matcher.rule(m.rule).id.to_string())
        .collect();
    assert!(found.is_empty(), "{what}: the engine finds {found:?}");
}

/// Every file's bytes under `dir`, concatenated, for a canary check.
pub fn read_tree(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                out.extend(std::fs::read(&p).unwrap());
                out.push(b'\n');
            }
        }
    }
    out
}

/// An S3 client on the emulator with throwaway keys, for setting up buckets.
pub async fn s3_admin(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}
