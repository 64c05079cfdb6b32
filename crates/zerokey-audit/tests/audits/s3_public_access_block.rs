use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many("s3-public-access-block", &["tf/fire", "cfn/fire"]);
    assert!(out.lines().filter(|l| !l.starts_with("== ")).count() > 0);
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["tf/pass", "cfn/pass"] {
        assert_eq!(run("s3-public-access-block", dir), "", "{dir}");
    }
}

#[test]
fn the_account_block_applies_to_buckets_without_their_own() {
    let out = run("s3-public-access-block", "tf/account-block");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("main.tf:5:"), "{out}");
    assert!(
        out.contains("`restrict_public_buckets` is not true"),
        "{out}"
    );
}
