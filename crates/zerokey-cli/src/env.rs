//! Every environment variable zerokey reads or sets: the constants of [`zerokey_core::env`],
//! the one place they are defined (and listed in the README).

pub use zerokey_core::env::*;
