//! What AWS actions and condition keys mean for the scope of a statement: actions that take no
//! resource-level permission (their only valid `Resource` is `*`), and conditions that narrow
//! a statement on `Resource: "*"` to some resources.
//!
//! Provenance: the AWS Service Authorization Reference, "Actions defined by <service>" tables
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_<service>.html>):
//! an action whose "Resource types" column is empty supports no resource-level permission. The
//! Amazon EC2 User Guide also states it for every `ec2:Describe*` action ("Amazon EC2
//! `ec2:Describe*` API actions do not support resource-level permissions"). Only actions checked
//! against those pages are listed; an action not listed is assumed to take resource ARNs.

use crate::models::iam::{glob_match, Condition};

/// `(action pattern, Service Authorization Reference page)`: actions with no resource type.
pub static NO_RESOURCE_LEVEL: &[(&str, &str)] = &[
    // list_amazonec2.html (and the EC2 User Guide, "Describe* ... do not support resource-level permissions")
    ("ec2:Describe*", "list_amazonec2"),
    (
        "ec2:GetInstanceTypesFromInstanceRequirements",
        "list_amazonec2",
    ),
    // list_amazonec2autoscaling.html: every Describe* action has no resource type
    ("autoscaling:Describe*", "list_amazonec2autoscaling"),
    // list_awselasticloadbalancingv2.html / list_awselasticloadbalancing.html
    (
        "elasticloadbalancing:Describe*",
        "list_awselasticloadbalancingv2",
    ),
    // list_amazonelasticcontainerregistry.html
    (
        "ecr:GetAuthorizationToken",
        "list_amazonelasticcontainerregistry",
    ),
    // list_awssecuritytokenservice.html
    ("sts:GetCallerIdentity", "list_awssecuritytokenservice"),
    // list_amazonroute53.html
    ("route53:ListHostedZones", "list_amazonroute53"),
    ("route53:ListHostedZonesByName", "list_amazonroute53"),
    ("route53:GetHostedZoneCount", "list_amazonroute53"),
    // list_amazons3.html
    ("s3:ListAllMyBuckets", "list_amazons3"),
    // list_awsidentityandaccessmanagementiam.html
    ("iam:ListRoles", "list_awsidentityandaccessmanagementiam"),
    ("iam:ListUsers", "list_awsidentityandaccessmanagementiam"),
    ("iam:ListPolicies", "list_awsidentityandaccessmanagementiam"),
    ("iam:ListGroups", "list_awsidentityandaccessmanagementiam"),
    (
        "iam:ListAccountAliases",
        "list_awsidentityandaccessmanagementiam",
    ),
    (
        "iam:GetAccountSummary",
        "list_awsidentityandaccessmanagementiam",
    ),
    (
        "iam:GetAccountPasswordPolicy",
        "list_awsidentityandaccessmanagementiam",
    ),
    // list_awskeymanagementservice.html
    ("kms:ListKeys", "list_awskeymanagementservice"),
    ("kms:ListAliases", "list_awskeymanagementservice"),
    ("kms:CreateKey", "list_awskeymanagementservice"),
    ("kms:GenerateRandom", "list_awskeymanagementservice"),
    // list_amazoncloudwatch.html
    ("cloudwatch:PutMetricData", "list_amazoncloudwatch"),
    ("cloudwatch:GetMetricData", "list_amazoncloudwatch"),
    ("cloudwatch:GetMetricStatistics", "list_amazoncloudwatch"),
    ("cloudwatch:ListMetrics", "list_amazoncloudwatch"),
    // list_awsx-ray.html
    ("xray:PutTraceSegments", "list_awsx-ray"),
    ("xray:PutTelemetryRecords", "list_awsx-ray"),
    ("xray:GetSamplingRules", "list_awsx-ray"),
    ("xray:GetSamplingTargets", "list_awsx-ray"),
    // list_amazonsqs.html, list_amazonsns.html, list_amazondynamodb.html, list_awslambda.html
    ("sqs:ListQueues", "list_amazonsqs"),
    ("sns:ListTopics", "list_amazonsns"),
    ("dynamodb:ListTables", "list_amazondynamodb"),
    ("lambda:ListFunctions", "list_awslambda"),
    // list_awssecretsmanager.html, list_awssystemsmanager.html, list_amazonresourcegrouptaggingapi.html
    ("secretsmanager:ListSecrets", "list_awssecretsmanager"),
    ("secretsmanager:GetRandomPassword", "list_awssecretsmanager"),
    ("ssm:DescribeParameters", "list_awssystemsmanager"),
    ("tag:GetResources", "list_amazonresourcegrouptaggingapi"),
];

