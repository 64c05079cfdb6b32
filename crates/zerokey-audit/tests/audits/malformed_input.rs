use crate::common::fixture;
use zerokey_audit::{audit_path, AuditOptions};

#[test]
fn malformed_files_are_errors_with_line_and_the_rest_is_audited() {
    let o = audit_path(&fixture("malformed"), &AuditOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let errors: Vec<String> = o.errors.iter().map(|e| e.to_string()).collect();
    insta::assert_snapshot!(errors.join("\n"));
    assert!(
        errors.iter().any(|e| e.starts_with("bad-policy.json:2:")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(".github/workflows/broken.yml:")),
        "{errors:?}"
    );
    assert!(o.findings.iter().any(|f| f.rule_id == "iam-wildcard-action"
        && f.primary()
            .is_some_and(|l| l.path == "good-policy.json" && l.line == 4)));
}

#[test]
fn unparsable_files_are_skipped_and_fail_only_when_strict_or_nothing_was_read() {
    let o = audit_path(&fixture("malformed"), &AuditOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!o.errors.is_empty());
    assert!(o.inputs_read() > 0);
    assert!(!o.failed(false), "other files were read");
    assert!(o.failed(true));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("legacy.tf"),
        "variable \"x\" {\n  default = \n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = audit_path(dir.path(), &AuditOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(o.errors.len(), 1, "{:?}", o.errors);
    assert!(o.failed(false), "nothing could be read");
}
