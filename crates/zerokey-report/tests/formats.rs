//! Every renderer over the same findings: SARIF validates against the official 2.1.0 schema,
//! JSON follows the contract, Markdown summarises, and suppressed findings are listed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zerokey_core::stats::{PathError, Skipped, Stats};
use zerokey_core::{
    Confidence, Finding, RuleSet, Severity, Suppressed, SuppressionKind, Validation,
};
use zerokey_report::{render, Format, RenderOptions, Report};

fn finding(rule: &str, path: &str, line: usize, commit: Option<&str>) -> Finding {
    Finding {
        rule_id: rule.into(),
        rule_name: format!("{rule} name"),
        severity: Severity::Critical,
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

fn render_to_string(format: Format) -> String {
    let set = RuleSet::builtin().unwrap();
    let rules: Vec<_> = set.rules().iter().collect();
    let findings = vec![
        finding("github-pat-classic", "src/a b.sh", 3, None),
        finding(
            "aws-access-key-id",
            "deploy/x.env",
            1,
            Some("a".repeat(40).as_str()),
        ),
        Finding {
            location: Some("app.db:users[rowid=3].api_key".into()),
            ..finding("slack-bot-token", "app.db", 1, None)
        },
    ];
    let suppressed = vec![
        Suppressed {
            kind: SuppressionKind::Inline,
            finding: finding("npm-access-token", ".npmrc", 1, None),
        },
        Suppressed {
            kind: SuppressionKind::Baseline,
            finding: finding("pypi-token", ".pypirc", 3, None),
        },
    ];
    let stats = Stats {
        files: 10,
        bytes: 1234,
        blobs: 10,
        suppressed: 2,
        errors: 1,
        ..Stats::default()
    };
    let errors = vec![PathError {
        path: "locked.txt".into(),
        message: "Permission denied (os error 13)".into(),
    }];
    let skipped = vec![Skipped {
        path: "image.tar!layer.tar.gz".into(),
        reason: "compression ratio above 100 (--archive-max-ratio)".into(),
    }];
    let report = Report {
        findings: &findings,
        suppressed: &suppressed,
        stats: &stats,
        errors: &errors,
        skipped: &skipped,
        rules: &rules,
        tool_version: "0.1.0",
    };
    let mut out = Vec::new();
    render(format, &report, RenderOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&render_to_string(Format::Sarif)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &doc["runs"][0];
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 40);
    let rule = &run["tool"]["driver"]["rules"][0];
    assert!(rule["properties"]["security-severity"].is_string());
    assert!(rule["help"]["text"].is_string());
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(
        results[0]["partialFingerprints"]["zerokey/v1"],
        "0123456789abcdef0123456789abcdef"
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/a%20b.sh"
    );
    // A database cell: the file is the artifact, the cell its logical location.
    let cell = &results[2]["locations"][0];
    assert_eq!(
        cell["physicalLocation"]["artifactLocation"]["uri"],
        "app.db"
    );
    assert_eq!(
        cell["logicalLocations"][0]["fullyQualifiedName"],
        "app.db:users[rowid=3].api_key"
    );
    assert_eq!(results[3]["suppressions"][0]["kind"], "inSource");
    assert_eq!(results[4]["suppressions"][0]["kind"], "external");
}

#[test]
fn json_lists_findings_suppressed_stats_and_errors() {
    let doc: serde_json::Value = serde_json::from_str(&render_to_string(Format::Json)).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3);
    assert_eq!(doc["findings"][0].get("location"), None);
    assert_eq!(
        doc["findings"][2]["location"],
        "app.db:users[rowid=3].api_key"
    );
    assert_eq!(doc["findings"][2]["path"], "app.db");
    assert_eq!(doc["skipped"][0]["path"], "image.tar!layer.tar.gz");
    assert_eq!(doc["findings"][0]["commit"], serde_json::Value::Null);
    assert_eq!(doc["findings"][1]["date"], "2026-11-23T07:00:00Z");
    assert_eq!(doc["suppressed"][0]["kind"], "inline");
    assert_eq!(doc["suppressed"][1]["rule_id"], "pypi-token");
    assert_eq!(doc["stats"]["suppressed"], 2);
    assert_eq!(doc["errors"][0]["path"], "locked.txt");
}

#[test]
fn markdown_has_summary_and_findings() {
    let md = render_to_string(Format::Markdown);
    insta::assert_snapshot!(md);
}
