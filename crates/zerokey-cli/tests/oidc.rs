//! `zerokey oidc summary|retrieve|exec` against the AWS emulator (STS web identity, Secrets
//! Manager). The token comes from a file, from AWS_WEB_IDENTITY_TOKEN_FILE, or from
//! `FakeGitHubOidcIssuer`: a FAKE of GitHub Actions' token endpoint served by the test on
//! loopback, because the real issuer cannot run here. `FakeStsDenies` is a FAKE STS that
//! refuses the role, because the emulator never refuses AssumeRoleWithWebIdentity.
//! Every failure must exit 2 with our own words, and no token, request token or secret
//! (canaries) may appear in stdout, stderr or any file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "exec_support/mod.rs"]
mod support;

use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use support::{assert_outputs_clean, emulator_python, github_claims, jwt, FakeServer, Sandbox};

const PORT: u16 = 5131;
const ROLE: &str = "arn:aws:iam::123456789012:role/ci-publish";
/// Canary in the token's signature part: the token must never be echoed.
const TOKEN_SIG: &str = "ZkCanaryJwtSignatureDoNotPrint0123456789abcdefghij";
/// Canary request token of the fake GitHub endpoint.
const REQUEST_TOKEN: &str = "zkCanaryGitHubRequestToken0123456789ABCDEF";
const STRING_SECRET: &str = "pypi-AgEIcHlwaS5vcmcZkCanaryStringSecret0123456789abcdef";
const JSON_SECRET_TOKEN: &str = "pypi-AgEIcHlwaS5vcmcZkCanaryJsonSecret9876543210fedcba";

fn canaries() -> Vec<&'static str> {
    vec![TOKEN_SIG, REQUEST_TOKEN, STRING_SECRET, JSON_SECRET_TOKEN]
}

/// The emulator, reset once for this file, with the test secrets created.
fn endpoint() -> &'static str {
    static E: OnceLock<String> = OnceLock::new();
    E.get_or_init(|| {
        let e = common::emulator::start(PORT);
        common::emulator::control(&e, "/moto-api/reset", "");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(&e)
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
                    "testing", "testing", None, None, "test",
                ))
                .load()
                .await;
            let sm = aws_sdk_secretsmanager::Client::new(&conf);
            sm.create_secret()
                .name("ci/pypi-token")
                .secret_string(STRING_SECRET)
                .send()
                .await
                .unwrap();
            let json = serde_json::json!({"username": "__token__", "token": JSON_SECRET_TOKEN, "meta": {"a": 1}});
            sm.create_secret()
                .name("ci/pypi-json")
                .secret_string(json.to_string())
                .send()
                .await
                .unwrap();
            sm.create_secret()
                .name("ci/binary")
                .secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(vec![0, 159, 146, 150]))
                .send()
                .await
                .unwrap();
        });
        e
    })
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes a token with `claims` into the sandbox; returns its path.
fn token_file(sb: &Sandbox, claims: &serde_json::Value) -> std::path::PathBuf {
    let p = sb.path().join("oidc-token");
    std::fs::write(&p, jwt(claims, TOKEN_SIG)).unwrap();
    p
}

fn oidc(sb: &Sandbox) -> assert_cmd::Command {
    let mut cmd = sb.zerokey(endpoint());
    cmd.arg("oidc");
    cmd
}

/// FAKE of GitHub Actions' OIDC token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`): checks the
/// bearer request token like GitHub does and mints a token for the audience asked for.
struct FakeGitHubOidcIssuer {
    server: FakeServer,
}

impl FakeGitHubOidcIssuer {
    fn start(exp_in: i64) -> Self {
        let server = FakeServer::start(move |req| {
            if req.header("authorization") != Some(&format!("bearer {REQUEST_TOKEN}")) {
                return (401, "application/json", r#"{"message":"bad token"}"#.into());
            }
            let aud = req
                .query("audience")
                .unwrap_or_else(|| "https://github.com/octo-org".into());
            let token = jwt(&github_claims(&aud, exp_in), TOKEN_SIG);
            (
                200,
                "application/json",
                serde_json::json!({"count": 1, "value": token}).to_string(),
            )
        });
        FakeGitHubOidcIssuer { server }
    }

    fn request_url(&self) -> String {
        format!("{}/_apis/token?api-version=2.0", self.server.url)
    }

    /// Environment of a GitHub Actions job with `id-token: write`.
    fn env(&self, cmd: &mut assert_cmd::Command) {
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_RUN_ID", "4242")
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", self.request_url())
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN);
    }
}

