//! zerokey's detection engine.
//!
//! Rules are data (`data/rules/*.toml`, embedded at build time). A [`Matcher`] compiles them
//! into one Aho-Corasick keyword prefilter plus one regex per rule; each regex runs only on
//! the regions around keyword hits, so the cost does not grow with the number of rules.
//! Candidates then pass the global placeholder filters, entropy floors and offline validators.
//! The engine does no I/O: inputs, decoding layers and locations live in `zerokey-scan`.

pub mod code_shape;
pub mod entropy;
pub mod env;
pub mod filters;
pub mod finding;
pub mod matcher;
pub mod notes;
pub mod redact;
pub mod redactor;
pub mod rules;
pub mod stats;
pub mod validators;
pub mod verify;

pub use finding::{
    fingerprint, Confidence, Finding, Severity, Suppressed, SuppressionKind, Validation,
};
pub use matcher::{Allowlist, Match, Matcher};
pub use redact::{redact, SecretBytes};
pub use redactor::{redact_url, Marker, Redactor};
pub use rules::{Rule, RuleError, RuleSet};
pub use validators::Validator;
