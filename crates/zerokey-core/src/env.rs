//! Every environment variable zerokey reads or sets, in one place. The README's
//! "Environment variables" table lists each (a test checks it); flags name these constants
//! (`#[arg(env = env::ZEROKEY_LISTEN)]`) instead of string literals.

/// Log filter for stderr diagnostics (`tracing` env-filter syntax, e.g. `debug`).
pub const ZEROKEY_LOG: &str = "ZEROKEY_LOG";
/// Disables colour when set to any value (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// Config file for `scan`/`audit` (default: `.zerokey.toml` found upwards from the first path).
pub const ZEROKEY_CONFIG: &str = "ZEROKEY_CONFIG";
/// `scan --max-file-size`.
pub const ZEROKEY_MAX_FILE_SIZE: &str = "ZEROKEY_MAX_FILE_SIZE";
/// JSON-lines audit log of `keys` and `attest` actions (`--audit-log`).
pub const ZEROKEY_AUDIT_LOG: &str = "ZEROKEY_AUDIT_LOG";

/// Broker API token for `zerokey exec --connection` (bearer; never logged).
pub const ZEROKEY_TOKEN: &str = "ZEROKEY_TOKEN";
/// Broker URL for `zerokey exec --connection` (`--server`).
pub const ZEROKEY_SERVER: &str = "ZEROKEY_SERVER";
/// Role to assume for `exec` and `oidc` (`--role-arn`).
pub const ZEROKEY_ROLE_ARN: &str = "ZEROKEY_ROLE_ARN";
/// External ID for `exec --role-arn` (`--external-id`).
pub const ZEROKEY_EXTERNAL_ID: &str = "ZEROKEY_EXTERNAL_ID";

/// `serve --listen`.
pub const ZEROKEY_LISTEN: &str = "ZEROKEY_LISTEN";
/// `serve`/`admin --database` (`sqlite://FILE` or `postgres://…`).
pub const ZEROKEY_DATABASE_URL: &str = "ZEROKEY_DATABASE_URL";
/// `serve --session-seconds`.
pub const ZEROKEY_SESSION_SECONDS: &str = "ZEROKEY_SESSION_SECONDS";
/// `serve --max-object-size`.
pub const ZEROKEY_MAX_OBJECT_SIZE: &str = "ZEROKEY_MAX_OBJECT_SIZE";
/// `serve --redis`: rate-limit counters shared by every instance.
pub const ZEROKEY_REDIS_URL: &str = "ZEROKEY_REDIS_URL";
/// `serve --tls-cert` (PEM chain).
pub const ZEROKEY_TLS_CERT: &str = "ZEROKEY_TLS_CERT";
/// `serve --tls-key` (PEM private key).
pub const ZEROKEY_TLS_KEY: &str = "ZEROKEY_TLS_KEY";
/// `serve --metrics-listen`.
pub const ZEROKEY_METRICS_LISTEN: &str = "ZEROKEY_METRICS_LISTEN";
/// `serve --metrics-token-file`.
pub const ZEROKEY_METRICS_TOKEN_FILE: &str = "ZEROKEY_METRICS_TOKEN_FILE";
/// Bearer token that the broker's `/metrics` requires (read by `zerokey serve`; never logged).
pub const ZEROKEY_METRICS_TOKEN: &str = "ZEROKEY_METRICS_TOKEN";
/// `serve --trust-proxy`.
pub const ZEROKEY_TRUST_PROXY: &str = "ZEROKEY_TRUST_PROXY";
/// `serve --public-url`.
pub const ZEROKEY_PUBLIC_URL: &str = "ZEROKEY_PUBLIC_URL";
/// `serve --exec-dir`: scripts `POST /api/exec` may run.
pub const ZEROKEY_EXEC_DIR: &str = "ZEROKEY_EXEC_DIR";
/// `serve`/`admin --token-expiry`: default API token lifetime.
pub const ZEROKEY_TOKEN_EXPIRY: &str = "ZEROKEY_TOKEN_EXPIRY";
/// `serve --csrf-key-file`.
pub const ZEROKEY_CSRF_KEY_FILE: &str = "ZEROKEY_CSRF_KEY_FILE";
/// Set by the broker in a script's environment: the run it belongs to (process attribution).
pub const ZEROKEY_EXEC_RUN: &str = "ZEROKEY_EXEC_RUN";
/// Seconds before expiry at which `exec --ecs-server` assumes the role again.
pub const ZEROKEY_ECS_REFRESH_MARGIN: &str = "ZEROKEY_ECS_REFRESH_MARGIN";
/// Set by `credential-process` while it resolves its base credentials, so a profile that
/// runs zerokey cannot make zerokey run itself again.
pub const ZEROKEY_CREDENTIAL_PROCESS_ACTIVE: &str = "ZEROKEY_CREDENTIAL_PROCESS_ACTIVE";

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

