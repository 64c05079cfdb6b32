//! Process hardening for the commands that hold credentials in memory (`serve`, `exec`,
//! `oidc`): no core dumps (RLIMIT_CORE = 0, inherited by children) and not dumpable
//! (PR_SET_DUMPABLE = 0: no core file, and other processes of the same user cannot ptrace or
//! read `/proc/<pid>/mem`). Failures are logged, not fatal: the guarantee then rests on the
//! system's own settings, which `zerokey attest` cannot see.

pub fn no_core_dumps() {
    if let Err(e) = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0) {
        tracing::warn!(error = %e, "could not disable core dumps (RLIMIT_CORE)");
    }
    if let Err(e) = nix::sys::prctl::set_dumpable(false) {
        tracing::warn!(error = %e, "could not mark the process non-dumpable");
    }
}
