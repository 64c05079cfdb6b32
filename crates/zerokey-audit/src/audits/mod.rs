//! The audits, one file per audit whose name is the audit id with `_` for `-`. Each implements
//! only the [`Audit`] hooks for the inputs it inspects; the others are no-ops.

use crate::finding::{AuditFinding, Confidence, Severity};
use crate::models::iam::Policy;
use crate::models::infra::Infra;
use crate::models::platform::Platform;
use crate::models::repo::Repo;
use crate::models::workflow::Workflow;

pub mod api_gateway_access_logs;
pub mod api_gateway_cors_wildcard;
pub mod api_gateway_throttling;
pub mod ci_static_cloud_keys;
pub mod cloudtrail_configuration;
pub mod container_static_credentials;
pub mod cross_account_trust_without_external_id;
pub mod dynamodb_customer_managed_key;
pub mod dynamodb_point_in_time_recovery;
pub mod env_example_missing;
pub mod env_file_tracked;
pub mod excessive_permissions;
pub mod github_oidc_name_only_subject;
pub mod gitignore_env;
pub mod iam_not_action;
pub mod iam_privilege_escalation;
pub mod iam_public_principal;
pub mod iam_wildcard_action;
pub mod iam_wildcard_resource;
pub mod id_token_write_workflow_wide;
pub mod lambda_dead_letter_queue;
pub mod lambda_reserved_concurrency;
pub mod lambda_secret_in_environment;
pub mod malformed_secret_reference;
pub mod missing_license;
pub mod missing_security_policy;
pub mod no_secret_scanning_in_ci;
pub mod oidc_trust_subject;
pub mod oidc_trust_without_audience;
pub mod oidc_without_id_token_permission;
pub mod role_trust;
pub mod s3_bucket_encryption;
pub mod s3_bucket_lifecycle;
pub mod s3_bucket_policy_tls;
pub mod s3_bucket_versioning;
pub mod s3_public_access_block;
pub mod secret_echoed_in_run;
pub mod secrets_in_pull_request_target;
pub mod static_aws_keys_in_workflow;
pub mod terraform_state_unencrypted;
pub mod tfstate_tracked;
pub mod trust_condition_mistake;
pub mod unpinned_requirements;
pub mod workflow_required_secrets;

/// What an audit checks, for `zerokey audit --list`, SARIF and the README.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct AuditDoc {
    /// Stable id (never reused), equal to the file name with `-`.
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// Input kind: workflow, iam, terraform, cloudformation, container, repository.
    pub input: &'static str,
    /// Default (highest) severity.
    pub severity: Severity,
    /// Default confidence.
    pub confidence: Confidence,
    /// What it does.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// An example that fires.
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// One audit. Hooks default to no-ops, so an audit implements only what it inspects.
pub trait Audit: Send + Sync {
    /// Its documentation.
    fn doc(&self) -> &'static AuditDoc;
    /// Called once per GitHub Actions workflow.
    fn workflow(&self, _wf: &Workflow, _out: &mut Vec<AuditFinding>) {}
    /// Called once per IAM policy document (raw JSON or embedded).
    fn iam_policy(&self, _p: &Policy, _out: &mut Vec<AuditFinding>) {}
    /// Called once per Terraform folder and once per CloudFormation template.
    fn infra(&self, _i: &Infra, _out: &mut Vec<AuditFinding>) {}
    /// Called once per container or platform definition (a file, or a Terraform/CloudFormation
    /// resource), with the scanner engine.
    fn platform(
        &self,
        _p: &Platform,
        _scanner: &zerokey_core::Matcher,
        _out: &mut Vec<AuditFinding>,
    ) {
    }
    /// Called once per audited repository root.
    fn repository(&self, _r: &Repo, _out: &mut Vec<AuditFinding>) {}
}

/// Every built-in audit.
pub fn all() -> Vec<Box<dyn Audit>> {
    vec![
        Box::new(static_aws_keys_in_workflow::StaticAwsKeysInWorkflow),
        Box::new(oidc_without_id_token_permission::OidcWithoutIdTokenPermission),
        Box::new(id_token_write_workflow_wide::IdTokenWriteWorkflowWide),
        Box::new(malformed_secret_reference::MalformedSecretReference),
        Box::new(secret_echoed_in_run::SecretEchoedInRun),
        Box::new(secrets_in_pull_request_target::SecretsInPullRequestTarget),
        Box::new(excessive_permissions::ExcessivePermissions),
        Box::new(workflow_required_secrets::WorkflowRequiredSecrets),
        Box::new(iam_wildcard_action::IamWildcardAction),
        Box::new(iam_not_action::IamNotAction),
        Box::new(cross_account_trust_without_external_id::CrossAccountTrustWithoutExternalId),
        Box::new(oidc_trust_without_audience::OidcTrustWithoutAudience),
        Box::new(oidc_trust_subject::OidcTrustSubject),
        Box::new(role_trust::RoleTrust),
        Box::new(trust_condition_mistake::TrustConditionMistake),
        Box::new(github_oidc_name_only_subject::GithubOidcNameOnlySubject),
        Box::new(iam_wildcard_resource::IamWildcardResource),
        Box::new(iam_privilege_escalation::IamPrivilegeEscalation),
        Box::new(iam_public_principal::IamPublicPrincipal),
        Box::new(s3_bucket_encryption::S3BucketEncryption),
        Box::new(s3_public_access_block::S3PublicAccessBlock),
        Box::new(s3_bucket_versioning::S3BucketVersioning),
        Box::new(s3_bucket_lifecycle::S3BucketLifecycle),
        Box::new(s3_bucket_policy_tls::S3BucketPolicyTls),
        Box::new(terraform_state_unencrypted::TerraformStateUnencrypted),
        Box::new(cloudtrail_configuration::CloudtrailConfiguration),
        Box::new(dynamodb_customer_managed_key::DynamodbCustomerManagedKey),
        Box::new(dynamodb_point_in_time_recovery::DynamodbPointInTimeRecovery),
        Box::new(api_gateway_cors_wildcard::ApiGatewayCorsWildcard),
        Box::new(api_gateway_throttling::ApiGatewayThrottling),
        Box::new(api_gateway_access_logs::ApiGatewayAccessLogs),
        Box::new(lambda_reserved_concurrency::LambdaReservedConcurrency),
        Box::new(lambda_dead_letter_queue::LambdaDeadLetterQueue),
        Box::new(lambda_secret_in_environment::LambdaSecretInEnvironment),
        Box::new(container_static_credentials::ContainerStaticCredentials),
        Box::new(missing_security_policy::MissingSecurityPolicy),
        Box::new(missing_license::MissingLicense),
        Box::new(env_file_tracked::EnvFileTracked),
        Box::new(tfstate_tracked::TfstateTracked),
        Box::new(gitignore_env::GitignoreEnv),
        Box::new(env_example_missing::EnvExampleMissing),
        Box::new(unpinned_requirements::UnpinnedRequirements),
        Box::new(ci_static_cloud_keys::CiStaticCloudKeys),
        Box::new(no_secret_scanning_in_ci::NoSecretScanningInCi),
    ]
}
