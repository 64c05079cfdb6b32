use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many("dynamodb-point-in-time-recovery", &["tf/fire", "cfn/fire"]);
    assert!(out.lines().filter(|l| !l.starts_with("== ")).count() > 0);
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["tf/pass", "cfn/pass"] {
        assert_eq!(run("dynamodb-point-in-time-recovery", dir), "", "{dir}");
    }
}
