use crate::common::run;

#[test]
fn fires() {
    let out = run("env-example-missing", "repo/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("env-example-missing", "repo/pass"), "");
}
