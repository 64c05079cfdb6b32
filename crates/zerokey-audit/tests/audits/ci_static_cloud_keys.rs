use crate::common::run;

#[test]
fn fires() {
    let out = run("ci-static-cloud-keys", "repo/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("ci-static-cloud-keys", "repo/pass"), "");
}
