//! The `zerokey` binary: parses flags, sets up logging, runs a subcommand and maps the
//! outcome to an exit code (0 clean, 1 findings with `--fail-on-findings`, 2 error).

mod args;
mod cmd_admin;
mod cmd_attest;
mod cmd_audit;
mod cmd_credential_process;
mod cmd_exec;
mod cmd_keys;
mod cmd_oidc;
mod cmd_rules;
mod cmd_scan;
mod cmd_serve;
mod config;
mod env;
mod harden;
mod output;
mod role;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: scans allocate per file and per match, and
/// glibc's malloc and its returning of pages to the kernel were a sixth of a scan of a large
/// tree (see the README's benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing found, nothing failed.
    Clean = 0,
    /// Findings, and the user asked to fail on them.
    Findings = 1,
    /// Usage, configuration or I/O error.
    Error = 2,
}

fn main() -> ExitCode {
    // The launcher of `exec`'s child: dies with its parent, then becomes the command.
    let mut argv = std::env::args_os().skip(1);
    if argv.next().as_deref() == Some(std::ffi::OsStr::new(zerokey_broker::reap::LAUNCHER_ARG)) {
        let rest: Vec<std::ffi::OsString> = argv.collect();
        return ExitCode::from(zerokey_broker::reap::launch(&rest));
    }
    let cli = args::Cli::parse();
    if !matches!(cli.command, args::Command::Serve(_)) {
        init_tracing(&cli.global);
    }
    if matches!(
        cli.command,
        args::Command::Serve(_)
            | args::Command::Exec(_)
            | args::Command::Oidc(_)
            | args::Command::CredentialProcess(_)
    ) {
        harden::no_core_dumps();
    }
    let result = match cli.command {
        args::Command::Scan(a) => cmd_scan::run(*a, &cli.global),
        args::Command::Rules(a) => cmd_rules::run(a),
        args::Command::Attest(a) => cmd_attest::run(*a, &cli.global),
        args::Command::Serve(a) => cmd_serve::run(*a),
        args::Command::Admin(a) => cmd_admin::run(a),
        args::Command::Keys(a) => cmd_keys::run(a),
        args::Command::Audit(a) => cmd_audit::run(*a, &cli.global),
        args::Command::Exec(a) => return child_exit(cmd_exec::run(*a)),
        args::Command::CredentialProcess(a) => cmd_credential_process::run(*a),
        args::Command::Oidc(a) => return child_exit(cmd_oidc::run(*a)),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("zerokey: error: {err:#}");
            ExitCode::from(Exit::Error as u8)
        }
    }
}

/// Exit code of a command that runs a child: the child's own (0-255), or 2 for our errors.
fn child_exit(result: anyhow::Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("zerokey: error: {err:#}");
            ExitCode::from(Exit::Error as u8)
        }
    }
}

fn init_tracing(global: &args::Global) {
    use tracing_subscriber::EnvFilter;
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = std::env::var(env::ZEROKEY_LOG)
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
