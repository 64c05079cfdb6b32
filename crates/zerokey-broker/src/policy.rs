//! IAM documents: the customer's trust policy, the least-privilege permission policy, a
//! CloudFormation template, and the per-request session policies that scope each AssumeRole
//! down to what that one request needs.

use serde_json::{json, Value};

/// Escapes IAM wildcard characters so a bucket, key or prefix matches only itself.
pub fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            c => out.push(c),
        }
    }
    out
}

/// Partition of an ARN (`aws` when unknown).
fn partition(arn: &str) -> &str {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The principal a trust policy names for the base identity: for an assumed-role session
/// (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`) the role itself.
pub fn trust_principal(caller_arn: &str) -> String {
    let parts: Vec<&str> = caller_arn.splitn(6, ':').collect();
    if parts.len() == 6 && parts[2] == "sts" {
        if let Some(rest) = parts[5].strip_prefix("assumed-role/") {
            let role = rest.split('/').next().unwrap_or(rest);
            return format!("arn:{}:iam::{}:role/{role}", parts[1], parts[4]);
        }
    }
    caller_arn.to_string()
}

/// Trust policy for the customer's role: only `principal`, only with `external_id`.
pub fn trust(principal: &str, external_id: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}}
        }]
    })
}

/// Least-privilege S3 permissions: list, read and write in `buckets` (all buckets when
/// empty), plus the bucket listing the broker shows.
pub fn permissions(partition_name: &str, buckets: &[String]) -> Value {
    let (bucket_arns, object_arns): (Vec<String>, Vec<String>) = if buckets.is_empty() {
        (
            vec![format!("arn:{partition_name}:s3:::*")],
            vec![format!("arn:{partition_name}:s3:::*/*")],
        )
    } else {
        buckets
            .iter()
            .map(|b| {
                (
                    format!("arn:{partition_name}:s3:::{b}"),
                    format!("arn:{partition_name}:s3:::{b}/*"),
                )
            })
            .unzip()
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
            {"Sid": "ListObjects", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arns},
            {"Sid": "ReadWriteObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": object_arns}
        ]
    })
}

/// A CloudFormation template creating the role with both policies.
pub fn cloudformation(
    principal: &str,
    external_id: &str,
    buckets: &[String],
    max_session: u32,
) -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Role that lets the zerokey broker access S3 in this account (external ID required)",
        "Resources": {
            "ZerokeyBrokerRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": "Assumed by the zerokey broker; requires its external ID",
                    "MaxSessionDuration": max_session.max(3600),
                    "AssumeRolePolicyDocument": trust(principal, external_id),
                    "Policies": [{
                        "PolicyName": "zerokey-s3",
                        "PolicyDocument": permissions(partition(principal), buckets)
                    }]
                }
            }
        },
        "Outputs": {
            "RoleArn": {
                "Description": "Give this ARN to zerokey (POST /api/aws/verify)",
                "Value": {"Fn::GetAtt": ["ZerokeyBrokerRole", "Arn"]}
            }
        }
    })
}

fn session(statement: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

/// Session policy for ListBuckets.
pub fn list_buckets() -> String {
    session(json!({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}))
}

/// Session policy for listing `bucket` under `prefix`.
pub fn list_objects(role_arn: &str, bucket: &str, prefix: &str) -> String {
    let mut st = json!({
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": format!("arn:{}:s3:::{}", partition(role_arn), literal(bucket)),
    });
    if !prefix.is_empty() {
        st["Condition"] = json!({"StringLike": {"s3:prefix": format!("{}*", literal(prefix))}});
    }
    session(st)
}

/// Session policy for one object operation (`s3:GetObject` or `s3:PutObject`).
pub fn object(role_arn: &str, action: &str, bucket: &str, key: &str) -> String {
    session(json!({
        "Effect": "Allow",
        "Action": action,
        "Resource": format!("arn:{}:s3:::{}/{}", partition(role_arn), literal(bucket), literal(key)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_policies_name_only_the_request() {
        let p: Value = serde_json::from_str(&object(
            "arn:aws:iam::123456789012:role/R",
            "s3:GetObject",
            "data",
            "a*b/c?.txt",
        ))
        .unwrap();
        assert_eq!(
            p["Statement"][0]["Resource"],
            "arn:aws:s3:::data/a${*}b/c${?}.txt"
        );
        let l: Value = serde_json::from_str(&list_objects(
            "arn:aws-cn:iam::123456789012:role/R",
            "data",
            "logs/",
        ))
        .unwrap();
        assert_eq!(l["Statement"][0]["Resource"], "arn:aws-cn:s3:::data");
        assert_eq!(
            l["Statement"][0]["Condition"]["StringLike"]["s3:prefix"],
            "logs/*"
        );
    }

    #[test]
    fn trust_names_the_role_of_an_assumed_role_session() {
        assert_eq!(
            trust_principal("arn:aws:sts::111122223333:assumed-role/Broker/i-123"),
            "arn:aws:iam::111122223333:role/Broker"
        );
        assert_eq!(
            trust_principal("arn:aws:iam::111122223333:user/broker"),
            "arn:aws:iam::111122223333:user/broker"
        );
        let t = trust("arn:aws:iam::111122223333:user/broker", "zk-1");
        assert_eq!(
            t["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "zk-1"
        );
    }
}
