//! API tokens and session ids: random, shown once, stored only as SHA-256 hashes (they carry
//! 256 bits of entropy, so a fast hash is enough). CSRF tokens derive from the session id.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Prefix of API tokens (lets scanners recognise a leaked one).
pub const TOKEN_PREFIX: &str = "zkt_";
/// Prefix of session cookie values.
pub const SESSION_PREFIX: &str = "zks_";

fn random(prefix: &str) -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    SecretString::from(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// A new API token.
pub fn new_token() -> SecretString {
    random(TOKEN_PREFIX)
}

/// A new session cookie value.
pub fn new_session() -> SecretString {
    random(SESSION_PREFIX)
}

/// The stored form of a token or session id: hex SHA-256.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The CSRF token of a session: derived from the session id, so it needs no storage and
/// dies with the session. Forms and `fetch` calls send it back in `x-csrf-token`.
pub fn csrf_token(session: &SecretString) -> String {
    let mut h = Sha256::new();
    h.update(b"zerokey-csrf-v1:");
    h.update(session.expose_secret().as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

/// Constant-time comparison of two strings.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert!(a.expose_secret().starts_with(TOKEN_PREFIX));
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(hash(a.expose_secret()).len(), 64);
        assert_ne!(hash(a.expose_secret()), hash(b.expose_secret()));
        let s = new_session();
        assert!(same(&csrf_token(&s), &csrf_token(&s)));
        assert!(!same(&csrf_token(&s), &csrf_token(&new_session())));
    }
}
