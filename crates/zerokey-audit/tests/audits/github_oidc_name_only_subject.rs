use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many(
        "github-oidc-name-only-subject",
        &["iam/trust/fire", "tf/trust/fire"],
    );
    assert!(out.contains("repo:acme/app:ref:refs/heads/main"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("github-oidc-name-only-subject", "iam/trust/pass"), "");
}
