//! `zerokey admin create-user NAME` (password from stdin, stored as an argon2id hash),
//! `create-token NAME [--name N] [--expires-in 30d]` (prints a new API token once, as the last
//! word of its output; only its SHA-256 hash is stored), `list-tokens [USER] [--format json]`
//! (metadata only, never a token or a hash), `revoke-token ID` and `delete-user NAME` (its
//! sessions, tokens and connections end at once; its audit rows stay). All open the broker's
//! database like `serve`, and each change is an audit event (`admin.*`, client `zerokey admin`).

use crate::Exit;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal, Write};
use zeroize::Zeroize;
use zerokey_broker::auth::{password, token};
use zerokey_broker::routes::audit::rfc3339;
use zerokey_broker::store::{now_ms, AuditEvent};
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
    #[arg(value_name = "USER")]
    pub user: String,
    /// A name to tell tokens apart (e.g. `ci`, `laptop`).
    #[arg(long = "name", visible_alias = "label", default_value = "cli")]
    pub token_name: String,
    /// Lifetime: `30d`, `12h`, `1w`, ... or `never`. The default is the operator's
    /// `ZEROKEY_TOKEN_EXPIRY` (also `zerokey serve --token-expiry`), else 90 days.
    #[arg(long, env = "ZEROKEY_TOKEN_EXPIRY", default_value = "90d")]
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
    rt.block_on(async {
        match args.command {
            AdminCommand::CreateUser(a) => create_user(a).await,
            AdminCommand::CreateToken(a) => create_token(a).await,
            AdminCommand::ListTokens(a) => list_tokens(a).await,
            AdminCommand::RevokeToken(a) => revoke_token(a).await,
            AdminCommand::DeleteUser(a) => delete_user(a).await,
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
    audit(
        &store,
        &user.id,
        "admin.create_user",
        format!("user/{}", user.name),
    )
    .await?;
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

/// Appends an audit event for an admin action on `user_id`'s account.
async fn audit(store: &Store, user_id: &str, action: &str, target: String) -> Result<()> {
    store
        .append_audit(&AuditEvent {
            at: now_ms(),
            user_id: Some(user_id.to_string()),
            action: action.to_string(),
            target: Some(target),
            outcome: "ok".into(),
            client_addr: Some("zerokey admin".into()),
            request_id: Some(uuid::Uuid::new_v4().to_string()),
            ..Default::default()
        })
        .await
        .with_context(|| format!("recording the audit event {action}"))
}

/// The user named `name`, or an error saying there is none.
async fn existing_user(store: &Store, name: &str) -> Result<zerokey_broker::store::User> {
    validate::user_name(name).map_err(anyhow::Error::msg)?;
    match store.user_by_name(name).await? {
        Some((user, _)) => Ok(user),
        None => {
            bail!("no user {name:?} in this database (create it with `zerokey admin create-user`)")
        }
    }
}

async fn create_token(a: CreateTokenArgs) -> Result<Exit> {
    validate::user_name(&a.user).map_err(anyhow::Error::msg)?;
    token::valid_name(&a.token_name).map_err(|e| anyhow::anyhow!("--{e}"))?;
    let lifetime =
        token::parse_lifetime(&a.expires_in).map_err(|e| anyhow::anyhow!("--expires-in {e}"))?;
    let store = Store::connect(&a.db.database).await?;
    let user = match existing_user(&store, &a.user).await {
        Ok(u) => u,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    let secret = token::new_token();
    let expires_at = zerokey_broker::routes::tokens::expiry(lifetime);
    let id = store
        .create_token(
            &user.id,
            &token::hash(secret.expose_secret()),
            &a.token_name,
            expires_at,
        )
        .await?;
    audit(
        &store,
        &user.id,
        "admin.create_token",
        format!("token/{id}"),
    )
    .await?;
    store.close().await;
    let expires = expires_at.map_or_else(
        || "never expires".to_string(),
        |e| format!("expires {}", rfc3339(e)),
    );
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "API token {id} for {} ({}, {expires}), shown once: {}",
        user.name,
        a.token_name,
        secret.expose_secret()
    )
    .context("writing the token to stdout")?;
    Ok(Exit::Clean)
}

async fn list_tokens(a: ListTokensArgs) -> Result<Exit> {
    let store = Store::connect(&a.db.database).await?;
    let user = match &a.user {
        Some(name) => match existing_user(&store, name).await {
            Ok(u) => Some(u),
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        },
        None => None,
    };
    let tokens = store
        .list_tokens(user.as_ref().map(|u| u.id.as_str()))
        .await?;
    store.close().await;
    let now = now_ms();
    let mut out = std::io::stdout().lock();
    match a.format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = tokens
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "id": t.id,
                        "name": t.name,
                        "user": t.user_name,
                        "userId": t.user_id,
                        "createdAt": rfc3339(t.created_at),
                        "lastUsedAt": t.last_used_at.map(rfc3339),
                        "expiresAt": t.expires_at.map(rfc3339),
                        "revokedAt": t.revoked_at.map(rfc3339),
                        "status": t.status(now),
                    })
                })
                .collect();
            let text = serde_json::to_string_pretty(&rows).context("encoding JSON")?;
            writeln!(out, "{text}").context("writing to stdout")?;
        }
        ListFormat::Text => {
            let opt = |v: Option<i64>| v.map_or_else(|| "-".to_string(), rfc3339);
            let mut rows = vec![[
                "ID".to_string(),
                "NAME".into(),
                "USER".into(),
                "CREATED".into(),
                "LAST USED".into(),
                "EXPIRES".into(),
                "REVOKED".into(),
                "STATUS".into(),
            ]];
            for t in &tokens {
                rows.push([
                    t.id.clone(),
                    t.name.clone(),
                    t.user_name.clone(),
                    rfc3339(t.created_at),
                    opt(t.last_used_at),
                    t.expires_at.map_or_else(|| "never".to_string(), rfc3339),
                    opt(t.revoked_at),
                    t.status(now).to_string(),
                ]);
            }
            let widths: Vec<usize> = (0..8)
                .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
                .collect();
            for r in &rows {
                let line: Vec<String> = r
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                writeln!(out, "{}", line.join("  ").trim_end()).context("writing to stdout")?;
            }
        }
    }
    Ok(Exit::Clean)
}