/// Every variable above with its description, for the README table and `--help` texts.
pub const ALL: &[(&str, &str)] = &[
    (
        ZEROKEY_LOG,
        "log filter for stderr diagnostics (e.g. `debug`)",
    ),
    (NO_COLOR, "any value: no colour in text output"),
    (ZEROKEY_CONFIG, "`--config`: config file for `scan`/`audit`"),
    (ZEROKEY_MAX_FILE_SIZE, "`scan --max-file-size`"),
    (ZEROKEY_AUDIT_LOG, "`--audit-log` of `keys` and `attest`"),
    (
        ZEROKEY_TOKEN,
        "broker API token for `exec --connection` (never logged)",
    ),
    (
        ZEROKEY_SERVER,
        "broker URL for `exec --connection` (`--server`)",
    ),
    (
        ZEROKEY_ROLE_ARN,
        "`--role-arn` of `exec`, `credential-process` and `oidc`",
    ),
    (
        ZEROKEY_EXTERNAL_ID,
        "`--external-id` of `exec` and `credential-process`",
    ),
    (
        ZEROKEY_ECS_REFRESH_MARGIN,
        "`exec --ecs-server --refresh-margin` (seconds)",
    ),
    (
        ZEROKEY_CREDENTIAL_PROCESS_ACTIVE,
        "set by `credential-process` for itself: a nested call is refused",
    ),
    (ZEROKEY_LISTEN, "`serve --listen`"),
    (ZEROKEY_DATABASE_URL, "`serve`/`admin --database`"),
    (ZEROKEY_SESSION_SECONDS, "`serve --session-seconds`"),
    (ZEROKEY_MAX_OBJECT_SIZE, "`serve --max-object-size`"),
    (ZEROKEY_REDIS_URL, "`serve --redis`"),
    (ZEROKEY_TLS_CERT, "`serve --tls-cert`"),
    (ZEROKEY_TLS_KEY, "`serve --tls-key`"),
    (ZEROKEY_METRICS_LISTEN, "`serve --metrics-listen`"),
    (ZEROKEY_METRICS_TOKEN_FILE, "`serve --metrics-token-file`"),
    (
        ZEROKEY_METRICS_TOKEN,
        "bearer token `/metrics` requires (never logged)",
    ),
    (ZEROKEY_TRUST_PROXY, "`serve --trust-proxy`"),
    (ZEROKEY_PUBLIC_URL, "`serve --public-url`"),
    (ZEROKEY_EXEC_DIR, "`serve --exec-dir`"),
    (ZEROKEY_TOKEN_EXPIRY, "`serve`/`admin --token-expiry`"),
    (ZEROKEY_CSRF_KEY_FILE, "`serve --csrf-key-file`"),
    (
        ZEROKEY_EXEC_RUN,
        "set by the broker in a script's environment (its run)",
    ),
    (
        AWS_WEB_IDENTITY_TOKEN_FILE,
        "`oidc`: web identity token file",
    ),
    (
        ACTIONS_ID_TOKEN_REQUEST_URL,
        "`oidc`: GitHub's OIDC token endpoint",
    ),
    (
        ACTIONS_ID_TOKEN_REQUEST_TOKEN,
        "`oidc`: bearer token for that endpoint",
    ),
    (GITHUB_ACTIONS, "`true` inside GitHub Actions"),
    (
        GITHUB_RUN_ID,
        "GitHub run id, in the default role session name",
    ),
    (
        CI_COMMIT_SHA,
        "GitLab: commit named in `--format gitlab` reports",
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_lists_every_variable() {
        let readme = include_str!("../../../README.md");
        for (name, _) in super::ALL {
            assert!(
                readme.contains(&format!("| `{name}` |")),
                "README's environment table misses {name}"
            );
        }
    }
}
