//! Command-line flags. Raw flags are turned into library options in each `cmd_*` module;
//! the libraries never see clap.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
pub use zerokey_scan::config::parse_size;

/// zerokey: use AWS without storing AWS keys, and prove that no key leaked.
#[derive(Debug, Parser)]
#[command(name = "zerokey", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct Global {
    /// More diagnostics on stderr (-v info, -vv debug). ZEROKEY_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr; no summary, no progress.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour in text output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find credentials in files, directories and stdin; never prints a secret.
    Scan(Box<ScanArgs>),
    /// List the detection rules.
    Rules(RulesArgs),
    /// Prove a broker stores no credential: scan its database, logs, data and temp dirs.
    Attest(Box<AttestArgs>),
    /// The broker web service: S3 through per-request AssumeRole, storing only roleArn +
    /// externalId.
    Serve(Box<ServeArgs>),
    /// Broker administration: users and API tokens.
    Admin(crate::cmd_admin::AdminArgs),
    /// Access key hygiene and incident response: report, disable, incident, rotate.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Audit workflows, IAM policies and the repository for credential-handling mistakes.
    Audit(Box<AuditArgs>),
    /// Run a command with temporary AWS credentials of a role in its environment only (or
    /// behind a local container credential endpoint that refreshes them: --ecs-server).
    Exec(Box<crate::cmd_exec::ExecArgs>),
    /// Print a role's temporary credentials as `credential_process` JSON, for ~/.aws/config.
    CredentialProcess(Box<crate::cmd_credential_process::CredentialProcessArgs>),
    /// CI without long-lived secrets: OIDC token -> role -> Secrets Manager -> one command.
    Oidc(Box<crate::cmd_oidc::OidcArgs>),
}

/// `zerokey keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Every IAM user's access keys with age, status and last use; flags old, unused and doubled keys.
    Report(KeysReportArgs),
    /// Set an access key Inactive (never deletes); a dry run without --yes.
    Disable(KeysDisableArgs),
    /// What an access key did: CloudTrail timeline, unusual activity, next steps.
    Incident(KeysIncidentArgs),
    /// Create a new access key for USER, deliver it once, then deactivate the old key.
    Rotate(KeysRotateArgs),
}

/// Formats of the `keys` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeysFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct KeysReportArgs {
    /// Keys older than this must be rotated (e.g. 90d).
    #[arg(long, default_value = "90d", value_parser = zerokey_keys::duration::parse)]
    pub max_age: time::Duration,
    /// Active keys unused for longer than this are flagged (e.g. 45d).
    #[arg(long, default_value = "45d", value_parser = zerokey_keys::duration::parse)]
    pub unused_after: time::Duration,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = KeysFormat::Text)]
    pub format: KeysFormat,
    /// Read an IAM credential report CSV instead of calling IAM (offline).
    #[arg(long, value_name = "FILE")]
    pub credential_report: Option<PathBuf>,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when anything is flagged.
    #[arg(long)]
    pub fail_on_findings: bool,
}

