use crate::common::run;

#[test]
fn fires() {
    let out = run("missing-license", "repo/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("missing-license", "repo/pass"), "");
}
