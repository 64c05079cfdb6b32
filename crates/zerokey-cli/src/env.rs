//! Every environment variable zerokey reads, in one place.

/// Log filter for stderr diagnostics (`tracing` env-filter syntax, e.g. `debug`).
pub const ZEROKEY_LOG: &str = "ZEROKEY_LOG";
/// Disables colour when set to any value (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// Broker API token for `zerokey exec --connection` (bearer; never logged).
pub const ZEROKEY_TOKEN: &str = "ZEROKEY_TOKEN";
/// Bearer token that the broker's `/metrics` requires (read by `zerokey serve`; never logged).
pub const ZEROKEY_METRICS_TOKEN: &str = "ZEROKEY_METRICS_TOKEN";
/// Web identity token file (AWS SDK convention; EKS, other CI systems).
pub const AWS_WEB_IDENTITY_TOKEN_FILE: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";
/// GitHub Actions: URL of the job's OIDC token endpoint (set with `id-token: write`).
pub const ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// GitHub Actions: bearer token for that endpoint.
pub const ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
/// `true` inside GitHub Actions.
pub const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
/// GitHub Actions run id, used in the default role session name.
pub const GITHUB_RUN_ID: &str = "GITHUB_RUN_ID";
/// GitLab CI: the commit the pipeline runs for (named in `--format gitlab` reports).
pub const CI_COMMIT_SHA: &str = "CI_COMMIT_SHA";
