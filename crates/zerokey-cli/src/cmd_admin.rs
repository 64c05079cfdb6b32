//! `zerokey admin create-user NAME` (password from stdin, stored as an argon2id hash),
//! `create-token NAME [--name N] [--expires-in 30d]` (prints a new API token once, as the last
//! word of its output; only its SHA-256 hash is stored), `list-tokens [USER] [--format json]`
//! (metadata only, never a token or a hash), `revoke-token ID` and `delete-user NAME` (its
//! sessions, tokens and connections end at once; its audit rows stay), through
//! `zerokey_broker::admin`. All open the broker's database like `serve`, and each change is an
//! audit event (`admin.*`, client `zerokey admin`).

use crate::Exit;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal, Write};
use zeroize::Zeroize;
use zerokey_broker::store::now_ms;
use zerokey_broker::{admin, validate};

/// Flags of `zerokey admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a broker user; the password is read from stdin (asked twice on a terminal).
    CreateUser(CreateUserArgs),
    /// Create an API token for a user and print it once (only its hash is stored).
    CreateToken(CreateTokenArgs),
    /// List API tokens (id, name, user, created, last used, expires, revoked); never a token.
    ListTokens(ListTokensArgs),
    /// Revoke an API token by id: it stops working at once.
    RevokeToken(RevokeTokenArgs),
    /// Delete a user: their sessions, tokens and connections end at once; audit rows stay.
    DeleteUser(DeleteUserArgs),
}

/// The broker database, as `zerokey serve` takes it.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// Database URL: `sqlite://FILE` (created on first use) or `postgres://…`.
    #[arg(
        long,
        env = crate::env::ZEROKEY_DATABASE_URL,
        default_value = "sqlite://zerokey.db"
    )]
    pub database: String,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// Login name (1-64 characters of letters, digits, `.`, `_`, `-`).
    pub name: String,
    #[command(flatten)]
    pub db: DatabaseArg,
}

#[derive(Debug, Args)]
pub struct CreateTokenArgs {
    /// The user the token acts as.
    #[arg(value_name = "USER")]
    pub user: String,
    /// A name to tell tokens apart (e.g. `ci`, `laptop`).
    #[arg(long = "name", visible_alias = "label", default_value = "cli")]
    pub token_name: String,
    /// Lifetime: `30d`, `12h`, `1w`, ... or `never`. The default is the operator's
    /// `ZEROKEY_TOKEN_EXPIRY` (also `zerokey serve --token-expiry`), else 90 days.
    #[arg(long, env = crate::env::ZEROKEY_TOKEN_EXPIRY, default_value = "90d")]
    pub expires_in: String,
    #[command(flatten)]
    pub db: DatabaseArg,
}

/// How `list-tokens` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// One aligned line per token.
    Text,
    /// A JSON array.
    Json,
}

#[derive(Debug, Args)]
pub struct ListTokensArgs {
    /// Only this user's tokens (default: everyone's).
    #[arg(value_name = "USER")]
    pub user: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[command(flatten)]
    pub db: DatabaseArg,
}

#[derive(Debug, Args)]
pub struct RevokeTokenArgs {
    /// The token's id (from `list-tokens`).
    pub id: String,
    #[command(flatten)]
    pub db: DatabaseArg,
}

#[derive(Debug, Args)]
pub struct DeleteUserArgs {
    /// Login name of the user to delete.
    pub name: String,
    #[command(flatten)]
    pub db: DatabaseArg,
}

pub fn run(args: AdminArgs) -> Result<Exit> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut out = std::io::stdout().lock();
    rt.block_on(async {
        match args.command {
            AdminCommand::CreateUser(a) => {
                validate::user_name(&a.name).map_err(anyhow::Error::msg)?;
                let pw = read_password(&a.name)?;
                let user = admin::create_user(&a.db.database, &a.name, pw).await?;
                writeln!(out, "created user {} (id {})", user.name, user.id)
                    .context("writing to stdout")?;
            }
            AdminCommand::CreateToken(a) => {
                let new =
                    admin::create_token(&a.db.database, &a.user, &a.token_name, &a.expires_in)
                        .await?;
                new.write(&a.token_name, &mut out)
                    .context("writing the token to stdout")?;
            }
            AdminCommand::ListTokens(a) => {
                let tokens = admin::list_tokens(&a.db.database, a.user.as_deref()).await?;
                match a.format {
                    ListFormat::Json => admin::tokens_json(&tokens, now_ms(), &mut out),
                    ListFormat::Text => admin::tokens_text(&tokens, now_ms(), &mut out),
                }
                .context("writing to stdout")?;
            }
            AdminCommand::RevokeToken(a) => {
                let (t, revoked) = admin::revoke_token(&a.db.database, &a.id).await?;
                let msg = if revoked {
                    "revoked"
                } else {
                    "was already revoked"
                };
                writeln!(out, "token {} ({} of {}) {msg}", t.id, t.name, t.user_name)
                    .context("writing to stdout")?;
            }
            AdminCommand::DeleteUser(a) => {
                let user = admin::delete_user(&a.db.database, &a.name).await?;
                writeln!(
                    out,
                    "deleted user {} (id {}): sessions, tokens and connections ended; audit rows kept",
                    user.name, user.id
                )
                .context("writing to stdout")?;
            }
        }
        anyhow::Ok(Exit::Clean)
    })
}

/// Reads the password: one line from stdin, or asked twice without echo on a terminal.
fn read_password(name: &str) -> Result<SecretString> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = prompt_hidden(&format!("Password for {name}: "))?;
        let second = prompt_hidden("Again: ")?;
        if first.expose_secret() != second.expose_secret() {
            bail!("the two passwords differ; nothing was created");
        }
        return Ok(first);
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let pw = SecretString::from(line.trim_end_matches(['\r', '\n']).to_string());
    line.zeroize();
    if pw.expose_secret().is_empty() {
        bail!("no password on stdin (pipe it in: `printf '%s\\n' \"$PW\" | zerokey admin create-user NAME`)");
    }
    Ok(pw)
}

fn prompt_hidden(prompt: &str) -> Result<SecretString> {
    use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
    let stdin = std::io::stdin();
    eprint!("{prompt}");
    let saved = tcgetattr(&stdin).context("reading the terminal settings")?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    tcsetattr(&stdin, SetArg::TCSANOW, &quiet).context("turning echo off")?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let _ = tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    eprintln!();
    read.context("reading the password")?;
    let pw = SecretString::from(line.trim_end_matches(['\r', '\n']).to_string());
    line.zeroize();
    Ok(pw)
}
