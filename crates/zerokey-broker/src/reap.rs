//! No process outlives its run with credentials (Linux).
//!
//! A runner (`zerokey exec`, the broker's `/api/exec`) makes itself the *child subreaper*
//! (`PR_SET_CHILD_SUBREAPER`): a descendant whose parent exits (a double fork, `setsid … &`) is
//! re-parented to the runner instead of to init, so it stays findable in `/proc`. When the
//! command ends, is signalled or times out, the runner ends every descendant of the run:
//! `SIGTERM` (and `SIGCONT`), a grace period, then `SIGKILL` until none is left, and reaps them.
//!
//! The child is started through a launcher, [`LAUNCHER_ARG`] (the runner's own binary), that
//! sets `PR_SET_PDEATHSIG(SIGKILL)`, checks that its parent is still the runner (the parent may
//! have died before the `prctl`), then `execvp`s the command in the same process: if the runner
//! is killed outright (`SIGKILL`), the kernel kills the child. This needs no `unsafe` (no
//! `pre_exec`).
//!
//! Descendants are found by scanning `/proc/*/stat` (parent, process group, state); processes
//! re-parented to a runner that serves many runs are attributed to a run by their process
//! group, or by a per-run marker (or the run's access key id) in `/proc/PID/environ`.

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag};
use nix::unistd::Pid;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::time::{Duration, Instant};

/// First argument that turns the `zerokey` binary into the launcher:
/// `zerokey __exec-child PARENT_PID PROGRAM [ARGS…]`.
pub const LAUNCHER_ARG: &str = "__exec-child";

/// How long descendants get between `SIGTERM` and `SIGKILL`.
pub const GRACE: Duration = Duration::from_secs(2);

/// Makes this process the reaper of its orphaned descendants. Idempotent.
pub fn become_subreaper() -> std::io::Result<()> {
    nix::sys::prctl::set_child_subreaper(true).map_err(std::io::Error::from)
}

/// The launcher's whole job, in the child process: die with the parent, then become the
/// command. `args` are what follows [`LAUNCHER_ARG`]. Returns only on failure, with the exit
/// code to use (127: no such program, 126: cannot run it, 1: bad arguments or parent gone).
pub fn launch(args: &[OsString]) -> u8 {
    use std::os::unix::ffi::OsStrExt;
    let Some((parent, rest)) = args.split_first() else {
        return 1;
    };
    let Some(parent) = parent.to_str().and_then(|p| p.parse::<i32>().ok()) else {
        return 1;
    };
    if nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).is_err() {
        return 1;
    }
    // The parent died before the prctl: nobody would end us, so do not start.
    if nix::unistd::getppid() != Pid::from_raw(parent) {
        return 1;
    }
    let Some(program) = rest.first() else {
        return 1;
    };
    let c = |s: &OsString| std::ffi::CString::new(s.as_bytes()).ok();
    let Some(prog) = c(program) else {
        return 126;
    };
    let Some(argv) = rest.iter().map(c).collect::<Option<Vec<_>>>() else {
        return 126;
    };
    let err = match nix::unistd::execvp(&prog, &argv) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "zerokey: error: cannot run {:?}: {}",
            program.to_string_lossy(),
            std::io::Error::from(err)
        );
    }
    match err {
        nix::errno::Errno::ENOENT | nix::errno::Errno::ENOTDIR => 127,
        _ => 126,
    }
}

/// One process in `/proc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proc {
    /// Process id.
    pub pid: i32,
    /// Parent.
    pub ppid: i32,
    /// Process group.
    pub pgid: i32,
    /// Exited, not yet reaped (holds no memory nor environment).
    pub zombie: bool,
}

/// Every process in `/proc` (those that vanish while reading are left out).
pub fn snapshot() -> Vec<Proc> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if let Some(p) = parse_stat(pid, &stat) {
            out.push(p);
        }
    }
    out
}

/// `pid (comm) state ppid pgrp …`; `comm` may hold spaces and parentheses.
fn parse_stat(pid: i32, stat: &str) -> Option<Proc> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut f = after.split_ascii_whitespace();
    let state = f.next()?;
    let ppid = f.next()?.parse().ok()?;
    let pgid = f.next()?.parse().ok()?;
    Some(Proc {
        pid,
        ppid,
        pgid,
        zombie: state == "Z" || state == "X",
    })
}

