//! The child runner of `zerokey exec` and `zerokey oidc` (the broker's `POST /api/exec` runs
//! scripts with [`crate::exec`], on the same reaper, [`crate::reap`]): builds a scrubbed
//! environment (the parent's credentials and secret-looking variables withheld, by name and by
//! the engine on values), adds the credentials meant for the child, spawns it with inherited
//! stdio (or redacting pipes), forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT and returns its exit
//! code (128+N when a signal N killed it). Nothing is written to disk.
//!
//! No process outlives the run: this process is the subreaper of the child's descendants, and
//! when the child ends (or SIGTERM/SIGHUP/SIGQUIT arrives and the child has not exited after a
//! grace period) every descendant is ended (SIGTERM, grace, SIGKILL) and reaped. The child is
//! started through the launcher (`zerokey __exec-child`) so it gets `PR_SET_PDEATHSIG(SIGKILL)`:
//! if this process is killed outright, the child dies too.

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use secrecy::{ExposeSecret, SecretString};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::signal::unix::{signal, SignalKind};
use zeroize::Zeroizing;
use zerokey_core::Matcher;

/// Variables that hold or point at credentials of the parent: never passed on, whatever their
/// value (unless `--pass-env`). The ones the child gets from us are set afresh.
pub const ALWAYS_WITHHELD: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    zerokey_core::env::AWS_WEB_IDENTITY_TOKEN_FILE,
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    zerokey_core::env::ACTIONS_ID_TOKEN_REQUEST_URL,
    zerokey_core::env::ACTIONS_ID_TOKEN_REQUEST_TOKEN,
    zerokey_core::env::ZEROKEY_TOKEN,
];

/// Variables zerokey sets for the child itself; `--pass-env` cannot override them.
pub const AWS_CHILD_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// Parts of a variable name that mark it as secret wherever they appear.
const SECRET_NAME_PARTS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "credential",
    "apikey",
    "api_key",
    "privatekey",
    "private_key",
    "accesskey",
    "access_key",
    "signingkey",
    "signing_key",
    "session_key",
    "auth_key",
    "client_key",
];

/// Whole words of a name (split on `_`, `-`, `.`) that mark it as secret.
const SECRET_NAME_WORDS: &[&str] = &["pass", "pat", "creds", "auth", "dsn", "pwd_hash", "cookie"];

/// Secret-looking names that are well-known not to hold a secret.
const HARMLESS_NAMES: &[&str] = &["SSH_AUTH_SOCK", "PWD", "OLDPWD"];

/// True if a variable's name says it holds a secret (`*_TOKEN`, `DB_PASSWORD`, `STRIPE_KEY`…).
pub fn name_looks_secret(name: &str) -> bool {
    if HARMLESS_NAMES.contains(&name) {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    if SECRET_NAME_PARTS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    let words: Vec<&str> = lower
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| SECRET_NAME_WORDS.contains(w)) {
        return true;
    }
    // `STRIPE_KEY`, `OPENAI_KEYS`: a name that ends in "key" names a key.
    matches!(words.last(), Some(&("key" | "keys")))
}

/// Why the child could not be run (its own failures are its exit code, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChildError {
    /// A variable name given by the user is not one.
    #[error(
        "{flag} {name:?}: not a valid environment variable name (letters, digits and _, not starting with a digit)"
    )]
    BadName {
        /// The flag that gave it.
        flag: String,
        /// The name.
        name: String,
    },
    /// A signal handler could not be installed.
    #[error("installing a {signal} handler")]
    Signal {
        /// The signal.
        signal: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Waiting for the child failed.
    #[error("waiting for the child")]
    Wait(#[source] std::io::Error),
}

/// Checks an environment variable name given on the command line.
pub fn validate_env_name(flag: &str, name: &str) -> Result<(), ChildError> {
    let mut bytes = name.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    if !first_ok || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(ChildError::BadName {
            flag: flag.to_string(),
            name: name.to_string(),
        });
    }
    Ok(())
}

