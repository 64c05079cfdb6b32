use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many("s3-bucket-policy-tls", &["state/fire"]);
    assert!(out.lines().filter(|l| !l.starts_with("== ")).count() > 0);
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["state/pass", "tf/pass", "cfn/pass"] {
        assert_eq!(run("s3-bucket-policy-tls", dir), "", "{dir}");
    }
}
