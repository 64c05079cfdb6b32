//! Helpers shared by the CLI integration tests.

pub mod emulator;
#[allow(dead_code)]
pub mod keys;
