use crate::common::run;

#[test]
fn fires() {
    let out = run("secret-echoed-in-run", "workflows/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("secret-echoed-in-run", "workflows/pass"), "");
}
