//! Helpers for the `exec` and `oidc` integration tests: the emulator's Python (boto3, a real
//! AWS SDK the child can use), a sandboxed `zerokey` command, canary checks over outputs and
//! files, JWTs, and small loopback HTTP fakes (each test names what it fakes).

#![allow(dead_code)]

use assert_cmd::Command;
use base64::Engine as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The AWS emulator's virtualenv (created by its `start` script), which has boto3.
pub fn emulator_python() -> PathBuf {
    let venv = std::env::var_os("AWS_EMULATOR_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
            cache.join("zerokey/aws-emulator-venv")
        });
    let py = venv.join("bin/python");
    assert!(
        py.exists(),
        "{} missing: start the emulator first",
        py.display()
    );
    py
}

/// A temp dir used as HOME, TMPDIR and working directory of the command, so every file it
/// could write is inspected afterwards.
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

    /// `zerokey` with a clean environment: PATH, HOME and TMPDIR in the sandbox, the
    /// emulator as every AWS endpoint, instance metadata off.
    pub fn zerokey(&self, endpoint: &str) -> Command {
        let mut cmd = Command::cargo_bin("zerokey").unwrap();
        cmd.env_clear()
            .current_dir(self.path())
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", self.path().join("home"))
            .env("TMPDIR", self.path().join("tmp"))
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_REGION", "us-east-1");
        cmd
    }

    /// Asserts no canary is in any file under the sandbox.
    pub fn assert_no_canary_in_files(&self, canaries: &[&str]) {
        assert_no_canary_in_dir(self.path(), canaries);
    }
}

/// Asserts no canary is in any file under `dir` (recursively).
pub fn assert_no_canary_in_dir(dir: &Path, canaries: &[&str]) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let p = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(p);
            } else if entry.file_type().unwrap().is_file() {
                let bytes = std::fs::read(&p).unwrap();
                assert_no_canary(&format!("file {}", p.display()), &bytes, canaries);
            }
        }
    }
}

/// Asserts none of `canaries` (nor their first 16 characters) occurs in `hay`.
pub fn assert_no_canary(what: &str, hay: &[u8], canaries: &[&str]) {
    let text = String::from_utf8_lossy(hay);
    for c in canaries {
        let probe = &c[..c.len().min(16)];
        assert!(
            !text.contains(probe),
            "{what} contains a canary ({}…):\n{text}",
            &c[..4.min(c.len())]
        );
    }
}

/// Asserts stdout and stderr of `out` hold no canary.
pub fn assert_outputs_clean(out: &std::process::Output, canaries: &[&str]) {
    assert_no_canary("stdout", &out.stdout, canaries);
    assert_no_canary("stderr", &out.stderr, canaries);
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A JWT with `claims` and a canary in place of the signature (never checked by us; the
/// emulator's STS does not check it either).
pub fn jwt(claims: &serde_json::Value, signature: &str) -> String {
    format!(
        "{}.{}.{}",
        b64(br#"{"alg":"RS256","typ":"JWT","kid":"canary"}"#),
        b64(claims.to_string().as_bytes()),
        signature
    )
}

/// GitHub-like claims for `aud`, expiring `exp_in` seconds from now.
pub fn github_claims(aud: &str, exp_in: i64) -> serde_json::Value {
    serde_json::json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:octo-org/octo-lib:ref:refs/heads/main",
        "aud": aud,
        "repository": "octo-org/octo-lib",
        "ref": "refs/heads/main",
        "iat": now() - 10,
        "nbf": now() - 10,
        "exp": now() + exp_in,
    })
}

/// One request a fake server received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Decoded value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        let q = self.target.split_once('?')?.1;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| percent_decode(v))
        })
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let h = u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap();
                out.push(h);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// What a fake answers: status, content type, body.
pub type Reply = (u16, &'static str, String);

/// A tiny HTTP/1.1 server on loopback, for what cannot run here. Answers each request with
/// `handler` and records it.
pub struct FakeServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl FakeServer {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let handler = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let seen = Arc::clone(&seen);
                let handler = Arc::clone(&handler);
                std::thread::spawn(move || {
                    let _ = serve_one(stream, &*handler, &seen);
                });
            }
        });
        FakeServer { url, requests }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve_one(
    stream: std::net::TcpStream,
    handler: &(dyn Fn(&Request) -> Reply + Send + Sync),
    seen: &Mutex<Vec<Request>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let req = Request {
        method,
        target,
        headers,
        body,
    };
    let (status, ctype, body) = handler(&req);
    seen.lock().unwrap().push(req);
    let mut s = stream;
    write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    s.flush()
}
