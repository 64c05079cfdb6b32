//! Helpers for the `keys` tests: SDK clients on the emulator, the environment for zerokey, and
//! the canary checks on its output.

use std::collections::HashMap;

/// The secret access key zerokey is given (the emulator does not check signatures): a canary
/// that must never appear in anything zerokey prints.
pub const CALLER_SECRET: &str = "zkCanaryKeysCallerSecret0123456789abcdEF";

/// Environment pointing zerokey (aws-config) at `endpoint` with canary credentials.
pub fn env(endpoint: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "AKIAZKCANARYCALLER01".to_string()),
        ("AWS_SECRET_ACCESS_KEY", CALLER_SECRET.to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_CONFIG_FILE", "/dev/null".to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ])
}

/// Panics if stdout or stderr holds the caller's canary secret or any of `secrets`.
pub fn assert_no_secrets(out: &std::process::Output, secrets: &[&str]) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for s in secrets.iter().copied().chain([CALLER_SECRET]) {
        assert!(!s.is_empty());
        assert!(!stdout.contains(s), "stdout holds a secret: {stdout}");
        assert!(!stderr.contains(s), "stderr holds a secret: {stderr}");
    }
}

/// An SDK configuration for the emulator.
pub async fn conf(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

/// An IAM client on the emulator.
pub async fn iam(endpoint: &str) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&conf(endpoint).await)
}