fn assert_ok(out: &std::process::Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn summary_from_a_token_file_shows_claims_identity_and_expiry() {
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("sts.amazonaws.com", 600));
    let out = oidc(&sb)
        .args(["summary", "--role-arn", ROLE, "--token-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "issuer           https://token.actions.githubusercontent.com",
        "subject          repo:octo-org/octo-lib:ref:refs/heads/main",
        "audience         sts.amazonaws.com",
        "token expires",
        "repository       octo-org/octo-lib",
        "role             arn:aws:iam::123456789012:role/ci-publish",
        "assumed role     arn:aws:sts::123456789012:assumed-role/ci-publish/zerokey-oidc-",
        "account          123456789012",
        "session expires",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert_outputs_clean(&out, &canaries());

    let json = oidc(&sb)
        .args([
            "summary",
            "--format",
            "json",
            "--role-arn",
            ROLE,
            "--token-file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_ok(&json);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        v["claims"]["subject"],
        "repo:octo-org/octo-lib:ref:refs/heads/main"
    );
    assert_eq!(v["account"], "123456789012");
    let session = time::OffsetDateTime::parse(
        v["session_expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = (session - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!(
        (800..=1000).contains(&left),
        "default session 15 min, got {left}s"
    );
    assert_outputs_clean(&json, &canaries());
}

#[test]
fn summary_from_the_fake_github_endpoint() {
    let sb = Sandbox::new();
    let gh = FakeGitHubOidcIssuer::start(300);
    let mut cmd = oidc(&sb);
    gh.env(&mut cmd);
    let out = cmd.args(["summary", "--role-arn", ROLE]).output().unwrap();
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("the GitHub Actions OIDC endpoint"), "{text}");
    assert!(
        text.contains("assumed-role/ci-publish/zerokey-gha-4242"),
        "{text}"
    );
    let reqs = gh.server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(
        reqs[0].query("audience").as_deref(),
        Some("sts.amazonaws.com")
    );
    assert_eq!(reqs[0].query("api-version").as_deref(), Some("2.0"));
    assert_outputs_clean(&out, &canaries());
    sb.assert_no_canary_in_files(&[TOKEN_SIG, REQUEST_TOKEN]);

    // --audience is asked of GitHub and checked on the token.
    let mut cmd = oidc(&sb);
    gh.env(&mut cmd);
    let out = cmd
        .args([
            "summary",
            "--role-arn",
            ROLE,
            "--audience",
            "https://example.com/aud",
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("audience         https://example.com/aud")
    );
}

const HASH_CHILD: &str = r#"
import hashlib, os
print(hashlib.sha256(os.environ["PYPI_TOKEN"].encode()).hexdigest())
print(sorted(k for k in os.environ if k.startswith(("AWS_ACCESS", "AWS_SECRET", "AWS_SESSION", "AWS_WEB", "ACTIONS_"))))
"#;

#[test]
fn retrieve_gives_a_string_secret_to_one_command() {
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("sts.amazonaws.com", 600));
    let out = oidc(&sb)
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &file)
        .args([
            "retrieve",
            "--role-arn",
            ROLE,
            "--secret-name",
            "ci/pypi-token",
            "--env",
            "PYPI_TOKEN",
            "--",
        ])
        .arg(emulator_python())
        .args(["-c", HASH_CHILD])
        .output()
        .unwrap();
    assert_ok(&out);
    // The child saw exactly the secret, and no AWS credential nor the token source.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n[]\n", sha256_hex(STRING_SECRET))
    );
    assert_outputs_clean(&out, &canaries());
    sb.assert_no_canary_in_files(&[STRING_SECRET, REQUEST_TOKEN]);
}

#[test]
fn retrieve_a_json_key_from_the_fake_github_endpoint() {
    let sb = Sandbox::new();
    let gh = FakeGitHubOidcIssuer::start(300);
    let mut cmd = oidc(&sb);
    gh.env(&mut cmd);
    let out = cmd
        .args([
            "retrieve",
            "--role-arn",
            ROLE,
            "--secret-name",
            "ci/pypi-json",
            "--json-key",
            "token",
        ])
        .args(["--env", "PYPI_TOKEN", "--"])
        .arg(emulator_python())
        .args(["-c", HASH_CHILD])
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n[]\n", sha256_hex(JSON_SECRET_TOKEN))
    );
    assert_outputs_clean(&out, &canaries());
    sb.assert_no_canary_in_files(&canaries());
}

