use crate::common::run;

#[test]
fn fires() {
    let out = run("iam-wildcard-action", "iam/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("iam-wildcard-action", "iam/pass"), "");
}
