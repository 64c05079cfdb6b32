//! `zerokey audit` end to end: every output format on a fixture project (workflows, raw IAM
//! JSON, Terraform, CloudFormation, repository files), exit codes (unparsable files skipped
//! unless `--strict`),
//! inline, config-file and baseline suppression, malformed inputs named by file and line
//! while the rest is still audited, and no secret in any output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const CANARY: &str = "AKIAZ7KLFYYLBEG3RHDS";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

fn zerokey() -> Command {
    let mut cmd = Command::cargo_bin("zerokey").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_remove("ZEROKEY_LOG")
        .env_remove("ZEROKEY_CONFIG")
        .env("NO_COLOR", "1");
    cmd
}

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn audit(dir: &str, args: &[&str]) -> Run {
    let out = zerokey()
        .current_dir(fixtures().join(dir))
        .arg("audit")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    };
    assert!(
        !r.stdout.contains(CANARY) && !r.stderr.contains(CANARY),
        "secret printed:\n{}\n{}",
        r.stdout,
        r.stderr
    );
    r
}

fn json(dir: &str, args: &[&str]) -> (Value, Run) {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    let r = audit(dir, &a);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}): {}\n{}", r.stdout, r.stderr));
    (v, r)
}

fn rules(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["rule_id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn text_output_is_stable() {
    let r = audit("project", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn every_input_kind_is_audited() {
    let (v, r) = json("project", &[]);
    assert_eq!(r.code, 0);
    let ids = rules(&v);
    for id in [
        "static-aws-keys-in-workflow",
        "secret-echoed-in-run",
        "cross-account-trust-without-external-id",
        "s3-public-access-block",
        "lambda-secret-in-environment",
        "dynamodb-customer-managed-key",
        "unpinned-requirements",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
    }
    assert_eq!(v["stats"]["workflows"], 1);
    assert_eq!(v["stats"]["terraform_files"], 1);
    assert_eq!(v["stats"]["cloudformation_files"], 1);
    // The public-access flag is reported by name on the block that sets it.
    let flag = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule_id"] == "s3-public-access-block")
        .cloned()
        .unwrap_or_default();
    assert!(flag["message"]
        .as_str()
        .unwrap_or_default()
        .contains("`block_public_policy`"));
    assert_eq!(flag["locations"][0]["path"], "infra/main.tf");
    assert_eq!(flag["locations"][0]["line"], 8);
    assert_eq!(
        flag["locations"][0]["logical_path"],
        "aws_s3_bucket_public_access_block.site.block_public_policy"
    );
}

#[test]
fn inline_and_config_file_suppression() {
    let (v, _) = json("project", &[]);
    let sup = v["suppressed"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<(String, String)> = sup
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap_or_default().to_string(),
                s["rule_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("inline".into(), "lambda-reserved-concurrency".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("config".into(), "iam-public-principal".into())),
        "{kinds:?}"
    );
    let ids = rules(&v);
    assert!(!ids.iter().any(|i| i == "iam-public-principal"));
    assert!(!ids.iter().any(|i| i == "lambda-reserved-concurrency"));
    // Without the config file the JSON finding is back.
    let (v, _) = json("project", &["--no-config"]);
    assert!(rules(&v).iter().any(|i| i == "iam-public-principal"));
}

#[test]
fn exit_codes_like_scan() {
    assert_eq!(audit("project", &[]).code, 0);
    assert_eq!(audit("project", &["--fail-on-findings"]).code, 1);
    let clean = audit(
        "project",
        &["--fail-on-findings", "--only", "api-gateway-throttling"],
    );
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    // Unparsable files are reported and skipped; exit 2 only with --strict (or when nothing
    // at all could be read).
    assert_eq!(audit("malformed", &[]).code, 0);
    assert_eq!(audit("malformed", &["--strict"]).code, 2);
    let unknown = audit("project", &["--only", "no-such-audit"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no-such-audit"),
        "{}",
        unknown.stderr
    );
    let missing = audit("project", &["does-not-exist"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("does-not-exist"),
        "{}",
        missing.stderr
    );
}

#[test]
fn min_severity_drops_lower_findings() {
    let (v, _) = json("project", &["--min-severity", "high"]);
    let sev: Vec<&str> = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["severity"].as_str())
        .collect();
    assert!(!sev.is_empty());
    assert!(
        sev.iter().all(|s| *s == "high" || *s == "critical"),
        "{sev:?}"
    );
    assert!(v["stats"]["below_min_severity"].as_u64().unwrap_or(0) > 0);
}

#[test]
fn sarif_output() {
    let r = audit("project", &["--format", "sarif"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(rule_ids.contains(&"s3-public-access-block"));
    assert!(rule_ids.contains(&"lambda-secret-in-environment"));
    let results = run["results"].as_array().cloned().unwrap_or_default();
    assert!(!results.is_empty());
    for res in &results {
        let loc = &res["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string());
        assert!(loc["region"]["startLine"].as_u64().unwrap_or(0) >= 1);
        assert!(res["partialFingerprints"]["zerokey/v1"].is_string());
    }
    assert!(results
        .iter()
        .any(|r| r["suppressions"][0]["kind"] == "inSource"));
}

#[test]
fn markdown_output_is_stable() {
    let r = audit("project", &["--format", "markdown"]);
    let md = r
        .stdout
        .lines()
        .map(|l| {
            if l.contains(" ms; ") {
                "<summary line>"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(md);
}

#[test]
fn malformed_yaml_hcl_and_json_are_named_by_file_and_line_and_the_rest_is_audited() {
    let (v, r) = json("malformed", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("(skipped)"), "{}", r.stderr);
    let errors: Vec<String> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{}:{}: {}",
                e["path"].as_str().unwrap_or_default(),
                e["line"],
                e["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    insta::assert_snapshot!(errors.join("\n"));
    for (file, line) in [
        (".github/workflows/broken.yml", None),
        ("infra/broken.tf", Some(3)),
        ("bad-policy.json", Some(2)),
        ("infra/heredoc.tf", Some(6)),
        ("broken-stack.yaml", None),
    ] {
        let hit = v["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["path"] == file);
        let hit = hit.unwrap_or_else(|| panic!("no error for {file}: {errors:?}"));
        if let Some(line) = line {
            assert_eq!(hit["line"], line, "{file}");
        }
        assert!(
            r.stderr.contains(&format!("zerokey: error: {file}:")),
            "stderr does not name {file}: {}",
            r.stderr
        );
    }
    // The good files next to the broken ones are still audited.
    let ids = rules(&v);
    assert!(ids.iter().any(|i| i == "excessive-permissions"), "{ids:?}");
    assert!(
        ids.iter().any(|i| i == "dynamodb-point-in-time-recovery"),
        "{ids:?}"
    );
    assert!(ids.iter().any(|i| i == "iam-wildcard-action"), "{ids:?}");
}

#[test]
fn baseline_round_trip() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let base = dir.path().join("baseline.json");
    let b = base.to_string_lossy().to_string();
    let r = audit("project", &["--write-baseline", &b]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&base).unwrap_or_default();
    assert!(!text.contains(CANARY));
    let (v, r) = json("project", &["--baseline", &b, "--fail-on-findings"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
    assert!(v["suppressed"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["kind"] == "baseline"));
}

#[test]
fn list_names_every_audit_with_its_documentation() {
    let r = audit("project", &["--list", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}"));
    let docs = v.as_array().cloned().unwrap_or_default();
    assert!(docs.len() >= 36, "{}", docs.len());
    for d in &docs {
        for k in ["id", "title", "what", "why", "example", "fix"] {
            assert!(
                !d[k].as_str().unwrap_or_default().is_empty(),
                "{k} of {}",
                d["id"]
            );
        }
    }
}

#[test]
fn audit_ids_match_file_names() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../zerokey-audit/src/audits");
    let r = audit("project", &["--list", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}"));
    for d in v.as_array().into_iter().flatten() {
        let id = d["id"].as_str().unwrap_or_default();
        let file = dir.join(format!("{}.rs", id.replace('-', "_")));
        assert!(file.is_file(), "{id}: no {}", file.display());
    }
}

#[test]
fn readme_documents_every_audit() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap_or_default();
    let r = audit("project", &["--list", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}"));
    for d in v.as_array().into_iter().flatten() {
        let id = d["id"].as_str().unwrap_or_default();
        assert!(
            readme.contains(&format!("#### `{id}`")),
            "README has no section for {id}"
        );
    }
}

#[test]
fn bad_audit_config_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("policy.json"),
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (
            "[[audit.ignore]]\nrule = \"no-such-audit\"\npath = \"*.json\"\nreason = \"x\"\n",
            "unknown audit id",
        ),
        (
            "[[audit.ignore]]\nrule = \"iam-wildcard-action\"\npath = \"*.json\"\nreason = \" \"\n",
            "reason must not be empty",
        ),
        ("[audit]\nignores = []\n", ".zerokey.toml:2"),
    ];
    for (toml, want) in cases {
        std::fs::write(dir.path().join(".zerokey.toml"), toml).unwrap_or_else(|e| panic!("{e}"));
        let out = zerokey()
            .arg("audit")
            .arg(dir.path())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{toml}: {err}");
        assert!(
            err.contains(".zerokey.toml") && err.contains(want),
            "{toml}: {err}"
        );
    }
    // A valid entry suppresses the JSON finding, with its reason.
    std::fs::write(
        dir.path().join(".zerokey.toml"),
        "[[audit.ignore]]\nrule = \"iam-wildcard-action\"\npath = \"policy.json\"\nlogical_path = \"Statement[0]\"\nreason = \"break-glass role\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = zerokey()
        .args(["audit", "--format", "json", "--only", "iam-wildcard-action"])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{v}");
    assert_eq!(v["suppressed"][0]["kind"], "config");
    assert_eq!(v["suppressed"][0]["reason"], "break-glass role");
}

/// Issue 6: the documented PyPI publishing workflow (OIDC, `id-token: write` on the publishing
/// job only, no static keys) passes the auditor, and the same workflow with a static key and
/// without `id-token: write` does not.
#[test]
fn the_docs_example_workflow_passes_the_audit() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/publish-pypi.yml");
    let out = zerokey()
        .args(["audit", "--format", "json", "--fail-on-findings"])
        .arg(&example)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["stats"]["workflows"], 1);
    assert_eq!(v["findings"], serde_json::json!([]));

    let text = std::fs::read_to_string(&example).unwrap_or_else(|e| panic!("{e}"));
    let broken = text.replace("id-token: write", "contents: read").replace(
        "      - name: Publish (PyPI token",
        "      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502\n        with:\n          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n      - name: Publish (PyPI token",
    );
    assert_ne!(broken, text);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("publish.yml");
    std::fs::write(&bad, broken).unwrap_or_else(|e| panic!("{e}"));
    let out = zerokey()
        .args(["audit", "--format", "json", "--fail-on-findings"])
        .arg(&bad)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let found = rules(&v);
    assert!(
        found.iter().any(|r| r == "static-aws-keys-in-workflow"),
        "{found:?}"
    );
}

#[test]
fn audit_exclude_skips_the_listed_folders_only() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let policy = r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    for sub in ["fixtures/bad", "infra"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(sub).join("policy.json"), policy)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // A file that cannot be parsed is reported (and fails the run with --strict) unless
    // excluded.
    std::fs::write(
        dir.path().join("fixtures/bad/broken.json"),
        "{\"Statement\": [",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = |config: &str| {
        std::fs::write(dir.path().join(".zerokey.toml"), config).unwrap_or_else(|e| panic!("{e}"));
        let out = zerokey()
            .current_dir(dir.path())
            .args(["audit", ".", "--format", "json", "--strict"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        let paths: std::collections::BTreeSet<String> = v["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                f["locations"][0]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        (paths, out.status.code().unwrap_or(-1))
    };
    let (paths, code) = run("");
    assert_eq!(code, 2);
    assert!(paths.contains("fixtures/bad/policy.json"), "{paths:?}");
    let (paths, code) = run("[audit]\nexclude = [\"fixtures/\"]\n");
    assert_eq!(code, 0);
    let policies: Vec<_> = paths.iter().filter(|p| p.ends_with(".json")).collect();
    assert_eq!(policies, ["infra/policy.json"]);
}

#[test]
fn nothing_readable_is_exit_2_even_without_strict() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("legacy.tf"),
        "variable \"x\" {\n  default = \n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = zerokey()
        .arg("audit")
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("legacy.tf:"), "{err}");
}
