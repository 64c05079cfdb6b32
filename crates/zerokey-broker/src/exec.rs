//! The runner behind `POST /api/exec`: one allowlisted script, run directly (never through a
//! shell) with a cleared environment holding only a minimal `PATH`, a region and the
//! credentials; in its own process group, ended at the timeout; output captured up to a cap and
//! redacted (the engine, plus the exact credentials it was given) before anyone sees it.
//!
//! No process outlives its run: the server is the subreaper of the scripts' descendants, and
//! when a script exits or times out, every process of its run — its descendants, its process
//! group, and processes re-parented to the server whose environment holds the run's marker or
//! access key id — gets SIGTERM, a grace period, then SIGKILL, and is reaped (see
//! [`crate::reap`]). Through the launcher the script also dies if the server is killed.

use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use zerokey_core::{Marker, Matcher, Redactor};

/// `PATH` of every child.
pub const CHILD_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Settings of the exec endpoint (from `zerokey serve --exec-dir …`).
#[derive(Debug, Clone)]
pub struct ExecConfig {
    /// The allowlisted directory (canonical). Only regular, executable files directly in it run.
    pub dir: PathBuf,
    /// Wall-clock limit; then the whole process group is killed.
    pub timeout: Duration,
    /// Bytes kept of stdout and of stderr each; the rest is counted and dropped.
    pub max_output: usize,
    /// Runs at once per user.
    pub per_user: usize,
    /// The launcher ([`crate::reap::LAUNCHER_ARG`]): a program that, given `__exec-child
    /// PARENT_PID SCRIPT ARGS…`, sets `PR_SET_PDEATHSIG` and execs the script (the `zerokey`
    /// binary, `/proc/self/exe`). Without one the script is started directly and does not die
    /// with the server.
    pub launcher: Option<PathBuf>,
}

/// Variable holding the run's marker in the script's environment: processes re-parented to
/// the server are attributed to their run by it.
pub const RUN_MARKER_VAR: &str = zerokey_core::env::ZEROKEY_EXEC_RUN;

/// Roots (script pids) of the runs going on in this process, so that ending one run never
/// touches another's processes nor reaps a child that tokio waits for.
static RUNS: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());

fn active_runs() -> Vec<i32> {
    RUNS.lock().map(|r| r.clone()).unwrap_or_default()
}

/// Why a run was refused before anything started.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExecError {
    /// Script name not allowed or not found in the directory.
    #[error("script: {0}")]
    Script(String),
    /// An argument was refused.
    #[error("args[{index}]: {why}")]
    Arg {
        /// Position.
        index: usize,
        /// Reason.
        why: String,
    },
    /// The child could not be started.
    #[error("the script could not be started")]
    Spawn,
}

/// Shell metacharacters and controls refused in arguments: nothing runs through a shell, but
/// scripts often pass their arguments on to one.
const REFUSED: &[char] = &[
    ';', '|', '&', '$', '`', '<', '>', '(', ')', '{', '}', '[', ']', '*', '?', '!', '~', '\'', '"',
    '\\', '\n', '\r', '\t', '\0', '#', '%', '^',
];

/// Checks a script name and resolves it inside `dir`: one path component of
/// `[A-Za-z0-9._-]`, not starting with `.`, a regular executable file whose real path (after
/// symlinks) is still directly in `dir`.
pub fn resolve_script(dir: &Path, name: &str) -> Result<PathBuf, ExecError> {
    if name.is_empty() || name.len() > 128 {
        return Err(ExecError::Script("must be 1-128 characters".into()));
    }
    if name.starts_with('.')
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(ExecError::Script(
            "a file name of letters, digits and ._- (no path, not starting with .)".into(),
        ));
    }
    let path = dir.join(name);
    let real = std::fs::canonicalize(&path)
        .map_err(|_| ExecError::Script(format!("{name:?} is not in the exec directory")))?;
    if real.parent() != Some(dir) {
        return Err(ExecError::Script(format!(
            "{name:?} points outside the exec directory"
        )));
    }
    let meta = std::fs::metadata(&real)
        .map_err(|_| ExecError::Script(format!("{name:?} is not in the exec directory")))?;
    use std::os::unix::fs::PermissionsExt;
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return Err(ExecError::Script(format!(
            "{name:?} is not an executable file"
        )));
    }
    Ok(real)
}

