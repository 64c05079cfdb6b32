//! Operator actions on a broker database (`zerokey admin`): create a user (argon2id hash of
//! the password), create an API token (only its SHA-256 hash is stored; the token is returned
//! once), list tokens (metadata only, never a token or a hash), revoke a token, delete a user
//! (their sessions, tokens and connections end; audit rows stay). Each change is an audit
//! event (`admin.*`, client `zerokey admin`). Every action opens and closes the database.

use crate::auth::{password, token};
use crate::routes::audit::rfc3339;
use crate::store::{now_ms, AuditEvent, StoreError, TokenInfo, User};
use crate::{validate, Store};
use secrecy::{ExposeSecret, SecretString};
use std::io::{self, Write};

/// Why an admin action failed. Messages name the user or token, never a password or token.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Bad input or nothing to act on; the message says what.
    #[error("{0}")]
    Refused(String),
    /// The password cannot be hashed (e.g. its length).
    #[error("password")]
    Password(#[source] password::PasswordError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The change was made but its audit event could not be written.
    #[error("recording the audit event {action}")]
    Audit {
        /// `admin.*`.
        action: &'static str,
        /// Why.
        #[source]
        source: StoreError,
    },
}

fn refused<T>(message: String) -> Result<T, AdminError> {
    Err(AdminError::Refused(message))
}

/// Appends an audit event for an admin action on `user_id`'s account.
async fn audit(
    store: &Store,
    user_id: &str,
    action: &'static str,
    target: String,
) -> Result<(), AdminError> {
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
        .map_err(|source| AdminError::Audit { action, source })
}

/// The user named `name`, or an error saying there is none.
async fn existing_user(store: &Store, name: &str) -> Result<User, AdminError> {
    validate::user_name(name).map_err(AdminError::Refused)?;
    match store.user_by_name(name).await? {
        Some((user, _)) => Ok(user),
        None => refused(format!(
            "no user {name:?} in this database (create it with `zerokey admin create-user`)"
        )),
    }
}

/// Runs `action` on the store, closing it whatever the outcome.
async fn with_store<T>(
    database: &str,
    action: impl AsyncFnOnce(&Store) -> Result<T, AdminError>,
) -> Result<T, AdminError> {
    let store = Store::connect(database).await?;
    let result = action(&store).await;
    store.close().await;
    result
}

/// Creates user `name` with `pw` (validate the name with [`validate::user_name`] before
/// asking for the password).
pub async fn create_user(database: &str, name: &str, pw: SecretString) -> Result<User, AdminError> {
    let hash = password::hash(&pw).map_err(AdminError::Password)?;
    drop(pw);
    with_store(database, async |store| {
        let user = store.create_user(name, &hash).await?;
        audit(
            store,
            &user.id,
            "admin.create_user",
            format!("user/{}", user.name),
        )
        .await?;
        Ok(user)
    })
    .await
}

/// A token just created: shown once, never stored.
pub struct NewToken {
    /// Its id.
    pub id: String,
    /// Its owner.
    pub user: User,
    /// Expiry (Unix ms); `None` never expires.
    pub expires_at: Option<i64>,
    /// The token itself.
    pub secret: SecretString,
}

impl NewToken {
    /// The one line that shows the token: `API token ID for USER (NAME, expires …), shown
    /// once: TOKEN` (the token is the last word).
    pub fn write(&self, token_name: &str, out: &mut dyn Write) -> io::Result<()> {
        let expires = self.expires_at.map_or_else(
            || "never expires".to_string(),
            |e| format!("expires {}", rfc3339(e)),
        );
        writeln!(
            out,
            "API token {} for {} ({token_name}, {expires}), shown once: {}",
            self.id,
            self.user.name,
            self.secret.expose_secret()
        )
    }
}

/// Creates an API token named `token_name` for `user`, living `expires_in` (`30d`, `never`).
pub async fn create_token(
    database: &str,
    user: &str,
    token_name: &str,
    expires_in: &str,
) -> Result<NewToken, AdminError> {
    validate::user_name(user).map_err(AdminError::Refused)?;
    token::valid_name(token_name).map_err(|e| AdminError::Refused(format!("--{e}")))?;
    let lifetime = token::parse_lifetime(expires_in)
        .map_err(|e| AdminError::Refused(format!("--expires-in {e}")))?;
    with_store(database, async |store| {
        let user = existing_user(store, user).await?;
        let secret = token::new_token();
        let expires_at = crate::routes::tokens::expiry(lifetime);
        let id = store
            .create_token(
                &user.id,
                &token::hash(secret.expose_secret()),
                token_name,
                expires_at,
            )
            .await?;
        audit(store, &user.id, "admin.create_token", format!("token/{id}")).await?;
        Ok(NewToken {
            id,
            user,
            expires_at,
            secret,
        })
    })
    .await
}

/// Every token, or `user`'s.
pub async fn list_tokens(database: &str, user: Option<&str>) -> Result<Vec<TokenInfo>, AdminError> {
    with_store(database, async |store| {
        let user = match user {
            Some(name) => Some(existing_user(store, name).await?),
            None => None,
        };
        Ok(store
            .list_tokens(user.as_ref().map(|u| u.id.as_str()))
            .await?)
    })
    .await
}

/// Tokens as a JSON array (metadata only), status at `now` (Unix ms).
pub fn tokens_json(tokens: &[TokenInfo], now: i64, out: &mut dyn Write) -> io::Result<()> {
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
    let text = serde_json::to_string_pretty(&rows)?;
    writeln!(out, "{text}")
}

/// Tokens as aligned text, one line each under a header, status at `now` (Unix ms).
pub fn tokens_text(tokens: &[TokenInfo], now: i64, out: &mut dyn Write) -> io::Result<()> {
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
    for t in tokens {
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
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

/// Revokes token `id`; returns it and whether this call revoked it (false: it already was).
pub async fn revoke_token(database: &str, id: &str) -> Result<(TokenInfo, bool), AdminError> {
    if !validate::is_uuid(id) {
        return refused(format!(
            "{id:?}: not a token id (see `zerokey admin list-tokens`)"
        ));
    }
    with_store(database, async |store| {
        let Some(t) = store.token(id, None).await? else {
            return refused(format!("no token {id} in this database"));
        };
        let revoked = store.revoke_token(id, None).await?;
        if revoked {
            audit(
                store,
                &t.user_id,
                "admin.revoke_token",
                format!("token/{}", t.id),
            )
            .await?;
        }
        Ok((t, revoked))
    })
    .await
}

/// Deletes user `name`: their sessions, tokens and connections end; audit rows stay.
pub async fn delete_user(database: &str, name: &str) -> Result<User, AdminError> {
    with_store(database, async |store| {
        let user = existing_user(store, name).await?;
        if !store.delete_user(&user.id).await? {
            return refused(format!("user {name:?} was deleted meanwhile"));
        }
        audit(
            store,
            &user.id,
            "admin.delete_user",
            format!("user/{}", user.name),
        )
        .await?;
        Ok(user)
    })
    .await
}
