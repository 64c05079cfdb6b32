//! CloudTrail trails that are single-region or lack log-file validation, and account baselines
//! without a trail.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{is_true_or_unknown, Infra};

/// The audit.
pub struct CloudtrailConfiguration;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "cloudtrail-configuration",
    title: "CloudTrail missing, single-region or without log-file validation",
    input: "terraform, cloudformation",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    what: "For each trail (`aws_cloudtrail`, `AWS::CloudTrail::Trail`): reports `is_multi_region_trail`/`IsMultiRegionTrail` not true and `enable_log_file_validation`/`EnableLogFileValidation` not true (a variable counts as set). A Terraform folder or template that sets up account-wide services (`aws_organizations_organization`, `aws_guardduty_detector`, `aws_securityhub_account`, `aws_config_configuration_recorder`, `aws_iam_account_password_policy` and their CloudFormation types) but defines no trail is reported once as missing one (low confidence: the trail may live elsewhere).",
    why: "Credential misuse is investigated from CloudTrail; a trail that records one region misses an attacker working in another, and without log-file validation deleted or edited log files cannot be detected.",
    example: "resource \"aws_cloudtrail\" \"main\" { name = \"main\", s3_bucket_name = \"logs\" }",
    fix: "Set `is_multi_region_trail = true` and `enable_log_file_validation = true` (CloudFormation: `IsMultiRegionTrail`, `EnableLogFileValidation`), or add an organisation trail.",
};

const BASELINE: &[&str] = &[
    "aws_organizations_organization",
    "aws_guardduty_detector",
    "aws_securityhub_account",
    "aws_config_configuration_recorder",
    "aws_iam_account_password_policy",
    "AWS::GuardDuty::Detector",
    "AWS::SecurityHub::Hub",
    "AWS::Config::ConfigurationRecorder",
];

impl Audit for CloudtrailConfiguration {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        let trails: Vec<_> = i
            .of_type(&["aws_cloudtrail", "AWS::CloudTrail::Trail"])
            .collect();
        for t in &trails {
            for (tf, cfn, what, key) in [
                (
                    "is_multi_region_trail",
                    "IsMultiRegionTrail",
                    "records only its own region",
                    "multi-region",
                ),
                (
                    "enable_log_file_validation",
                    "EnableLogFileValidation",
                    "has no log-file validation",
                    "validation",
                ),
            ] {
                let v = t.attr(tf).or_else(|| t.attr(cfn));
                if is_true_or_unknown(v) {
                    continue;
                }
                let loc = match v {
                    Some(n) => t.loc_of(n, if t.attr(tf).is_some() { tf } else { cfn }),
                    None => t.loc(),
                };
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!("trail `{}` {what}", t.logical))
                        .location(loc)
                        .key(key)
                        .build(),
                );
            }
        }
        if trails.is_empty() {
            if let Some(b) = i.of_type(BASELINE).next() {
                out.push(
                    FindingBuilder::new(&DOC)
                        .severity(Severity::Low)
                        .confidence(Confidence::Low)
                        .message(format!(
                            "account-wide configuration (`{}`) without a CloudTrail trail in the same folder or template",
                            b.logical
                        ))
                        .location(b.loc())
                        .key("missing")
                        .build(),
                );
            }
        }
    }
}
