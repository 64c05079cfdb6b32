use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many(
        "role-trust",
        &[
            "iam/fire",
            "iam/trust/fire",
            "tf/fire",
            "tf/trust/fire",
            "cfn/fire",
        ],
    );
    assert!(out.contains("repository app of acme, branch main"), "{out}");
    assert!(out.contains("aud is not checked"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["iam/scoped/pass", "iam/scoped/fire"] {
        assert_eq!(run("role-trust", dir), "", "{dir}");
    }
}

#[test]
fn json_details_list_the_admitted_subjects() {
    let opts = zerokey_audit::AuditOptions {
        only: vec!["role-trust".into()],
        ..Default::default()
    };
    let o = zerokey_audit::audit_path(&crate::common::fixture("iam/trust/pass"), &opts)
        .unwrap_or_else(|e| panic!("{e}"));
    let d = o
        .findings
        .first()
        .and_then(|f| f.details.clone())
        .unwrap_or_default();
    insta::assert_json_snapshot!(d);
    assert_eq!(d["oidc"]["audiences"][0], "sts.amazonaws.com");
    assert_eq!(d["oidc"]["subjects"][0]["name_only"], false);
}
