//! Regression: `count`-indexed references (`aws_s3_bucket.this[0].id`, `one(…[*].id)`) link
//! resources, and flags set from variables are not reported as off (found on
//! terraform-aws-modules/terraform-aws-s3-bucket).

use crate::common::run;

#[test]
fn indexed_references_and_variables_count_as_set() {
    for id in [
        "s3-bucket-encryption",
        "s3-public-access-block",
        "s3-bucket-versioning",
        "s3-bucket-lifecycle",
        "dynamodb-customer-managed-key",
        "dynamodb-point-in-time-recovery",
    ] {
        assert_eq!(run(id, "tf/module"), "", "{id}");
    }
}
