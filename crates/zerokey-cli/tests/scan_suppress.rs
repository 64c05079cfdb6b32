//! Suppression end to end: baseline round trip, `.zerokey.toml` (exclude, allowed paths,
//! stopwords, disabled rules), inline `zerokey:allow rule-id`; every suppression is counted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn scan(dir: &Path, args: &[&str]) -> (Value, i32, String) {
    let out = Command::cargo_bin("zerokey")
        .unwrap()
        .current_dir(dir)
        .env_remove("ZEROKEY_CONFIG")
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        v,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn count(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

#[test]
fn baseline_round_trip_reports_only_new_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    copy_dir(&fixtures().join("positives"), &repo);
    let (first, code, _) = scan(&repo, &[".", "--write-baseline", "../baseline.json"]);
    assert_eq!(code, 0);
    let total = count(&first, "findings");
    assert!(total >= 15, "{total}");

    // The baseline holds fingerprints, rule ids and paths, never a secret.
    let baseline = std::fs::read_to_string(tmp.path().join("baseline.json")).unwrap();
    for canary in std::fs::read_to_string(fixtures().join("canaries.txt"))
        .unwrap()
        .lines()
    {
        assert!(!baseline.contains(&canary[4..]), "baseline leaks a secret");
    }
    assert!(!baseline.contains("redacted"));

    let (second, code, _) = scan(&repo, &[".", "--baseline", "../baseline.json"]);
    assert_eq!(code, 0);
    assert_eq!(count(&second, "findings"), 0, "{second:#}");
    // Inline suppressions (2) plus every baselined finding.
    assert_eq!(second["stats"]["suppressed"], total as u64 + 2);
    assert_eq!(count(&second, "suppressed"), total + 2);

    // One new secret: exactly one finding.
    std::fs::copy(repo.join(".npmrc"), repo.join("new.npmrc")).unwrap();
    let (third, _, _) = scan(
        &repo,
        &[".", "--baseline", "../baseline.json", "--fail-on-findings"],
    );
    assert_eq!(count(&third, "findings"), 1, "{third:#}");
    assert_eq!(third["findings"][0]["path"], "new.npmrc");
}

#[test]
fn malformed_baseline_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("b.json"), "{\"version\": 1,\n \"oops\": 2}").unwrap();
    let (_, code, err) = scan(tmp.path(), &[".", "--baseline", "b.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("b.json:2: not a zerokey baseline"), "{err}");
}

#[test]
fn config_file_is_found_by_walking_up_and_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    copy_dir(&fixtures().join("positives"), &repo.join("src"));
    std::fs::write(
        repo.join(".zerokey.toml"),
        r#"
[scan]
exclude = ["src/windows"]

[rules]
disable = ["google-api-key"]

[allow]
paths = ["src/keys/**"]
regexes = ['^npm_']
stopwords = ["PYPI-AgEI"]
"#,
    )
    .unwrap();
    // Scan from a subdirectory: the config above it applies.
    let (v, code, _) = scan(&repo.join("src"), &["."]);
    assert_eq!(code, 0);
    let findings = v["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .all(|f| !f["path"].as_str().unwrap().starts_with("windows/")));
    assert!(findings.iter().all(|f| f["rule_id"] != "google-api-key"));
    assert!(findings
        .iter()
        .all(|f| !f["path"].as_str().unwrap().starts_with("keys/")));
    assert!(v["stats"]["skipped_excluded"].as_u64().unwrap() >= 1);
    let suppressed = v["suppressed"].as_array().unwrap();
    let kinds: Vec<&str> = suppressed
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    // The two inline ones; by config: two key files (allowed path), the npm token (regex)
    // and the PyPI token (stopword, case-insensitive).
    assert_eq!(
        kinds.iter().filter(|k| **k == "inline").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "config").count(),
        4,
        "{kinds:?}"
    );
    assert_eq!(v["stats"]["suppressed"], 6);

    // --no-config brings everything back.
    let (all, _, _) = scan(&repo.join("src"), &[".", "--no-config"]);
    assert!(count(&all, "findings") > findings.len());
}

#[test]
fn bad_config_names_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".zerokey.toml"),
        "[scan]\nmax_file_size = 12\n",
    )
    .unwrap();
    let (_, code, err) = scan(tmp.path(), &["."]);
    assert_eq!(code, 2);
    assert!(err.contains(".zerokey.toml:2"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn inline_allow_can_name_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let token = std::fs::read_to_string(fixtures().join("positives/.npmrc")).unwrap();
    let token = token.trim().rsplit('=').next().unwrap().to_string();
    std::fs::write(
        tmp.path().join("a.txt"),
        format!(
            "x = {token} # zerokey:allow github-pat-classic\ny = {token} # zerokey:allow npm-access-token\n"
        ),
    )
    .unwrap();
    let (v, _, _) = scan(tmp.path(), &["."]);
    assert_eq!(count(&v, "findings"), 1, "{v:#}");
    assert_eq!(v["findings"][0]["line"], 1);
    assert_eq!(v["stats"]["suppressed"], 1);
}
