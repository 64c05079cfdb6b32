//! One module per audit: fixtures that must fire and fixtures that must not.
#![allow(clippy::panic)]

mod common;

mod api_gateway_access_logs;
mod api_gateway_cors_wildcard;
mod api_gateway_throttling;
mod ci_static_cloud_keys;
mod cross_account_trust_without_external_id;
mod dynamodb_customer_managed_key;
mod dynamodb_point_in_time_recovery;
mod env_example_missing;
mod env_file_tracked;
mod excessive_permissions;
mod gitignore_env;
mod iam_not_action;
mod iam_privilege_escalation;
mod iam_public_principal;
mod iam_wildcard_action;
mod iam_wildcard_resource;
mod id_token_write_workflow_wide;
mod inline_suppression;
mod lambda_dead_letter_queue;
mod lambda_reserved_concurrency;
mod lambda_secret_in_environment;
mod malformed_input;
mod malformed_secret_reference;
mod missing_license;
mod missing_security_policy;
mod no_secret_scanning_in_ci;
mod oidc_trust_subject;
mod oidc_trust_without_audience;
mod oidc_without_id_token_permission;
mod s3_bucket_encryption;
mod s3_bucket_lifecycle;
mod s3_bucket_versioning;
mod s3_public_access_block;
mod secret_echoed_in_run;
mod secrets_in_pull_request_target;
mod static_aws_keys_in_workflow;
mod terraform_iam;
mod terraform_references;
mod unpinned_requirements;
mod workflow_required_secrets;
