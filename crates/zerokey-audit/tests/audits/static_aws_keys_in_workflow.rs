use crate::common::run;

#[test]
fn fires() {
    let out = run("static-aws-keys-in-workflow", "workflows/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("static-aws-keys-in-workflow", "workflows/pass"), "");
}
