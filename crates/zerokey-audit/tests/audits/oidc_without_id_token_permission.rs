use crate::common::run;

#[test]
fn fires() {
    let out = run("oidc-without-id-token-permission", "workflows/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(
        run("oidc-without-id-token-permission", "workflows/pass"),
        ""
    );
}
