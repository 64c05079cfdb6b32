//! Every environment variable zerokey reads, in one place.

/// Log filter for stderr diagnostics (`tracing` env-filter syntax, e.g. `debug`).
pub const ZEROKEY_LOG: &str = "ZEROKEY_LOG";
/// Disables colour when set to any value (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// Broker API token for `zerokey exec --connection` (bearer; never logged), read by the
/// broker client.
#[allow(unused_imports)]
pub use zerokey_broker::client::ZEROKEY_TOKEN;
/// Bearer token that the broker's `/metrics` requires (read by `zerokey serve`; never logged).
pub const ZEROKEY_METRICS_TOKEN: &str = "ZEROKEY_METRICS_TOKEN";
/// GitHub Actions' `GITHUB_ACTIONS` (`true` inside it) and `GITHUB_RUN_ID` (in the default
/// role session name of `zerokey oidc`), read by the library.
#[allow(unused_imports)]
pub use zerokey_aws::oidc_role::{GITHUB_ACTIONS, GITHUB_RUN_ID};
/// The OIDC token sources of `zerokey oidc` (`AWS_WEB_IDENTITY_TOKEN_FILE`, GitHub Actions'
/// `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`), read by the library.
#[allow(unused_imports)]
pub use zerokey_aws::oidc_token::{
    ACTIONS_ID_TOKEN_REQUEST_TOKEN, ACTIONS_ID_TOKEN_REQUEST_URL, AWS_WEB_IDENTITY_TOKEN_FILE,
};
/// GitLab CI: the commit the pipeline runs for (named in `--format gitlab` reports).
pub const CI_COMMIT_SHA: &str = "CI_COMMIT_SHA";
