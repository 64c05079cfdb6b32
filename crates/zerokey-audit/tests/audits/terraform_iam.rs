//! IAM policies embedded in Terraform (jsonencode, heredoc, aws_iam_policy_document) and
//! CloudFormation reach the IAM audits, with locations inside the embedding file.

use crate::common::run_many;

#[test]
fn embedded_policies_are_audited() {
    let mut out = String::new();
    for id in [
        "cross-account-trust-without-external-id",
        "oidc-trust-subject",
        "oidc-trust-without-audience",
        "iam-wildcard-action",
    ] {
        out.push_str(&format!(
            "# {id}\n{}",
            run_many(id, &["tf/fire", "cfn/fire"])
        ));
    }
    assert!(out.contains("iam.tf"), "{out}");
    assert!(out.contains("template.yaml"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn external_id_exact_sub_and_audience_pass_in_terraform_and_cloudformation() {
    for id in [
        "cross-account-trust-without-external-id",
        "oidc-trust-subject",
        "oidc-trust-without-audience",
        "iam-wildcard-action",
    ] {
        assert_eq!(
            run_many(id, &["tf/pass", "cfn/pass"]),
            "== tf/pass\n== cfn/pass\n",
            "{id}"
        );
    }
}
