//! Models of the inputs the audits inspect, one file per input kind.

pub mod actions;
pub mod iam;
pub mod infra;
pub mod platform;
pub mod repo;
pub mod terraform;
pub mod trust;
pub mod workflow;