/// Checks the arguments: at most 32, each at most 1024 bytes, no shell metacharacter or
/// control character.
pub fn check_args(args: &[String]) -> Result<(), ExecError> {
    if args.len() > 32 {
        return Err(ExecError::Arg {
            index: 32,
            why: "at most 32 arguments".into(),
        });
    }
    for (index, a) in args.iter().enumerate() {
        if a.len() > 1024 {
            return Err(ExecError::Arg {
                index,
                why: "longer than 1024 bytes".into(),
            });
        }
        if let Some(c) = a.chars().find(|c| REFUSED.contains(c) || c.is_control()) {
            return Err(ExecError::Arg {
                index,
                why: format!("character {c:?} is not allowed (no shell metacharacters)"),
            });
        }
    }
    Ok(())
}

/// The credentials a child gets. Not `Clone`, not `Serialize`; zeroized on drop.
pub struct ChildCredentials {
    /// Access key id.
    pub access_key_id: SecretString,
    /// Secret access key.
    pub secret_access_key: SecretString,
    /// Session token (temporary credentials).
    pub session_token: Option<SecretString>,
    /// Region for `AWS_REGION` / `AWS_DEFAULT_REGION`.
    pub region: String,
}

impl std::fmt::Debug for ChildCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildCredentials")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// What a run produced (already redacted).
#[derive(Debug)]
pub struct RunOutcome {
    /// Exit code, when the child exited.
    pub exit_code: Option<i32>,
    /// Signal that ended it, when one did.
    pub signal: Option<i32>,
    /// Killed at the timeout.
    pub timed_out: bool,
    /// Redacted stdout (at most `max_output` bytes before redaction).
    pub stdout: String,
    /// Redacted stderr.
    pub stderr: String,
    /// True when output beyond the cap was dropped.
    pub truncated: bool,
    /// Wall time.
    pub duration: Duration,
}

/// Per-user run slots.
#[derive(Debug, Default, Clone)]
pub struct Slots {
    running: Arc<Mutex<HashMap<String, usize>>>,
}

/// A held slot; released on drop.
#[derive(Debug)]
pub struct Slot {
    slots: Slots,
    user: String,
}

impl Slots {
    /// Takes a slot for `user` unless `max` runs are already going.
    pub fn try_take(&self, user: &str, max: usize) -> Option<Slot> {
        let mut m = self.running.lock().ok()?;
        let n = m.entry(user.to_string()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            slots: self.clone(),
            user: user.to_string(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.slots.running.lock() {
            if let Some(n) = m.get_mut(&self.user) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    m.remove(&self.user);
                }
            }
        }
    }
}

async fn read_capped<R: tokio::io::AsyncRead + Unpin>(mut r: R, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    let mut truncated = false;
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                if n > room {
                    truncated = true;
                }
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    (kept, truncated)
}

/// Redacts `bytes` with the engine and hides the exact credential strings (the engine's
/// [`Redactor`], log markers).
pub fn redact(matcher: &Arc<Matcher>, bytes: &[u8], creds: &ChildCredentials) -> String {
    let mut known: Vec<&[u8]> = vec![
        creds.secret_access_key.expose_secret().as_bytes(),
        creds.access_key_id.expose_secret().as_bytes(),
    ];
    if let Some(t) = &creds.session_token {
        known.push(t.expose_secret().as_bytes());
    }
    Redactor::new(matcher.clone())
        .with_known(known)
        .with_marker(Marker::RuleId)
        .redact_text(bytes)
}

