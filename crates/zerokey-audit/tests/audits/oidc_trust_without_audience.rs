use crate::common::run;

#[test]
fn fires() {
    let out = run("oidc-trust-without-audience", "iam/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("oidc-trust-without-audience", "iam/pass"), "");
}
