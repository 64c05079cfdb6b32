//! `# zerokey:ignore[rule-id] reason` in HCL and CloudFormation YAML, on the line of the
//! finding or the line above.

use zerokey_audit::{audit_path, AuditOptions};

#[test]
fn ignore_comments_in_terraform_and_cloudformation() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.path().join("main.tf"),
        "# zerokey:ignore[s3-bucket-lifecycle] kept forever by policy\nresource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.path().join("stack.yaml"),
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Fn:  # zerokey:ignore[lambda-reserved-concurrency,lambda-dead-letter-queue] sync only\n    Type: AWS::Lambda::Function\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let opts = AuditOptions {
        only: vec![
            "s3-bucket-lifecycle".into(),
            "lambda-reserved-concurrency".into(),
            "lambda-dead-letter-queue".into(),
        ],
        ..AuditOptions::default()
    };
    let o = audit_path(d.path(), &opts).unwrap_or_else(|e| panic!("{e}"));
    let active: Vec<String> = o
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f.rule_id,
                f.primary()
                    .map(|l| l.logical_path.clone())
                    .unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(active, ["s3-bucket-lifecycle aws_s3_bucket.b"]);
    let mut sup: Vec<(String, Option<String>)> = o
        .suppressed
        .iter()
        .map(|s| (s.finding.rule_id.clone(), s.reason.clone()))
        .collect();
    sup.sort();
    assert_eq!(
        sup,
        [
            (
                "lambda-dead-letter-queue".to_string(),
                Some("sync only".to_string())
            ),
            (
                "lambda-reserved-concurrency".to_string(),
                Some("sync only".to_string())
            ),
            (
                "s3-bucket-lifecycle".to_string(),
                Some("kept forever by policy".to_string())
            ),
        ]
    );
}