/// Runs `script` with `args` and `creds`; see the module docs.
pub async fn run(
    config: &ExecConfig,
    matcher: &Arc<Matcher>,
    script: &Path,
    args: &[String],
    creds: &ChildCredentials,
) -> Result<RunOutcome, ExecError> {
    static SUBREAPER: std::sync::Once = std::sync::Once::new();
    SUBREAPER.call_once(|| {
        if let Err(e) = crate::reap::become_subreaper() {
            tracing::warn!(error = %e, "exec: cannot become the subreaper of scripts");
        }
    });
    let marker = format!("zk-run-{}", uuid::Uuid::new_v4().simple());
    let mut cmd = match &config.launcher {
        Some(l) => {
            let mut c = tokio::process::Command::new(l);
            c.arg(crate::reap::LAUNCHER_ARG)
                .arg(std::process::id().to_string())
                .arg(script);
            c
        }
        None => tokio::process::Command::new(script),
    };
    cmd.args(args)
        .env_clear()
        .env(RUN_MARKER_VAR, &marker)
        .env("PATH", CHILD_PATH)
        .env("LANG", "C.UTF-8")
        .env("AWS_ACCESS_KEY_ID", creds.access_key_id.expose_secret())
        .env(
            "AWS_SECRET_ACCESS_KEY",
            creds.secret_access_key.expose_secret(),
        )
        .env("AWS_REGION", &creds.region)
        .env("AWS_DEFAULT_REGION", &creds.region)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .current_dir(&config.dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(t) = &creds.session_token {
        cmd.env("AWS_SESSION_TOKEN", t.expose_secret());
    }
    // The emulator (and a private endpoint) must reach the child too.
    for var in [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_S3",
    ] {
        if let Ok(v) = std::env::var(var) {
            cmd.env(var, v);
        }
    }
    let started = Instant::now();
    // Registered under the lock: another run ending meanwhile never takes this one for an
    // orphan.
    let (mut child, root) = {
        let mut runs = RUNS.lock().map_err(|_| ExecError::Spawn)?;
        let child = cmd.spawn().map_err(|e| {
            tracing::warn!(error = %e, script = %script.display(), "exec: spawn failed");
            ExecError::Spawn
        })?;
        let root = child.id().and_then(|p| i32::try_from(p).ok());
        if let Some(r) = root {
            runs.push(r);
        }
        (child, root)
    };
    drop(cmd);
    let pgid = root;
    let out = child.stdout.take();
    let err = child.stderr.take();
    let cap = config.max_output;
    let out_task = tokio::spawn(async move {
        match out {
            Some(o) => read_capped(o, cap).await,
            None => (Vec::new(), false),
        }
    });
    let err_task = tokio::spawn(async move {
        match err {
            Some(e) => read_capped(e, cap).await,
            None => (Vec::new(), false),
        }
    });
    let (status, timed_out) = match tokio::time::timeout(config.timeout, child.wait()).await {
        Ok(s) => (s.ok(), false),
        Err(_) => {
            signal_group(pgid, nix::sys::signal::Signal::SIGTERM);
            match tokio::time::timeout(crate::reap::GRACE, child.wait()).await {
                Ok(s) => (s.ok(), true),
                Err(_) => {
                    signal_group(pgid, nix::sys::signal::Signal::SIGKILL);
                    let _ = child.start_kill();
                    (child.wait().await.ok(), true)
                }
            }
        }
    };
    // Whatever the script left behind (its group, double forks, `setsid` daemons) ends now; it
    // would hold the credentials and the output pipes.
    if let Some(root) = root {
        let key = format!("AWS_ACCESS_KEY_ID={}", creds.access_key_id.expose_secret());
        let ended = tokio::task::spawn_blocking(move || end_run(root, &marker, key.as_bytes()))
            .await
            .unwrap_or(0);
        if let Ok(mut runs) = RUNS.lock() {
            runs.retain(|r| *r != root);
        }
        if ended > 0 {
            tracing::info!(ended, "exec: ended processes the script left running");
        }
    }
    let (stdout, t1) = out_task.await.unwrap_or_default();
    let (stderr, t2) = err_task.await.unwrap_or_default();
    use std::os::unix::process::ExitStatusExt;
    Ok(RunOutcome {
        exit_code: status.and_then(|s| s.code()),
        signal: status.and_then(|s| s.signal()),
        timed_out,
        stdout: redact(matcher, &stdout, creds),
        stderr: redact(matcher, &stderr, creds),
        truncated: t1 || t2,
        duration: started.elapsed(),
    })
}

fn signal_group(pgid: Option<i32>, sig: nix::sys::signal::Signal) {
    if let Some(p) = pgid {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(p), sig);
    }
}

