use crate::common::run;

#[test]
fn fires() {
    let out = run("id-token-write-workflow-wide", "workflows/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("id-token-write-workflow-wide", "workflows/pass"), "");
}
