use crate::common::{fixture, run, run_many};
use zerokey_audit::{audit_path, AuditOptions};

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

/// Regression (aws-cloudformation-templates): a bucket with no public-access block was reported
/// high as having all four flags "off"; S3 has turned them all on for every new bucket since
/// April 2023, so it relies on that default: low. A block with a flag off stays high.
#[test]
fn a_bucket_without_a_block_relies_on_the_s3_default_and_is_low() {
    let opts = AuditOptions {
        only: vec!["s3-public-access-block".into()],
        ..AuditOptions::default()
    };
    let outcome = audit_path(&fixture("tf/fire"), &opts).unwrap_or_else(|e| panic!("{e}"));
    let missing: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.message.contains("no public-access block of its own"))
        .collect();
    assert!(!missing.is_empty());
    for f in &missing {
        assert_eq!(f.severity.to_string(), "low", "{}", f.message);
        assert!(!f.message.contains("all off"), "{}", f.message);
    }
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.severity.to_string() == "high"));
}
