//! The parts of `zerokey attest` (the command itself is `cmd_attest.rs`): the database source
//! (`db`), the engine over database rows (`cells`), the schema checks (`schema`) and the
//! report (`report`).

pub mod cells;
pub mod db;
pub mod report;
pub mod schema;
