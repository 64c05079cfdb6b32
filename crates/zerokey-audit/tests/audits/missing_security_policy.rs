use crate::common::run;

#[test]
fn fires() {
    let out = run("missing-security-policy", "repo/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("missing-security-policy", "repo/pass"), "");
}