#[test]
fn retrieve_redact_output_hides_the_secret_if_the_command_prints_it() {
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("sts.amazonaws.com", 600));
    let out = oidc(&sb)
        .args([
            "retrieve",
            "--role-arn",
            ROLE,
            "--secret-name",
            "ci/pypi-token",
            "--token-file",
        ])
        .arg(&file)
        .args([
            "--env",
            "PYPI_TOKEN",
            "--redact-output",
            "--",
            "sh",
            "-c",
            "echo \"oops $PYPI_TOKEN\"",
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "oops pypi…(56)\n");
    assert_outputs_clean(&out, &canaries());
}

#[test]
fn retrieve_print_needs_the_flag_and_masks_in_github_actions() {
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("sts.amazonaws.com", 600));
    let base = |sb: &Sandbox| {
        let mut c = oidc(sb);
        c.args([
            "retrieve",
            "--role-arn",
            ROLE,
            "--secret-name",
            "ci/pypi-token",
            "--token-file",
        ])
        .arg(&file);
        c
    };
    // Asked for: stdout is the secret.
    let out = base(&sb).arg("--print").output().unwrap();
    assert_ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{STRING_SECRET}\n")
    );
    // In GitHub Actions the mask comes first.
    let out = base(&sb)
        .arg("--print")
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("::add-mask::{STRING_SECRET}\n{STRING_SECRET}\n")
    );
    // Not asked for: refused before anything is fetched.
    let out = base(&sb).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--env NAME -- COMMAND"));
    assert_outputs_clean(&out, &canaries());
    sb.assert_no_canary_in_files(&[STRING_SECRET]);
}

#[test]
fn export_github_env_is_refused_and_writes_nothing() {
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("sts.amazonaws.com", 600));
    let github_env = sb.path().join("github_env");
    std::fs::write(&github_env, "").unwrap();
    let out = oidc(&sb)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ENV", &github_env)
        .args([
            "retrieve",
            "--role-arn",
            ROLE,
            "--secret-name",
            "ci/pypi-token",
            "--export-github-env",
            "--token-file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--export-github-env is refused"),
        "{stderr}"
    );
    assert!(stderr.contains("every later step"), "{stderr}");
    assert_eq!(std::fs::read(&github_env).unwrap(), b"");
    assert_outputs_clean(&out, &canaries());
}

#[test]
fn oidc_exec_gives_the_child_the_role_and_nothing_else() {
    let sb = Sandbox::new();
    let gh = FakeGitHubOidcIssuer::start(300);
    let mut cmd = oidc(&sb);
    gh.env(&mut cmd);
    let out = cmd
        .args(["exec", "--role-arn", ROLE, "--"])
        .arg(emulator_python())
        .args([
            "-c",
            r#"
import json, os, boto3
print(json.dumps({"arn": boto3.client("sts").get_caller_identity()["Arn"],
  "names": sorted(os.environ), "exp": os.environ["AWS_CREDENTIAL_EXPIRATION"]}))
"#,
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["arn"],
        "arn:aws:sts::123456789012:assumed-role/ci-publish/zerokey-gha-4242"
    );
    let names: Vec<&str> = v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for gone in [
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
    ] {
        assert!(!names.contains(&gone), "{gone} reached the child");
    }
    for present in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CREDENTIAL_EXPIRATION",
    ] {
        assert!(names.contains(&present), "{present} missing");
    }
    assert_outputs_clean(&out, &canaries());
    sb.assert_no_canary_in_files(&canaries());
}

/// Runs a failing command and checks exit 2, the message, and that nothing leaked.
fn assert_fails(sb: &Sandbox, mut cmd: assert_cmd::Command, want: &[&str]) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for w in want {
        assert!(stderr.contains(w), "missing {w:?} in: {stderr}");
    }
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_outputs_clean(&out, &canaries());
    sb.assert_no_canary_in_files(&[STRING_SECRET, JSON_SECRET_TOKEN, REQUEST_TOKEN]);
}

#[test]
fn expired_token_is_refused_with_its_expiry() {
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("sts.amazonaws.com", -300));
    let mut cmd = oidc(&sb);
    cmd.args([
        "retrieve",
        "--role-arn",
        ROLE,
        "--secret-name",
        "ci/pypi-token",
        "--print",
        "--token-file",
    ])
    .arg(&file);
    assert_fails(&sb, cmd, &["expired at 20", "ago", "request a fresh token"]);
    // From GitHub too.
    let gh = FakeGitHubOidcIssuer::start(-60);
    let mut cmd = oidc(&sb);
    gh.env(&mut cmd);
    cmd.args(["summary", "--role-arn", ROLE]);
    assert_fails(&sb, cmd, &["GitHub Actions OIDC endpoint expired at"]);
}