async fn revoke_token(a: RevokeTokenArgs) -> Result<Exit> {
    if !validate::is_uuid(&a.id) {
        bail!(
            "{:?}: not a token id (see `zerokey admin list-tokens`)",
            a.id
        );
    }
    let store = Store::connect(&a.db.database).await?;
    let Some(t) = store.token(&a.id, None).await? else {
        store.close().await;
        bail!("no token {} in this database", a.id);
    };
    let revoked = store.revoke_token(&a.id, None).await?;
    if revoked {
        audit(
            &store,
            &t.user_id,
            "admin.revoke_token",
            format!("token/{}", t.id),
        )
        .await?;
    }
    store.close().await;
    let msg = if revoked {
        "revoked"
    } else {
        "was already revoked"
    };
    writeln!(
        std::io::stdout().lock(),
        "token {} ({} of {}) {msg}",
        t.id,
        t.name,
        t.user_name
    )
    .context("writing to stdout")?;
    Ok(Exit::Clean)
}

async fn delete_user(a: DeleteUserArgs) -> Result<Exit> {
    let store = Store::connect(&a.db.database).await?;
    let user = match existing_user(&store, &a.name).await {
        Ok(u) => u,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    if !store.delete_user(&user.id).await? {
        store.close().await;
        bail!("user {:?} was deleted meanwhile", a.name);
    }
    audit(
        &store,
        &user.id,
        "admin.delete_user",
        format!("user/{}", user.name),
    )
    .await?;
    store.close().await;
    writeln!(
        std::io::stdout().lock(),
        "deleted user {} (id {}): sessions, tokens and connections ended; audit rows kept",
        user.name,
        user.id
    )
    .context("writing to stdout")?;
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
