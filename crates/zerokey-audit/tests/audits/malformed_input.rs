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
