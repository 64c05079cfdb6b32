use crate::common::run;

#[test]
fn lists_secrets_case_folded_without_github_token() {
    let out = run("workflow-required-secrets", "workflows/fire");
    assert!(out.contains("PYPI_TOKEN"), "{out}");
    assert!(!out.contains("GITHUB_TOKEN"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn passes_without_secrets() {
    assert_eq!(run("workflow-required-secrets", "iam/pass"), "");
}
