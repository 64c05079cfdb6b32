//! One module per audit: fixtures that must fire and fixtures that must not.
#![allow(clippy::panic)]

mod common;

mod cross_account_trust_without_external_id;
mod env_file_tracked;
mod excessive_permissions;
mod gitignore_env;
mod iam_not_action;
mod iam_wildcard_action;
mod id_token_write_workflow_wide;
mod malformed_input;
mod malformed_secret_reference;
mod missing_license;
mod missing_security_policy;
mod oidc_trust_subject;
mod oidc_trust_without_audience;
mod oidc_without_id_token_permission;
mod secret_echoed_in_run;
mod secrets_in_pull_request_target;
mod static_aws_keys_in_workflow;
mod workflow_required_secrets;