/// True if every action `pattern` could mean takes no resource-level permission: the pattern
/// is covered by an entry of [`NO_RESOURCE_LEVEL`] (`ec2:DescribeInstances`, `ec2:Describe*`).
pub fn no_resource_level(pattern: &str) -> bool {
    let p = pattern.trim();
    NO_RESOURCE_LEVEL.iter().any(|(entry, _)| {
        if p.contains('*') || p.contains('?') {
            // A wildcard pattern counts only when it is no broader than an entry.
            entry.ends_with('*')
                && p.to_ascii_lowercase()
                    .starts_with(&entry.trim_end_matches('*').to_ascii_lowercase())
        } else {
            glob_match(entry, p)
        }
    })
}

/// Condition keys that limit which resources a statement applies to (beyond tag keys, which
/// [`narrowing`] recognises by shape).
const NARROWING_KEYS: &[&str] = &[
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "kms:GrantIsForAWSResource",
    "kms:ViaService",
    "kms:CallerAccount",
    "iam:PassedToService",
    "iam:AWSServiceName",
    "iam:PermissionsBoundary",
    "ec2:CreateAction",
    "s3:prefix",
    "secretsmanager:SecretId",
];

/// The condition that narrows a statement's resources, if any: a tag condition
/// (`aws:ResourceTag/…`, `aws:RequestTag/…`, `ec2:ResourceTag/…`) or one of a few keys that
/// name the resources or the calling service (`kms:GrantIsForAWSResource`, `kms:ViaService`,
/// `aws:ResourceAccount`, …), under a positive operator (not `…IfExists`, not a negation, not
/// `Null`, and for `Bool` only `true`).
pub fn narrowing(conditions: &[Condition]) -> Option<&Condition> {
    conditions.iter().find(|c| {
        let op = c.op.to_ascii_lowercase();
        let op = op
            .strip_prefix("forallvalues:")
            .or_else(|| op.strip_prefix("foranyvalue:"))
            .unwrap_or(&op);
        if op.ends_with("ifexists") || op.contains("not") || op == "null" {
            return false;
        }
        if op == "bool"
            && !c
                .values
                .iter()
                .all(|v| v.value.eq_ignore_ascii_case("true"))
        {
            return false;
        }
        if c.values.is_empty() || c.values.iter().any(|v| v.value.trim() == "*") {
            return false;
        }
        let key = c.key.to_ascii_lowercase();
        let tag = key
            .split_once(':')
            .is_some_and(|(_, k)| k.starts_with("resourcetag/") || k.starts_with("requesttag/"));
        tag || NARROWING_KEYS
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&c.key))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, v: &str) -> Condition {
        Condition {
            op: op.into(),
            key: key.into(),
            values: vec![crate::models::iam::Val {
                value: v.into(),
                span: 0..0,
            }],
            span: 0..0,
        }
    }

    #[test]
    fn account_level_actions() {
        assert!(no_resource_level("ec2:DescribeInstances"));
        assert!(no_resource_level("ec2:Describe*"));
        assert!(no_resource_level("EC2:describeregions"));
        assert!(no_resource_level("ecr:GetAuthorizationToken"));
        assert!(!no_resource_level("ec2:*"));
        assert!(!no_resource_level("ec2:D*"));
        assert!(!no_resource_level("ecr:BatchGetImage"));
        assert!(!no_resource_level("iam:CreateServiceLinkedRole"));
        assert!(!no_resource_level("s3:ListBucket"));
    }

    #[test]
    fn narrowing_conditions() {
        let tag = cond("StringEquals", "aws:ResourceTag/KubernetesCluster", "c1");
        assert!(narrowing(std::slice::from_ref(&tag)).is_some());
        let grant = cond("Bool", "kms:GrantIsForAWSResource", "true");
        assert!(narrowing(std::slice::from_ref(&grant)).is_some());
        for c in [
            cond("Bool", "kms:GrantIsForAWSResource", "false"),
            cond("StringNotEquals", "aws:ResourceTag/x", "y"),
            cond("StringEqualsIfExists", "aws:ResourceTag/x", "y"),
            cond("StringLike", "aws:ResourceTag/x", "*"),
            cond("Null", "aws:ResourceTag/x", "false"),
            cond("StringEquals", "aws:SourceIp", "10.0.0.0/8"),
        ] {
            assert!(narrowing(std::slice::from_ref(&c)).is_none(), "{c:?}");
        }
    }
}