#[derive(Debug, Args)]
pub struct KeysDisableArgs {
    /// The access key id (AKIA…).
    pub access_key_id: String,
    /// The owning user (found from the key if not given).
    #[arg(long)]
    pub user: Option<String>,
    /// Really do it; without this, only show what would happen.
    #[arg(long)]
    pub yes: bool,
    /// Also append the audit line (JSON) to FILE.
    #[arg(long, env = crate::env::ZEROKEY_AUDIT_LOG, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeysIncidentArgs {
    /// The access key id (AKIA… or ASIA…).
    pub access_key_id: String,
    /// How far back to look (e.g. 7d, 36h).
    #[arg(long, default_value = "7d", value_parser = zerokey_keys::duration::parse)]
    pub since: time::Duration,
    /// Read CloudTrail log files from s3://bucket/prefix instead of LookupEvents.
    #[arg(long, value_name = "S3_URL")]
    pub trail_bucket: Option<String>,
    /// Regions the key normally works in (comma-separated; default: the configured region).
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub expected_regions: Vec<String>,
    /// Stop after this many events.
    #[arg(long, default_value_t = 10_000)]
    pub max_events: usize,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = KeysFormat::Text)]
    pub format: KeysFormat,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    /// The IAM user whose key is replaced.
    pub user: String,
    /// Really do it; without this, only show what would happen.
    #[arg(long)]
    pub yes: bool,
    /// Store the new key in this Secrets Manager secret (SecretString JSON) instead of showing it.
    #[arg(long, value_name = "NAME")]
    pub to_secret: Option<String>,
    /// Show the new secret even though stdout is not a terminal.
    #[arg(long, conflicts_with = "to_secret")]
    pub show_secret: bool,
    /// Longest time both keys stay active; confirming on stdin ends it sooner (0s: at once).
    #[arg(long, default_value = "15m", value_parser = zerokey_keys::duration::parse)]
    pub grace: time::Duration,
    /// If the user already has two keys and one is Inactive, delete that one to make room.
    #[arg(long)]
    pub delete_inactive: bool,
    /// Also append audit lines (JSON) to FILE.
    #[arg(long, env = crate::env::ZEROKEY_AUDIT_LOG, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
    Markdown,
}

/// `zerokey scan --format`: the shared formats plus GitLab's secret-detection report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
    Sarif,
    Markdown,
    Gitlab,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads stdin. With --git or --staged: repositories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Scan the git history of each PATH: every blob reachable from all refs, once; each
    /// finding names the commit that introduced it.
    #[arg(long, conflicts_with = "staged")]
    pub git: bool,
    /// With --git: walk only from REF (a branch, tag or commit) instead of all refs.
    #[arg(long, value_name = "REF", requires = "git")]
    pub branch: Option<String>,
    /// With --git: only commits not reachable from REV (what was introduced since REV).
    #[arg(long, value_name = "REV", requires = "git")]
    pub since: Option<String>,
    /// With --git: only the N newest commits (what they introduced).
    #[arg(long, value_name = "N", requires = "git")]
    pub max_commits: Option<usize>,
    /// Scan what is staged for commit (the index), for pre-commit hooks.
    #[arg(long)]
    pub staged: bool,
    /// Output format (`gitlab`: GitLab's secret-detection report, for
    /// `artifacts:reports:secret_detection`).
    #[arg(short, long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when anything is found.
    #[arg(long, visible_alias = "fail-on-violations")]
    pub fail_on_findings: bool,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// Skip files larger than this (e.g. 500K, 64M, 1G) [default: 256M].
    #[arg(long, env = crate::env::ZEROKEY_MAX_FILE_SIZE, value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Follow symbolic links.
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip files ignored by .gitignore (by default everything but .git/ is scanned).
    #[arg(long)]
    pub respect_gitignore: bool,
    /// Do not scan paths matching GLOB (repeatable; e.g. 'vendor/**', '*.min.js').
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Use this config file instead of the nearest .zerokey.toml.
    #[arg(
        long,
        env = crate::env::ZEROKEY_CONFIG,
        value_name = "FILE",
        conflicts_with = "no_config"
    )]
    pub config: Option<PathBuf>,
    /// Ignore .zerokey.toml files.
    #[arg(long)]
    pub no_config: bool,
    /// Suppress findings whose fingerprints are in FILE (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the fingerprints of all findings to FILE, for use with --baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Only run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub only_rules: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub disable_rules: Vec<String>,
    /// Check AWS key pairs found with STS GetCallerIdentity (honours AWS_ENDPOINT_URL) and
    /// mark them live or invalid. Off by default; nothing else is ever sent anywhere.
    #[arg(long)]
    pub verify: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Do not open zip, tar, gzip files and image tarballs (they are skipped as binary).
    #[arg(long)]
    pub no_archives: bool,
    /// Do not scan SQLite databases (they are skipped as binary).
    #[arg(long)]
    pub no_databases: bool,
    /// Most archives nested in one another (an archive file is depth 1) [default: 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub archive_max_depth: Option<u64>,
    /// Most bytes decompressed from one archive file, at every level [default: 4G].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub archive_max_bytes: Option<u64>,
    /// Highest decompressed/compressed ratio of a gzip stream or zip member [default: 100].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub archive_max_ratio: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Folder (or single file) to audit.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// List the audits and exit.
    #[arg(long)]
    pub list: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when anything is found.
    #[arg(long, visible_alias = "fail-on-violations")]
    pub fail_on_findings: bool,
    /// Exit 2 when any file cannot be parsed (by default such a file is reported and
    /// skipped, and exit 2 means nothing at all could be read).
    #[arg(long)]
    pub strict: bool,
    /// Report only findings of at least this severity.
    #[arg(long, value_enum)]
    pub min_severity: Option<SeverityArg>,
    /// Only run these audits (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub only: Vec<String>,
    /// Do not run these audits (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub disable: Vec<String>,
    /// Suppress findings whose fingerprints are in FILE.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the fingerprints of all findings to FILE.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Largest policy or configuration file audited (e.g. 500K, 64M); a larger one is an
    /// error naming it [default: 16M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Use this config file instead of the nearest `.zerokey.toml`.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore `.zerokey.toml`.
    #[arg(long)]
    pub no_config: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format: text (rules and services per family, and a total), json (every rule with
    /// its service, family, severity, confidence, keywords, validators and references) or
    /// markdown (the table of services covered, as in the README).
    #[arg(short, long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
    /// With text output: also list every rule (id, severity, service, name).
    #[arg(long)]
    pub list: bool,
}