#[test]
fn wrong_audience_is_refused() {
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("https://github.com/octo-org", 600));
    let mut cmd = oidc(&sb);
    cmd.args(["summary", "--role-arn", ROLE, "--token-file"])
        .arg(&file);
    assert_fails(
        &sb,
        cmd,
        &[
            "audience [\"https://github.com/octo-org\"]",
            "\"sts.amazonaws.com\" is required",
        ],
    );
}

#[test]
fn missing_token_sources_and_variables_are_named() {
    let sb = Sandbox::new();
    let mut cmd = oidc(&sb);
    cmd.args(["summary", "--role-arn", ROLE]);
    assert_fails(&sb, cmd, &["no OIDC token source found", "id-token: write"]);
    let mut cmd = oidc(&sb);
    cmd.env("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example/x")
        .args(["summary", "--role-arn", ROLE]);
    assert_fails(&sb, cmd, &["ACTIONS_ID_TOKEN_REQUEST_TOKEN is not"]);
    let mut cmd = oidc(&sb);
    cmd.env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
        .args(["summary", "--role-arn", ROLE]);
    assert_fails(&sb, cmd, &["ACTIONS_ID_TOKEN_REQUEST_URL is not"]);
    let mut cmd = oidc(&sb);
    cmd.args([
        "summary",
        "--role-arn",
        ROLE,
        "--token-file",
        "missing-token",
    ]);
    assert_fails(&sb, cmd, &["--token-file", "missing-token"]);
    // GitHub refusing the request token (no id-token permission).
    let gh = FakeGitHubOidcIssuer::start(300);
    let mut cmd = oidc(&sb);
    cmd.env("ACTIONS_ID_TOKEN_REQUEST_URL", gh.request_url())
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "zkWrongRequestToken0000000000",
        )
        .args(["summary", "--role-arn", ROLE]);
    assert_fails(&sb, cmd, &["refused the token request (HTTP 401)"]);
    // Not a JWT.
    let bad = sb.path().join("bad-token");
    std::fs::write(&bad, format!("{TOKEN_SIG}\n")).unwrap();
    let mut cmd = oidc(&sb);
    cmd.args(["summary", "--role-arn", ROLE, "--token-file"])
        .arg(&bad);
    assert_fails(&sb, cmd, &["is not a JWT"]);
}

#[test]
fn secret_errors_name_the_secret_and_never_its_value() {
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("sts.amazonaws.com", 600));
    for (name, key, want) in [
        (
            "ci/does-not-exist",
            None,
            "secret \"ci/does-not-exist\" not found",
        ),
        (
            "ci/pypi-json",
            Some("password"),
            "has no JSON key \"password\"",
        ),
        ("ci/pypi-json", Some("meta"), "is not a string"),
        ("ci/pypi-token", Some("token"), "is not a JSON object"),
        ("ci/binary", None, "is binary, not a string"),
    ] {
        let mut cmd = oidc(&sb);
        cmd.args([
            "retrieve",
            "--role-arn",
            ROLE,
            "--secret-name",
            name,
            "--token-file",
        ])
        .arg(&file);
        if let Some(k) = key {
            cmd.args(["--json-key", k]);
        }
        cmd.args(["--env", "PYPI_TOKEN", "--", "sh", "-c", "echo child-ran"]);
        assert_fails(&sb, cmd, &[want]);
    }
}

#[test]
fn a_role_sts_refuses_is_reported_in_our_words() {
    // FAKE STS: the emulator never refuses AssumeRoleWithWebIdentity, real STS does.
    let fake_sts = FakeServer::start(|_| {
        (
            403,
            "text/xml",
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized \
             to perform sts:AssumeRoleWithWebIdentity on arn:aws:iam::999988887777:role/x</Message></Error>\
             <RequestId>r-1</RequestId></ErrorResponse>"
                .into(),
        )
    });
    let sb = Sandbox::new();
    let file = token_file(&sb, &github_claims("sts.amazonaws.com", 600));
    let mut cmd = oidc(&sb);
    cmd.env("AWS_ENDPOINT_URL_STS", &fake_sts.url)
        .args(["summary", "--role-arn", ROLE, "--token-file"])
        .arg(&file);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("could not be assumed with web identity (AccessDenied)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("999988887777"),
        "AWS's raw text leaked: {stderr}"
    );
    assert_outputs_clean(&out, &canaries());
    // The token did reach STS (the fake), in the request body only.
    let reqs = fake_sts.requests();
    assert_eq!(reqs.len(), 1);
    assert!(String::from_utf8_lossy(&reqs[0].body).contains("AssumeRoleWithWebIdentity"));
}