/// Pids whose chain of parents reaches one of `roots` (the roots not included).
pub fn descendants(table: &[Proc], roots: &HashSet<i32>) -> HashSet<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for p in table {
        children.entry(p.ppid).or_default().push(p.pid);
    }
    let mut out = HashSet::new();
    let mut stack: Vec<i32> = roots.iter().copied().collect();
    while let Some(p) = stack.pop() {
        for &c in children.get(&p).into_iter().flatten() {
            if !roots.contains(&c) && out.insert(c) {
                stack.push(c);
            }
        }
    }
    out
}

/// True if `/proc/PID/environ` contains `needle` (as a byte string).
pub fn environ_contains(pid: i32, needle: &[u8]) -> bool {
    if needle.is_empty() {
        return false;
    }
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|env| env.windows(needle.len()).any(|w| w == needle))
}

/// Reaps zombies among `table` that are children of this process and for which `mine`
/// holds (never a child someone else waits for).
fn reap_zombies(table: &[Proc], mine: &dyn Fn(i32) -> bool) {
    let me = std::process::id() as i32;
    for p in table {
        if p.zombie && p.ppid == me && mine(p.pid) {
            let _ = waitpid(Pid::from_raw(p.pid), Some(WaitPidFlag::WNOHANG));
        }
    }
}

/// Ends the processes `select` picks from a fresh snapshot each round: `SIGTERM` and
/// `SIGCONT`, up to `grace` for them to exit, then `SIGKILL` until `select` picks none (a
/// process that forks meanwhile is caught in a later round). Zombies that are children of this
/// process and picked by `select` are reaped. Returns how many processes were signalled.
/// Blocking: call it off the async runtime's worker threads (or in a single-run process).
pub fn end_processes(select: &mut dyn FnMut(&[Proc]) -> HashSet<i32>, grace: Duration) -> usize {
    let me = std::process::id() as i32;
    let mut all: HashSet<i32> = HashSet::new();
    let pick = |select: &mut dyn FnMut(&[Proc]) -> HashSet<i32>| {
        let table = snapshot();
        let picked = select(&table);
        let mine = |pid: i32| picked.contains(&pid);
        reap_zombies(&table, &mine);
        let live: Vec<i32> = table
            .iter()
            .filter(|p| !p.zombie && p.pid != me && picked.contains(&p.pid))
            .map(|p| p.pid)
            .collect();
        live
    };
    let live = pick(select);
    if live.is_empty() {
        return 0;
    }
    for &p in &live {
        all.insert(p);
        let _ = kill(Pid::from_raw(p), Signal::SIGTERM);
        let _ = kill(Pid::from_raw(p), Signal::SIGCONT);
    }
    let deadline = Instant::now() + grace;
    let mut live = live;
    while !live.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        live = pick(select);
        for &p in &live {
            if all.insert(p) {
                // Started after the first round (a fork): it gets SIGTERM too.
                let _ = kill(Pid::from_raw(p), Signal::SIGTERM);
            }
        }
    }
    let mut rounds = 0;
    while !live.is_empty() && rounds < 500 {
        for &p in &live {
            all.insert(p);
            let _ = kill(Pid::from_raw(p), Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(10));
        live = pick(select);
        rounds += 1;
    }
    if !live.is_empty() {
        tracing::warn!(left = live.len(), "descendants still running after SIGKILL");
    }
    // Last reap: what died in the final round.
    let _ = pick(select);
    all.len()
}

/// Ends every descendant of this process (a runner that serves one run: `zerokey exec`).
pub fn end_own_descendants(grace: Duration) -> usize {
    let me = std::process::id() as i32;
    let roots: HashSet<i32> = [me].into_iter().collect();
    end_processes(&mut |t: &[Proc]| descendants(t, &roots), grace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        let p = parse_stat(42, "42 (a) b (c)) S 7 42 42 0 -1 4194560").unwrap();
        assert_eq!((p.ppid, p.pgid, p.zombie), (7, 42, false));
        let z = parse_stat(5, "5 (sh) Z 1 5 5 0").unwrap();
        assert!(z.zombie);
        assert!(parse_stat(1, "garbage").is_none());
    }

    #[test]
    fn descendants_follow_parents_transitively() {
        let p = |pid, ppid| Proc {
            pid,
            ppid,
            pgid: pid,
            zombie: false,
        };
        let table = vec![p(1, 0), p(10, 1), p(11, 10), p(12, 11), p(20, 1)];
        let roots: HashSet<i32> = [10].into_iter().collect();
        let d = descendants(&table, &roots);
        assert_eq!(d, [11, 12].into_iter().collect());
    }
}
