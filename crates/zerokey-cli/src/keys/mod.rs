//! `zerokey keys`: the I/O-free parts — key id and duration parsing, key hygiene analysis,
//! credential-report parsing, CloudTrail event parsing and the incident summary, and the
//! renderers. `cmd_keys` does the AWS calls.

pub mod credential_report;
pub mod duration;
pub mod hygiene;
pub mod key_id;
pub mod render;
pub mod trail;
