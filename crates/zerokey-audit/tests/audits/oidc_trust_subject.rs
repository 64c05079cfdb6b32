use crate::common::run;

#[test]
fn fires() {
    let out = run("oidc-trust-subject", "iam/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("oidc-trust-subject", "iam/pass"), "");
}

#[test]
fn graded_by_breadth() {
    use zerokey_audit::{audit_path, AuditOptions};
    let opts = AuditOptions {
        only: vec!["oidc-trust-subject".into()],
        ..AuditOptions::default()
    };
    let o =
        audit_path(&crate::common::fixture("iam/fire"), &opts).unwrap_or_else(|e| panic!("{e}"));
    let sev = |file: &str| {
        o.findings
            .iter()
            .find(|f| f.primary().is_some_and(|l| l.path == file))
            .map(|f| f.severity.as_str())
    };
    assert_eq!(sev("trust-oidc-no-sub.json"), Some("critical"));
    assert_eq!(sev("trust-oidc-any-sub.json"), Some("critical"));
    assert_eq!(sev("trust-oidc-org-wildcard.json"), Some("high"));
    assert_eq!(sev("trust-oidc-repo-wildcard.json"), Some("medium"));
}
