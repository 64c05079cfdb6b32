use crate::common::run;

#[test]
fn fires() {
    let out = run("no-secret-scanning-in-ci", "repo/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("no-secret-scanning-in-ci", "repo/pass"), "");
}
