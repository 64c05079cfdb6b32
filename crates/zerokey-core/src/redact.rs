//! Redaction: the only form in which a secret ever leaves the engine.

use std::fmt;
use zeroize::Zeroizing;

/// How many characters of a secret a redacted form may show at most.
pub const MAX_VISIBLE: usize = 4;

/// Redacted display form of a secret: at most [`MAX_VISIBLE`] leading characters (fewer for
/// short secrets, none under 8 characters), then `…` and the length.
///
/// ```
/// assert_eq!(zerokey_core::redact(b"ghp_abcdefghijklmnopqrstuvwxyz0123456789"), "ghp_…(40)");
/// assert_eq!(zerokey_core::redact(b"hunter2"), "…(7)");
/// ```
pub fn redact(secret: &[u8]) -> String {
    let len = secret.len();
    let visible = match len {
        0..=7 => 0,
        8..=15 => 2,
        _ => MAX_VISIBLE,
    };
    let shown: String = secret
        .iter()
        .take(visible)
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect();
    format!("{shown}…({len})")
}

/// Owned secret bytes that are wiped on drop and never printed.
///
/// `Debug` and `Display` show only the redacted form; there is deliberately no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The secret itself. Callers must not log or print it.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({})", redact(&self.0))
    }
}

impl fmt::Display for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_never_shows_more_than_four_chars() {
        let secret = b"AKIAZ7VXQWERTYUIOP23";
        let r = redact(secret);
        assert_eq!(r, "AKIA…(20)");
        assert!(!r.contains("Z7VX"));
        assert_eq!(redact(b"12345678"), "12…(8)");
        assert_eq!(redact(b""), "…(0)");
    }

    #[test]
    fn secret_bytes_debug_is_redacted() {
        let s = SecretBytes::new(b"sk_live_0123456789abcdefghijkl".to_vec());
        let dbg = format!("{s:?} {s}");
        assert!(!dbg.contains("0123456789"), "{dbg}");
    }
}
