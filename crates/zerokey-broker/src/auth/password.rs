//! Password hashing: argon2id (PHC strings), run off the async threads.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

/// Why hashing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// Empty or too long.
    #[error("password must be 8-1024 characters")]
    Length,
    /// The hasher failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// A hash that no known password matches (of 32 random bytes, made once per process),
/// verified against for unknown users so that a login for a missing account costs as much
/// time as one for an existing account.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hash(&SecretString::from(hex::encode(bytes))).unwrap_or_default()
    })
}

/// Hashes `password` with argon2id and a random salt.
pub fn hash(password: &SecretString) -> Result<String, PasswordError> {
    let p = password.expose_secret();
    if p.chars().count() < 8 || p.len() > 1024 {
        return Err(PasswordError::Length);
    }
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(p.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// True when `password` matches the PHC `hash`.
pub fn verify(password: &SecretString, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let pw = SecretString::from("correct horse battery");
        let h = hash(&pw).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(!h.contains("correct horse"));
        assert!(verify(&pw, &h));
        assert!(!verify(&SecretString::from("wrong password"), &h));
        assert!(!verify(&pw, dummy_hash()));
        assert!(dummy_hash().starts_with("$argon2id$"));
        assert!(hash(&SecretString::from("short")).is_err());
    }
}
