use crate::common::run;

#[test]
fn fires() {
    let out = run("cross-account-trust-without-external-id", "iam/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(
        run("cross-account-trust-without-external-id", "iam/pass"),
        ""
    );
}
