//! `--format gitlab`: GitLab's secret-detection report validates against GitLab's published
//! schema (vendored in tests/schemas/), carries only redacted values and names a commit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use time::macros::datetime;
use zerokey_core::stats::{PathError, Stats};
use zerokey_core::{
    Confidence, Finding, RuleSet, Severity, Suppressed, SuppressionKind, Validation,
};
use zerokey_report::gitlab::{self, ScanContext};
use zerokey_report::Report;

const SCHEMA: &str = include_str!("schemas/secret-detection-report-format.json");

fn finding(rule: &str, path: &str, line: usize, commit: Option<&str>) -> Finding {
    Finding {
        rule_id: rule.into(),
        rule_name: format!("{rule} name"),
        severity: Severity::High,
        confidence: Confidence::High,
        path: path.into(),
        location: None,
        line,
        column: 5,
        end_line: line,
        end_column: 44,
        commit: commit.map(str::to_string),
        date: commit.map(|_| "2026-11-23T07:00:00Z".to_string()),
        redacted: "ghp_…(40)".into(),
        fingerprint: "0123456789abcdef0123456789abcdef".into(),
        validation: Validation::OfflineValid,
        decoded: None,
        note: None,
    }
}

fn render(findings: &[Finding], errors: &[PathError], commit: Option<&str>) -> Value {
    let set = RuleSet::builtin().unwrap();
    let rules: Vec<_> = set.rules().iter().collect();
    let suppressed = vec![Suppressed {
        kind: SuppressionKind::Baseline,
        finding: finding("pypi-token", ".pypirc", 3, None),
    }];
    let stats = Stats::default();
    let report = Report {
        findings,
        suppressed: &suppressed,
        stats: &stats,
        errors,
        skipped: &[],
        rules: &rules,
        tool_version: "0.1.0",
    };
    let ctx = ScanContext {
        commit,
        start: datetime!(2026-12-07 13:58:30 UTC),
        end: datetime!(2026-12-07 14:00:00 UTC),
    };
    let mut out = Vec::new();
    gitlab::render(&report, &ctx, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn gitlab_report_validates_against_the_published_schema() {
    let findings = vec![
        finding("github-pat-classic", "src/a b.sh", 3, None),
        finding(
            "aws-access-key-id",
            "deploy/x.env",
            1,
            Some(&"a".repeat(40)),
        ),
        Finding {
            location: Some("app.db:users[rowid=3].api_key".into()),
            ..finding("slack-bot-token", "app.db", 1, None)
        },
    ];
    let doc = render(
        &findings,
        &[],
        Some("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"),
    );
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");

    assert_eq!(doc["version"], gitlab::SCHEMA_VERSION);
    assert_eq!(doc["scan"]["type"], "secret_detection");
    assert_eq!(doc["scan"]["status"], "success");
    assert_eq!(doc["scan"]["start_time"], "2026-12-07T13:58:30");
    assert_eq!(doc["scan"]["end_time"], "2026-12-07T14:00:00");
    // Suppressed findings are counted, not listed.
    assert!(doc["scan"]["messages"][0]["value"]
        .as_str()
        .unwrap()
        .starts_with("1 finding(s) suppressed"));
    let v = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["severity"], "High");
    assert_eq!(v[0]["category"], "secret_detection");
    assert_eq!(v[0]["raw_source_code_extract"], "ghp_…(40)");
    assert_eq!(v[0]["location"]["file"], "src/a b.sh");
    assert_eq!(v[0]["location"]["start_line"], 3);
    assert_eq!(v[0]["identifiers"][0]["value"], "github-pat-classic");
    assert!(v[0]["identifiers"][0]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    // A file finding names the scanned commit; a history finding its own commit.
    assert_eq!(
        v[0]["location"]["commit"]["sha"],
        "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
    );
    assert_eq!(v[1]["location"]["commit"]["sha"], "a".repeat(40));
    assert_eq!(v[1]["location"]["commit"]["date"], "2026-11-23T07:00:00Z");
    assert_eq!(
        v[2]["details"]["inner_location"]["value"],
        "app.db:users[rowid=3].api_key"
    );
    // Ids are unique within the report.
    let ids: std::collections::BTreeSet<_> = v.iter().map(|x| x["id"].to_string()).collect();
    assert_eq!(ids.len(), 3);
}

#[test]
fn gitlab_report_without_a_known_commit_still_validates() {
    let doc = render(&[finding("github-pat-classic", "a.sh", 1, None)], &[], None);
    assert!(schema_errors(&doc).is_empty());
    assert_eq!(
        doc["vulnerabilities"][0]["location"]["commit"]["sha"],
        gitlab::UNKNOWN_COMMIT
    );
}

#[test]
fn gitlab_report_with_an_unreadable_path_is_a_failed_scan() {
    let errors = vec![PathError {
        path: "locked.txt".into(),
        message: "Permission denied (os error 13)".into(),
    }];
    let doc = render(&[], &errors, None);
    assert!(schema_errors(&doc).is_empty(), "{:#?}", schema_errors(&doc));
    assert_eq!(doc["scan"]["status"], "failure");
    assert_eq!(doc["vulnerabilities"].as_array().unwrap().len(), 0);
    let messages = doc["scan"]["messages"].to_string();
    assert!(messages.contains("locked.txt"), "{messages}");
}

#[test]
fn gitlab_schema_version_matches_the_vendored_schema() {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(schema["self"]["version"], gitlab::SCHEMA_VERSION);
    assert!(gitlab::SCHEMA_URL.contains(&format!("/v{}/", gitlab::SCHEMA_VERSION)));
}

#[test]
fn gitlab_report_that_breaks_the_schema_is_caught() {
    // The check can fail: a report without the commit GitLab requires is refused.
    let mut doc = render(&[finding("github-pat-classic", "a.sh", 1, None)], &[], None);
    doc["vulnerabilities"][0]["location"]
        .as_object_mut()
        .unwrap()
        .remove("commit");
    assert!(!schema_errors(&doc).is_empty());
}