/// The parent's environment after scrubbing.
#[derive(Debug, Default)]
pub struct ScrubbedEnv {
    /// Variables the child inherits.
    pub kept: Vec<(OsString, OsString)>,
    /// Names withheld (never their values), for the log.
    pub withheld: Vec<String>,
}

/// Scrubs `parent`: withholds [`ALWAYS_WITHHELD`], names that look secret and values in which
/// the engine finds a credential, except the names in `pass`; drops `replaced` (set by us).
pub fn scrub_env(
    parent: impl IntoIterator<Item = (OsString, OsString)>,
    pass: &[String],
    replaced: &[&str],
    matcher: &Matcher,
) -> ScrubbedEnv {
    let mut out = ScrubbedEnv::default();
    for (name, value) in parent {
        let name_str = name.to_string_lossy();
        if replaced.iter().any(|r| *r == name_str) {
            continue;
        }
        if pass.iter().any(|p| *p == name_str) {
            out.kept.push((name, value));
            continue;
        }
        let secret = ALWAYS_WITHHELD.contains(&name_str.as_ref())
            || name_looks_secret(&name_str)
            || value_looks_secret(name.as_bytes(), value.as_bytes(), matcher);
        if secret {
            out.withheld.push(name_str.into_owned());
        } else {
            out.kept.push((name, value));
        }
    }
    out.withheld.sort();
    out
}

/// True if the engine finds a credential in `NAME=value` (the name gives rules their context).
pub fn value_looks_secret(name: &[u8], value: &[u8], matcher: &Matcher) -> bool {
    if value.len() < 8 {
        return false;
    }
    let mut line = Zeroizing::new(Vec::with_capacity(name.len() + 1 + value.len()));
    line.extend_from_slice(name);
    line.push(b'=');
    line.extend_from_slice(value);
    matcher.scan(&line).iter().any(|m| !m.allowlisted)
}

pub use zerokey_core::Redactor;

/// The redactor for a child's output (the engine's one [`Redactor`]): whatever the engine
/// finds, plus exact occurrences of the values the child was given, shown as `ghp_…(40)`.
pub fn output_redactor(matcher: Arc<Matcher>, known: &[&SecretString]) -> Redactor {
    Redactor::new(matcher).with_known(known.iter().map(|s| s.expose_secret().as_bytes()))
}

/// A line longer than this is redacted and written in pieces of this size.
const MAX_LINE: usize = 1 << 20;

/// Copies `from` to `to` line by line through `redactor`. Keeps draining `from` when `to` is
/// gone (a closed stdout must not block the child).
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    redactor: Arc<Redactor>,
) {
    let mut buf: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(8192));
    let mut chunk = Zeroizing::new(vec![0u8; 8192]);
    let mut sink_ok = true;
    loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => 0,
            Ok(n) => n,
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut start = 0;
        while let Some(pos) = memchr::memchr(b'\n', &buf[start..]) {
            let end = start + pos + 1;
            if sink_ok {
                let line = redactor.redact_line(&buf[start..end]);
                sink_ok = to.write_all(&line).await.is_ok();
            }
            start = end;
        }
        buf.drain(..start);
        if buf.len() >= MAX_LINE {
            if sink_ok {
                let line = redactor.redact_line(&buf);
                sink_ok = to.write_all(&line).await.is_ok();
            }
            buf.clear();
        }
        if sink_ok {
            sink_ok = to.flush().await.is_ok();
        }
    }
    if !buf.is_empty() && sink_ok {
        let line = redactor.redact_line(&buf);
        let _ = to.write_all(&line).await;
    }
    let _ = to.flush().await;
}

/// What to run.
pub struct ChildCommand {
    /// Program (looked up on the child's `PATH`).
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// The scrubbed parent environment.
    pub env: Vec<(OsString, OsString)>,
    /// Variables set for the child on top (credentials, the secret).
    pub secrets: Vec<(String, SecretString)>,
    /// Plain variables set for the child on top (region, expiry).
    pub plain: Vec<(String, String)>,
    /// Pipe stdout/stderr through this redactor instead of inheriting them.
    pub redactor: Option<Redactor>,
}

