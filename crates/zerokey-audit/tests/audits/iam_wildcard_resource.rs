use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many(
        "iam-wildcard-resource",
        &["tf/fire", "cfn/fire", "iam/fire"],
    );
    assert!(out.lines().filter(|l| !l.starts_with("== ")).count() > 0);
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["tf/pass", "cfn/pass", "iam/pass"] {
        assert_eq!(run("iam-wildcard-resource", dir), "", "{dir}");
    }
}
