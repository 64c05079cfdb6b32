use crate::common::run;

#[test]
fn fires() {
    let out = run("malformed-secret-reference", "workflows/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("malformed-secret-reference", "workflows/pass"), "");
}
