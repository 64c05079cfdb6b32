use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many("terraform-state-unencrypted", &["state/fire"]);
    assert!(out.lines().filter(|l| !l.starts_with("== ")).count() > 0);
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["state/pass", "tf/pass", "cfn/pass"] {
        assert_eq!(run("terraform-state-unencrypted", dir), "", "{dir}");
    }
}
