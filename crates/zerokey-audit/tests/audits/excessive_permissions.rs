use crate::common::run;

#[test]
fn fires() {
    let out = run("excessive-permissions", "workflows/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("excessive-permissions", "workflows/pass"), "");
}