impl std::fmt::Debug for ChildCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildCommand")
            .field("program", &self.program)
            .field("args", &self.args.len())
            .field(
                "secrets",
                &self.secrets.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Exit code for a status: the child's own, or 128+N when signal N ended it.
pub fn exit_code(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    match status.signal() {
        Some(sig) => u8::try_from((128 + sig) & 0xff).unwrap_or(1),
        None => 1,
    }
}

/// Runs `cmd` to completion and returns its exit code. 127 when the program does not exist,
/// 126 when it cannot be executed (as `env(1)` does).
pub async fn run(cmd: ChildCommand) -> Result<u8, ChildError> {
    let handler = |kind: SignalKind, name: &'static str| {
        signal(kind).map_err(|source| ChildError::Signal {
            signal: name,
            source,
        })
    };
    // Handlers first: a signal that arrives between spawn and wait is still forwarded.
    let mut sigint = handler(SignalKind::interrupt(), "SIGINT")?;
    let mut sigterm = handler(SignalKind::terminate(), "SIGTERM")?;
    let mut sighup = handler(SignalKind::hangup(), "SIGHUP")?;
    let mut sigquit = handler(SignalKind::quit(), "SIGQUIT")?;

    let ChildCommand {
        program,
        args,
        env,
        secrets,
        plain,
        redactor,
    } = cmd;
    use crate::reap;
    if let Err(e) = reap::become_subreaper() {
        tracing::warn!("cannot become the reaper of the child's descendants: {e}");
    }
    // The launcher (this binary) sets PR_SET_PDEATHSIG, then execs the program in place.
    let mut command = tokio::process::Command::new("/proc/self/exe");
    command
        .arg(reap::LAUNCHER_ARG)
        .arg(std::process::id().to_string())
        .arg(&program)
        .args(&args)
        .env_clear()
        .envs(env);
    for (k, v) in &plain {
        command.env(k, v);
    }
    for (k, v) in &secrets {
        command.env(k, v.expose_secret());
    }
    command.stdin(Stdio::inherit());
    if redactor.is_some() {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    } else {
        command.stdout(Stdio::inherit()).stderr(Stdio::inherit());
    }
    let spawned = command.spawn();
    // The command's copy of the environment goes now, before the child runs for long.
    drop(command);
    drop(secrets);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let code = match e.kind() {
                std::io::ErrorKind::NotFound => 127,
                _ => 126,
            };
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "zerokey: error: cannot run {:?}: {e}",
                    program.to_string_lossy()
                );
            }
            return Ok(code);
        }
    };
    let pid = child
        .id()
        .and_then(|p| i32::try_from(p).ok())
        .map(Pid::from_raw);
    tracing::debug!(program = %program.to_string_lossy(), pid = ?pid, "child started");

    let mut pumps = Vec::new();
    if let Some(r) = redactor {
        let r = Arc::new(r);
        if let Some(out) = child.stdout.take() {
            pumps.push(tokio::spawn(pump(out, tokio::io::stdout(), Arc::clone(&r))));
        }
        if let Some(err) = child.stderr.take() {
            pumps.push(tokio::spawn(pump(err, tokio::io::stderr(), r)));
        }
    }

    let forward = |sig: Signal| {
        if let Some(pid) = pid {
            tracing::debug!(signal = %sig, "forwarding signal to the child");
            let _ = kill(pid, sig);
        }
    };
    // After SIGTERM, SIGHUP or SIGQUIT the child gets the grace period to exit, then SIGKILL.
    // SIGINT is only forwarded (an interactive child may handle it and go on).
    let mut kill_at: Option<tokio::time::Instant> = None;
    let ending = |sig: Signal, kill_at: &mut Option<tokio::time::Instant>| {
        forward(sig);
        kill_at.get_or_insert_with(|| tokio::time::Instant::now() + reap::GRACE);
    };
    let status = loop {
        let deadline = kill_at;
        tokio::select! {
            status = child.wait() => break status.map_err(ChildError::Wait)?,
            Some(()) = sigint.recv() => forward(Signal::SIGINT),
            Some(()) = sigterm.recv() => ending(Signal::SIGTERM, &mut kill_at),
            Some(()) = sighup.recv() => ending(Signal::SIGHUP, &mut kill_at),
            Some(()) = sigquit.recv() => ending(Signal::SIGQUIT, &mut kill_at),
            () = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            } => {
                tracing::debug!("the child did not exit within the grace period: SIGKILL");
                forward(Signal::SIGKILL);
                kill_at = None;
            }
        }
    };
    // Whatever the child left behind (background jobs, double forks, `setsid`) ends now; the
    // pumps keep draining meanwhile so nothing blocks on a full pipe.
    let ended = tokio::task::spawn_blocking(|| reap::end_own_descendants(reap::GRACE))
        .await
        .unwrap_or(0);
    if ended > 0 {
        tracing::info!(ended, "ended processes the command left running");
    }
    for p in pumps {
        let _ = p.await;
    }
    Ok(exit_code(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use zerokey_core::RuleSet;

    fn matcher() -> Matcher {
        Matcher::new(&RuleSet::builtin().unwrap()).unwrap()
    }

    #[test]
    fn secret_names() {
        for n in [
            "GITHUB_TOKEN",
            "DB_PASSWORD",
            "STRIPE_KEY",
            "MY_API_KEY",
            "SMTP_PASS",
            "client_secret",
            "SENTRY_DSN",
            "NPM_AUTH",
            "GH_PAT",
        ] {
            assert!(name_looks_secret(n), "{n}");
        }
        for n in [
            "PATH",
            "HOME",
            "SSH_AUTH_SOCK",
            "PWD",
            "DBUS_SESSION_BUS_ADDRESS",
            "KEYBOARD",
            "LS_COLORS",
            "AWS_REGION",
            "PASSAGE",
        ] {
            assert!(!name_looks_secret(n), "{n}");
        }
    }

    #[test]
    fn scrub_withholds_by_name_and_value_and_honours_pass_env() {
        let m = matcher();
        let env = vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("AWS_ACCESS_KEY_ID".into(), "AKIAZ3MHQ7VXL2WRT5NB".into()),
            ("MY_API_TOKEN".into(), "plain".into()),
            (
                "BUILD_NOTE".into(),
                "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".into(),
            ),
            ("AWS_REGION".into(), "eu-west-1".into()),
        ];
        let out = scrub_env(env, &["MY_API_TOKEN".into()], &["AWS_REGION"], &m);
        let kept: Vec<_> = out.kept.iter().map(|(k, _)| k.to_string_lossy()).collect();
        assert_eq!(kept, vec!["PATH", "MY_API_TOKEN"]);
        assert_eq!(out.withheld, vec!["AWS_ACCESS_KEY_ID", "BUILD_NOTE"]);
    }

    #[test]
    fn redacts_engine_finds_and_known_values() {
        let known = SecretString::from("wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY1".to_string());
        let r = output_redactor(Arc::new(matcher()), &[&known]);
        let line = b"key=wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY1 gh=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\n";
        let out = r.redact_line(line);
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("XUtnFEMI"), "{text}");
        assert!(!text.contains("R8nT2vXq9"), "{text}");
        assert!(text.starts_with("key=wJal…(40)"), "{text}");
        assert!(text.ends_with('\n'));
        assert!(matches!(r.redact_line(b"nothing here\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn env_names() {
        assert!(validate_env_name("--env", "PYPI_TOKEN").is_ok());
        assert!(validate_env_name("--env", "1X").is_err());
        assert!(validate_env_name("--env", "A=B").is_err());
        assert!(validate_env_name("--env", "").is_err());
    }
}
