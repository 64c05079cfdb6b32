use crate::common::run;

#[test]
fn fires() {
    let out = run("unpinned-requirements", "repo/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("unpinned-requirements", "repo/pass"), "");
}
