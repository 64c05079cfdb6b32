//! Models of the inputs the audits inspect, one file per input kind.

pub mod iam;
pub mod infra;
pub mod repo;
pub mod terraform;
pub mod workflow;
