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

/// Longest lifetime a token may be given (ten years).
pub const MAX_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3650 * 86_400);

/// Parses a token lifetime: `never`, or a whole number with a unit `s`, `m`, `h`, `d` or `w`
/// (`90d`, `12h`), from 1 s to ten years. `None` means the token never expires.
pub fn parse_lifetime(s: &str) -> Result<Option<std::time::Duration>, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let bad = || format!("{s:?}: expected `never` or a number with s, m, h, d or w (e.g. 30d)");
    let unit = t.chars().last().ok_or_else(bad)?;
    let per: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    let digits = &t[..t.len() - 1];
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let secs = n.checked_mul(per).ok_or_else(bad)?;
    let d = std::time::Duration::from_secs(secs);
    if secs == 0 || d > MAX_LIFETIME {
        return Err(format!("{s:?}: must be between 1s and 3650d (or `never`)"));
    }
    Ok(Some(d))
}

/// A token name: 1-64 characters of letters, digits, `.`, `_`, `-`, space.
pub fn valid_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || name.trim() != name
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._- ".contains(&b))
    {
        return Err("name: 1-64 characters of letters, digits, space, `.`, `_`, `-`".into());
    }
    Ok(())
}

/// A 32-byte key from key material of any length (SHA-256 of it, domain-separated).
pub fn derive_key(material: &[u8]) -> zeroize::Zeroizing<[u8; 32]> {
    let mut h = Sha256::new();
    h.update(b"zerokey-key-v1:");
    h.update(material);
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&h.finalize());
    key
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

    #[test]
    fn lifetimes_parse_and_are_bounded() {
        use std::time::Duration;
        assert_eq!(parse_lifetime("never").unwrap(), None);
        assert_eq!(
            parse_lifetime("30d").unwrap(),
            Some(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(parse_lifetime("2s").unwrap(), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_lifetime("1w").unwrap(),
            Some(Duration::from_secs(604_800))
        );
        for bad in [
            "",
            "d",
            "0d",
            "30",
            "30x",
            "-1d",
            "3651d",
            "1.5d",
            "99999999999999d",
        ] {
            assert!(parse_lifetime(bad).is_err(), "{bad}");
        }
        assert!(valid_name("ci laptop").is_ok());
        for bad in ["", " x", "a/b", "<script>", &"x".repeat(65)] {
            assert!(valid_name(bad).is_err(), "{bad}");
        }
    }
}
