//! Helpers shared by the CLI integration tests; each test binary uses only some of them.

#[allow(dead_code)]
pub mod emulator;
#[allow(dead_code)]
pub mod keys;
#[allow(dead_code)]
pub mod procs;
