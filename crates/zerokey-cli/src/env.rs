//! Every environment variable zerokey reads, in one place.

/// Log filter for stderr diagnostics (`tracing` env-filter syntax, e.g. `debug`).
pub const ZEROKEY_LOG: &str = "ZEROKEY_LOG";
/// Disables colour when set to any value (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
