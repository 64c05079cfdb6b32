use crate::common::run;

#[test]
fn fires() {
    let out = run("iam-not-action", "iam/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("iam-not-action", "iam/pass"), "");
}
