use crate::common::run;
use zerokey_audit::{audit_path, AuditOptions};

#[test]
fn fires() {
    let out = run("iam-wildcard-action", "iam/fire");
    assert!(!out.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    assert_eq!(run("iam-wildcard-action", "iam/pass"), "");
    assert_eq!(run("iam-wildcard-action", "cfn/pass"), "");
}

/// Regression (aws-cloudformation-templates): the default KMS key policy, `kms:*` to the key's
/// own account root, was reported as a wildcard grant; it only delegates to IAM. The same
/// statement for another account's root still fires.
#[test]
fn key_policy_kms_star_to_own_account_root_is_not_a_wildcard_grant() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let statement = |sid: &str, principal: &str| {
        format!(
            "          - Sid: {sid}\n            Effect: Allow\n            Principal:\n              AWS: {principal}\n            Action: kms:*\n            Resource: \"*\"\n"
        )
    };
    let template = format!(
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n{}{}{}",
        statement("Own", "!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root"),
        statement("OwnRole", "!Sub arn:aws:iam::${AWS::AccountId}:role/admin"),
        statement("Other", "arn:aws:iam::111122223333:root"),
    );
    std::fs::write(d.path().join("key.yaml"), template).unwrap_or_else(|e| panic!("{e}"));
    let opts = AuditOptions {
        only: vec!["iam-wildcard-action".into()],
        ..AuditOptions::default()
    };
    let got: Vec<String> = audit_path(d.path(), &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .findings
        .iter()
        .filter_map(|f| f.primary().map(|l| l.logical_path.clone()))
        .collect();
    assert_eq!(
        got,
        [
            "Resources.Key.Properties.KeyPolicy.Statement[1].Action",
            "Resources.Key.Properties.KeyPolicy.Statement[2].Action"
        ],
        "{got:?}"
    );
}