/// Formats `zerokey rules` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

/// Formats `zerokey attest` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AttestFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct AttestArgs {
    /// The broker's database: a SQLite file (`sqlite:PATH` or a path; opened read-only, never
    /// created) or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (read in one read-only snapshot).
    #[arg(long, value_name = "URL")]
    pub database: String,
    /// The broker's log directory (repeatable).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Vec<PathBuf>,
    /// The broker's data directory (repeatable).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Vec<PathBuf>,
    /// The temp directory to check (default: the system's, e.g. $TMPDIR or /tmp); only
    /// entries owned by the user running attest are scanned.
    #[arg(long, value_name = "DIR", conflicts_with = "no_temp_dir")]
    pub temp_dir: Option<PathBuf>,
    /// Do not scan the temp directory.
    #[arg(long)]
    pub no_temp_dir: bool,
    /// More files or directories to scan.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AttestFormat::Text)]
    pub format: AttestFormat,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads for the file scan (default: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// Skip files larger than this (e.g. 500K, 64M, 1G) [default: 256M]; reported as a note.
    #[arg(long, value_parser = parse_size)]
    pub max_file_size: Option<u64>,
}

/// Flags of `zerokey serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = crate::env::ZEROKEY_LISTEN, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database URL: `sqlite://FILE` (created on first start) or `postgres://…` (several
    /// instances behind a load balancer share it, and their rate limits).
    #[arg(
        long,
        env = crate::env::ZEROKEY_DATABASE_URL,
        default_value = "sqlite://zerokey.db"
    )]
    pub database: String,
    /// AssumeRole session length in seconds (900-43200); also the longest `exec` session.
    #[arg(long, env = crate::env::ZEROKEY_SESSION_SECONDS, default_value_t = 3600,
          value_parser = clap::value_parser!(u32).range(900..=43200))]
    pub session_seconds: u32,
    /// Largest object uploaded or downloaded through the broker (e.g. 100M, 5G).
    #[arg(long, env = crate::env::ZEROKEY_MAX_OBJECT_SIZE, default_value = "100M",
          value_parser = parse_size)]
    pub max_object_size: u64,
    /// Redis URL for rate-limit counters shared by every instance (e.g. redis://127.0.0.1:6379).
    /// Without it, PostgreSQL stores share counters through the database; SQLite counts in process.
    #[arg(long, env = crate::env::ZEROKEY_REDIS_URL)]
    pub redis: Option<String>,
    /// API requests per minute per user.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_per_user: u32,
    /// API requests per minute per client address.
    #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_per_addr: u32,
    /// Login attempts per minute per client address (per user name and address: half of it,
    /// at least 1).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_rate: u32,
    /// `/healthz`, `/readyz` and `/metrics` requests per minute per client address (counted in
    /// this process).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub probe_rate: u32,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key. SIGHUP
    /// reloads both files.
    #[arg(
        long,
        env = crate::env::ZEROKEY_TLS_CERT,
        requires = "tls_key",
        value_name = "FILE"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(
        long,
        env = crate::env::ZEROKEY_TLS_KEY,
        requires = "tls_cert",
        value_name = "FILE"
    )]
    pub tls_key: Option<PathBuf>,
    /// Serve `/metrics` (plain HTTP) on this address of its own, e.g. 127.0.0.1:9090. Without
    /// it or a metrics token, metrics are not served.
    #[arg(long, env = crate::env::ZEROKEY_METRICS_LISTEN, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// File holding the bearer token `/metrics` requires (else ZEROKEY_METRICS_TOKEN). With a
    /// token, `/metrics` is also served on the main listener.
    #[arg(long, env = crate::env::ZEROKEY_METRICS_TOKEN_FILE, value_name = "FILE")]
    pub metrics_token_file: Option<PathBuf>,
    /// Behind a reverse proxy: take the client address from X-Forwarded-For and TLS from
    /// X-Forwarded-Proto. Only when the proxy sets (and overwrites) both.
    #[arg(long, env = crate::env::ZEROKEY_TRUST_PROXY)]
    pub trust_proxy: bool,
    /// The public URL users reach; `https://…` marks the session cookie Secure and sends
    /// Strict-Transport-Security.
    #[arg(long, env = crate::env::ZEROKEY_PUBLIC_URL)]
    pub public_url: Option<String>,
    /// Directory of the scripts `POST /api/exec` may run (by file name; nothing runs if unset).
    #[arg(long, env = crate::env::ZEROKEY_EXEC_DIR)]
    pub exec_dir: Option<std::path::PathBuf>,
    /// Seconds after which an exec'd script and its whole process group are killed.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub exec_timeout: u64,
    /// Bytes of stdout and of stderr kept per run (the rest is dropped, `truncated: true`).
    #[arg(long, default_value = "64K", value_parser = parse_size)]
    pub exec_max_output: u64,
    /// Scripts running at once per user (429 above).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub exec_per_user: u32,
    /// Default lifetime of API tokens created without one (`POST /api/tokens`, the web UI's
    /// Tokens page, `zerokey admin create-token`): `30d`, `12h`, ... or `never`.
    #[arg(long, env = crate::env::ZEROKEY_TOKEN_EXPIRY, default_value = "90d",
          value_parser = parse_token_expiry)]
    pub token_expiry: TokenExpiry,
    /// File whose bytes key the sign-in form's CSRF binding (at least 32 bytes, e.g. from
    /// `head -c 32 /dev/urandom`); give several instances the same file. Default: a random
    /// key per process (a form shown before a restart must be reloaded).
    #[arg(long, env = crate::env::ZEROKEY_CSRF_KEY_FILE)]
    pub csrf_key_file: Option<std::path::PathBuf>,
    /// Log filter (env-filter syntax); ZEROKEY_LOG overrides.
    #[arg(long, default_value = "info")]
    pub log: String,
}

/// A token lifetime flag (`None`: never expires).
#[derive(Debug, Clone, Copy)]
pub struct TokenExpiry(pub Option<Duration>);

fn parse_token_expiry(s: &str) -> Result<TokenExpiry, String> {
    zerokey_broker::auth::token::parse_lifetime(s).map(TokenExpiry)
}
