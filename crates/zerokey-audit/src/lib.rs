//! zerokey's auditor: models of workflows, IAM policies, Terraform and CloudFormation, and one
//! file per audit under `audits/`.
