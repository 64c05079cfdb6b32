//! Building SDK clients: one place that reads the endpoint variables and sets timeouts.
//!
//! `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_STS`) wins over `AWS_ENDPOINT_URL`,
//! and `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` turns both off, as every AWS SDK does.
//! Clients built from [`load_config`] get the same behaviour from `aws-config` itself.

use crate::AwsCredentials;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::time::Duration;

/// The services zerokey builds clients for by hand (without a loaded `SdkConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// AWS Security Token Service.
    Sts,
    /// AWS Secrets Manager.
    SecretsManager,
}

impl Service {
    /// The service-specific endpoint variable (the SDKs' `AWS_ENDPOINT_URL_<SERVICE_ID>`).
    pub fn endpoint_var(self) -> &'static str {
        match self {
            Service::Sts => "AWS_ENDPOINT_URL_STS",
            Service::SecretsManager => "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        }
    }
}

/// The endpoint to use for `service`, read from `env` (the process environment in
/// [`endpoint_url`]); `None` means AWS's own.
pub fn endpoint_url_from(service: Service, env: impl Fn(&str) -> Option<String>) -> Option<String> {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    set(service.endpoint_var()).or_else(|| set("AWS_ENDPOINT_URL"))
}

/// [`endpoint_url_from`] the process environment.
pub fn endpoint_url(service: Service) -> Option<String> {
    endpoint_url_from(service, |name| std::env::var(name).ok())
}

/// Region used when neither a flag nor `AWS_REGION`/`AWS_DEFAULT_REGION` gives one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A region (from `--region` or the environment) that is not a region name.
#[derive(Debug, thiserror::Error)]
#[error("--region {0:?}: not an AWS region name (e.g. us-east-1)")]
pub struct BadRegion(pub String);

/// `flag`, else `AWS_REGION`, else `AWS_DEFAULT_REGION` of `env` (empty values skipped),
/// else [`DEFAULT_REGION`]; checked to look like a region name.
pub fn region_from(
    flag: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<String, BadRegion> {
    let region = flag
        .map(str::to_string)
        .or_else(|| {
            ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .iter()
                .find_map(|v| env(v).filter(|s| !s.is_empty()))
        })
        .unwrap_or_else(|| DEFAULT_REGION.to_string());
    let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    if region.is_empty() || region.len() > 32 || !region.bytes().all(ok) {
        return Err(BadRegion(region));
    }
    Ok(region)
}

/// [`region_from`] the process environment.
pub fn region_from_env(flag: Option<&str>) -> Result<String, BadRegion> {
    region_from(flag, |name| std::env::var(name).ok())
}

/// Connect and per-attempt timeouts of every client zerokey builds.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(30))
        .build()
}

/// The standard configuration: provider chain (environment, profile, web identity,
/// container, instance), region (`region`, else the chain's), endpoints and timeouts.
/// With `profile`, that profile of the shared config files is used instead of `AWS_PROFILE`.
pub async fn load_config(region: Option<&str>, profile: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts());
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_string()));
    }
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    loader.load().await
}

/// An STS client for `region`, signing with `creds` (or unsigned, for
/// AssumeRoleWithWebIdentity, when `None`).
pub fn sts(region: &str, creds: Option<&AwsCredentials>) -> aws_sdk_sts::Client {
    let mut config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(region.to_string()))
        .timeout_config(timeouts());
    if let Some(c) = creds {
        config = config.credentials_provider(c.to_sdk());
    }
    if let Some(url) = endpoint_url(Service::Sts) {
        config = config.endpoint_url(url);
    }
    aws_sdk_sts::Client::from_conf(config.build())
}

/// A Secrets Manager client for `region`, signing with `creds`.
pub fn secrets_manager(region: &str, creds: &AwsCredentials) -> aws_sdk_secretsmanager::Client {
    let mut config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .region(aws_sdk_secretsmanager::config::Region::new(
            region.to_string(),
        ))
        .timeout_config(timeouts())
        .credentials_provider(creds.to_sdk());
    if let Some(url) = endpoint_url(Service::SecretsManager) {
        config = config.endpoint_url(url);
    }
    aws_sdk_secretsmanager::Client::from_conf(config.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_service_variable_wins_over_the_general_one() {
        let e = env(&[
            ("AWS_ENDPOINT_URL", "http://all:1"),
            ("AWS_ENDPOINT_URL_STS", "http://sts:2"),
        ]);
        assert_eq!(
            endpoint_url_from(Service::Sts, &e).as_deref(),
            Some("http://sts:2")
        );
        assert_eq!(
            endpoint_url_from(Service::SecretsManager, &e).as_deref(),
            Some("http://all:1")
        );
    }

    #[test]
    fn ignore_configured_endpoints_and_empty_values() {
        let e = env(&[
            ("AWS_ENDPOINT_URL", "http://all:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
        ]);
        assert_eq!(endpoint_url_from(Service::Sts, &e), None);
        let e = env(&[("AWS_ENDPOINT_URL_STS", " "), ("AWS_ENDPOINT_URL", "")]);
        assert_eq!(endpoint_url_from(Service::Sts, &e), None);
    }

    #[test]
    fn region_flag_then_environment_then_default() {
        let e = env(&[("AWS_REGION", ""), ("AWS_DEFAULT_REGION", "eu-west-1")]);
        assert_eq!(region_from(None, &e).ok().as_deref(), Some("eu-west-1"));
        assert_eq!(
            region_from(Some("ap-south-2"), &e).ok().as_deref(),
            Some("ap-south-2")
        );
        let e = env(&[
            ("AWS_REGION", "us-west-2"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ]);
        assert_eq!(region_from(None, &e).ok().as_deref(), Some("us-west-2"));
        assert_eq!(
            region_from(None, env(&[])).ok().as_deref(),
            Some(DEFAULT_REGION)
        );
    }

    #[test]
    fn region_names_are_checked() {
        let err = region_from(Some("EU WEST"), env(&[]))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("--region \"EU WEST\": not an AWS region name (e.g. us-east-1)")
        );
        assert!(region_from(Some(""), env(&[])).is_err());
        assert!(region_from(Some(&"a".repeat(33)), env(&[])).is_err());
        let e = env(&[("AWS_REGION", "eu_west_1")]);
        assert!(region_from(None, &e).is_err());
    }
}
