//! `zerokey admin create-user NAME` (password from stdin, stored as an argon2id hash) and
//! `zerokey admin create-token NAME` (prints a new API token once, as the last word of its
//! output; only its SHA-256 hash is stored). Both open the broker's database like `serve`.

use crate::Exit;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal, Write};
use zeroize::Zeroize;
use zerokey_broker::auth::{password, token};
use zerokey_broker::{validate, Store};

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
}

/// The broker database, as `zerokey serve` takes it.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// Database URL: `sqlite://FILE` (created on first use) or `postgres://…`.
    #[arg(
        long,
        env = "ZEROKEY_DATABASE_URL",
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
    pub name: String,
    /// A label to tell tokens apart (e.g. `ci`, `laptop`).
    #[arg(long, default_value = "cli")]
    pub label: String,
    #[command(flatten)]
    pub db: DatabaseArg,
}

pub fn run(args: AdminArgs) -> Result<Exit> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        match args.command {
            AdminCommand::CreateUser(a) => create_user(a).await,
            AdminCommand::CreateToken(a) => create_token(a).await,
        }
    })
}

async fn create_user(a: CreateUserArgs) -> Result<Exit> {
    validate::user_name(&a.name).map_err(anyhow::Error::msg)?;
    let pw = read_password(&a.name)?;
    let hash = password::hash(&pw).context("password")?;
    drop(pw);
    let store = Store::connect(&a.db.database).await?;
    let user = store.create_user(&a.name, &hash).await?;
    store.close().await;
    writeln!(
        std::io::stdout().lock(),
        "created user {} (id {})",
        user.name,
        user.id
    )
    .context("writing to stdout")?;
    Ok(Exit::Clean)
}

async fn create_token(a: CreateTokenArgs) -> Result<Exit> {
    validate::user_name(&a.name).map_err(anyhow::Error::msg)?;
    if a.label.is_empty()
        || a.label.len() > 64
        || !a
            .label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        bail!(
            "--label {:?}: 1-64 characters of letters, digits, `.`, `_`, `-`",
            a.label
        );
    }
    let store = Store::connect(&a.db.database).await?;
    let Some((user, _)) = store.user_by_name(&a.name).await? else {
        store.close().await;
        bail!(
            "no user {:?} in this database (create it with `zerokey admin create-user`)",
            a.name
        );
    };
    let secret = token::new_token();
    store
        .create_token(&user.id, &token::hash(secret.expose_secret()), &a.label)
        .await?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "API token for {} ({}), shown once: {}",
        user.name,
        a.label,
        secret.expose_secret()
    )
    .context("writing the token to stdout")?;
    Ok(Exit::Clean)
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
