use crate::common::run;

#[test]
fn fires() {
    let out = run("secrets-in-pull-request-target", "workflows/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("secrets-in-pull-request-target", "workflows/pass"), "");
}
