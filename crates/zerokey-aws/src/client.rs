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
}