/// Ends every process of the run whose script was `root` (already reaped): descendants of
/// this server that are in `root`'s process group, carry `marker` or `key` in their
/// environment, or descend from such a process; never the processes of another active run.
fn end_run(root: i32, marker: &str, key: &[u8]) -> usize {
    use crate::reap::{descendants, environ_contains, Proc};
    use std::collections::HashSet;
    let me = std::process::id() as i32;
    let marker = format!("{RUN_MARKER_VAR}={marker}");
    let mut known: HashSet<i32> = HashSet::new();
    let mut select = |table: &[Proc]| -> HashSet<i32> {
        let ours: HashSet<i32> = [me].into_iter().collect();
        let under_server = descendants(table, &ours);
        let others: HashSet<i32> = active_runs().into_iter().filter(|r| *r != root).collect();
        let mut excluded = descendants(table, &others);
        excluded.extend(others.iter().copied());
        for p in table {
            if !under_server.contains(&p.pid)
                || excluded.contains(&p.pid)
                || known.contains(&p.pid)
                || p.zombie
            {
                continue;
            }
            if p.pgid == root
                || environ_contains(p.pid, marker.as_bytes())
                || environ_contains(p.pid, key)
            {
                known.insert(p.pid);
            }
        }
        known.retain(|pid| table.iter().any(|p| p.pid == *pid));
        let mut picked = descendants(table, &known);
        picked.extend(known.iter().copied());
        picked.retain(|p| !excluded.contains(p));
        picked
    };
    let ended = crate::reap::end_processes(&mut select, crate::reap::GRACE);
    sweep_zombies();
    ended
}

/// Reaps exited processes re-parented to the server that no run waits for (under the run
/// registry's lock, so a script that tokio waits for is never taken).
fn sweep_zombies() {
    let Ok(runs) = RUNS.lock() else {
        return;
    };
    let me = std::process::id() as i32;
    for p in crate::reap::snapshot() {
        if p.zombie && p.ppid == me && !runs.contains(&p.pid) {
            let _ = nix::sys::wait::waitpid(
                nix::unistd::Pid::from_raw(p.pid),
                Some(nix::sys::wait::WaitPidFlag::WNOHANG),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_with_shell_metacharacters_are_refused() {
        assert!(check_args(&["--bucket".into(), "my-bucket".into(), "a=b,c".into()]).is_ok());
        for bad in [
            "a;b", "$(id)", "`id`", "a|b", "a&b", "x>y", "a\nb", "*", "~root",
        ] {
            assert!(check_args(&[bad.into()]).is_err(), "{bad}");
        }
        assert!(check_args(&vec!["a".to_string(); 33]).is_err());
    }

    #[test]
    fn script_names_stay_in_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let d = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(d.join("ok.sh"), "#!/bin/sh\necho ok\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("ok.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(d.join("noexec.sh"), "#!/bin/sh\n").unwrap();
        std::os::unix::fs::symlink("/bin/sh", d.join("out")).unwrap();
        assert!(resolve_script(&d, "ok.sh").is_ok());
        for bad in [
            "../ok.sh",
            "a/b",
            ".hidden",
            "",
            "noexec.sh",
            "out",
            "missing",
        ] {
            assert!(resolve_script(&d, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slots_limit_runs_per_user() {
        let s = Slots::default();
        let a = s.try_take("u", 1).unwrap();
        assert!(s.try_take("u", 1).is_none());
        assert!(s.try_take("v", 1).is_some());
        drop(a);
        assert!(s.try_take("u", 1).is_some());
    }
}
