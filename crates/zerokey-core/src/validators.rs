//! Offline validators: checks a candidate must pass to be reported, named in rule files.
//!
//! Checksums (GitHub, npm) and structure checks (PyPI macaroons, PEM bodies) raise a finding's
//! confidence; shape checks (`not-hash`, `not-uuid`, `mixed-chars`) drop look-alikes.

use base64::Engine as _;
use serde::Deserialize;

mod encoded;

/// A named offline check on a candidate secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// `gh?_` tokens: the last 6 characters are the base62 CRC32 of the 30 before them.
    GithubCrc32,
    /// `npm_` tokens: same scheme as GitHub.
    NpmCrc32,
    /// `pypi-` tokens: a base64 macaroon (v2) whose location is PyPI.
    PypiMacaroon,
    /// Rejects hex digests (32, 40, 64, 96 or 128 hex characters).
    NotHash,
    /// Rejects UUIDs.
    NotUuid,
    /// Needs at least two of: upper case, lower case, digits.
    MixedChars,
    /// A PEM/OpenSSH/PGP block whose body is base64 of plausible length.
    PrivateKeyBody,
    /// Base64 of `user:password` (HTTP Basic, Docker `auth`) with a real-looking password.
    BasicAuth,
    /// Rejects strings of letters and separators only (identifiers, words, paths such as
    /// `kube-system/webhook-ca`): random keys of 20+ characters almost always contain a digit
    /// or a symbol.
    NotWord,
    /// `AGE-SECRET-KEY-1…`: Bech32 with a valid checksum and a 32-byte payload.
    AgeBech32,
    /// A JWT whose payload has `"iss":"supabase"` and `"role":"service_role"`.
    SupabaseServiceRole,
    /// A Neptune API token: base64 JSON with `api_address` and `api_key`.
    NeptuneToken,
    /// Rejects JWTs whose payload has `"role":"anon"` (Supabase anon keys, public by design).
    JwtNotAnon,
}

/// Result of one validator on one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The candidate is not a secret of this kind; drop it.
    Reject,
    /// No objection.
    Pass,
    /// A checksum or structure proved the format; raise confidence.
    Proven,
}

impl Validator {
    /// Runs the check on `secret`.
    pub fn check(self, secret: &[u8]) -> Outcome {
        let ok = |b: bool| if b { Outcome::Pass } else { Outcome::Reject };
        let proven = |b: bool| if b { Outcome::Proven } else { Outcome::Reject };
        match self {
            Validator::GithubCrc32 | Validator::NpmCrc32 => proven(base62_crc32_ok(secret)),
            Validator::PypiMacaroon => proven(pypi_macaroon_ok(secret)),
            Validator::NotHash => ok(!is_hex_digest(secret)),
            Validator::NotUuid => ok(!contains_uuid(secret)),
            Validator::MixedChars => ok(mixed_chars(secret)),
            Validator::PrivateKeyBody => ok(private_key_body_ok(secret)),
            Validator::BasicAuth => proven(basic_auth_ok(secret)),
            Validator::NotWord => ok(!secret
                .iter()
                .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'-' | b'.' | b'/' | b':'))),
            Validator::AgeBech32 => proven(encoded::age_identity_ok(secret)),
            Validator::SupabaseServiceRole => proven(encoded::supabase_service_role_ok(secret)),
            Validator::NeptuneToken => proven(encoded::neptune_token_ok(secret)),
            Validator::JwtNotAnon => ok(encoded::jwt_not_anon(secret)),
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 of `n`, left-padded with `0` to `width`.
pub fn base62(mut n: u64, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// `prefix_` + 30 random + 6 checksum characters (GitHub classic formats, npm).
fn base62_crc32_ok(token: &[u8]) -> bool {
    let Some(us) = token.iter().position(|&b| b == b'_') else {
        return false;
    };
    let body = &token[us + 1..];
    if body.len() != 36 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (random, check) = body.split_at(30);
    let crc = crc32fast::hash(random);
    base62(u64::from(crc), 6).as_bytes() == check
}

fn pypi_macaroon_ok(token: &[u8]) -> bool {
    let Some(b64) = token.strip_prefix(b"pypi-") else {
        return false;
    };
    let b64: Vec<u8> = b64.iter().copied().filter(|&b| b != b'=').collect();
    let Ok(raw) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&b64) else {
        return false;
    };
    // Macaroon v2: version 2, then (type, varint length, data) fields: location (1),
    // identifier (2), end of section (0), caveats, and a 32-byte signature (6).
    let mut p = Parser { buf: &raw, pos: 0 };
    if p.byte() != Some(2) || p.byte() != Some(1) {
        return false;
    }
    let Some(location) = p.field() else {
        return false;
    };
    if location != b"pypi.org" && location != b"test.pypi.org" {
        return false;
    }
    if p.byte() != Some(2) {
        return false;
    }
    matches!(p.field(), Some(id) if !id.is_empty()) && raw.len() >= 64
}

struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<usize> {
        let mut n: usize = 0;
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn field(&mut self) -> Option<&'a [u8]> {
        let len = self.varint()?;
        let end = self.pos.checked_add(len)?;
        let data = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(data)
    }
}

/// `secret` is base64 of printable `user:password` whose password is not a placeholder.
fn basic_auth_ok(secret: &[u8]) -> bool {
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(secret) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&raw) else {
        return false;
    };
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    !user.is_empty()
        && password.len() >= 3
        && text.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && crate::filters::placeholder_reason(password.as_bytes()).is_none()
        && !matches!(password, "password" | "secret" | "pass" | "admin")
}

fn is_hex_digest(s: &[u8]) -> bool {
    matches!(s.len(), 32 | 40 | 64 | 96 | 128) && s.iter().all(u8::is_ascii_hexdigit)
}

fn contains_uuid(s: &[u8]) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    s.windows(36).any(|w| {
        let mut i = 0;
        for (g, &len) in GROUPS.iter().enumerate() {
            if !w[i..i + len].iter().all(u8::is_ascii_hexdigit) {
                return false;
            }
            i += len;
            if g < 4 {
                if w[i] != b'-' {
                    return false;
                }
                i += 1;
            }
        }
        true
    })
}

fn mixed_chars(s: &[u8]) -> bool {
    let upper = s.iter().any(u8::is_ascii_uppercase);
    let lower = s.iter().any(u8::is_ascii_lowercase);
    let digit = s.iter().any(u8::is_ascii_digit);
    usize::from(upper) + usize::from(lower) + usize::from(digit) >= 2
}

/// The base64 body of a PEM-like block, with escapes, whitespace, armor headers and (for a key
/// written as quoted string concatenation in code) quotes and `+` operators removed.
fn private_key_body_ok(block: &[u8]) -> bool {
    let text = String::from_utf8_lossy(block);
    let Some(text) = encoded::unquote_concatenated(&text) else {
        return false;
    };
    let text = text
        .replace("\\r", "\n")
        .replace("\\n", "\n")
        .replace("\\\\", "\\");
    // Between the end of `-----BEGIN …-----` and the start of `-----END`.
    let inner = text
        .strip_prefix("-----BEGIN")
        .and_then(|t| t.find("-----").map(|i| &t[i + 5..]))
        .map(|t| t.rfind("-----END").map_or(t, |i| &t[..i]))
        .unwrap_or(&text);
    let mut body = String::new();
    for line in inner.lines() {
        let line = line
            .trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == ',');
        if line.is_empty()
            || line.starts_with("-----")
            || line.contains(':') // Proc-Type, DEK-Info, Comment, Version headers
            || (line.starts_with('=') && line.len() <= 6)
        // PGP CRC line
        {
            continue;
        }
        body.push_str(line);
    }
    let body = body.trim_end_matches('=');
    body.len() >= 64
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        && mixed_chars(body.as_bytes())
        && crate::entropy::shannon(body.as_bytes()) > 4.5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github_like(prefix: &str, random: &str) -> String {
        let crc = crc32fast::hash(random.as_bytes());
        format!("{prefix}_{random}{}", base62(u64::from(crc), 6))
    }

    #[test]
    fn base62_checksum_round_trip() {
        let t = github_like("ghp", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1");
        assert_eq!(Validator::GithubCrc32.check(t.as_bytes()), Outcome::Proven);
        let mut bad = t.into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'a' { b'b' } else { b'a' };
        assert_eq!(Validator::GithubCrc32.check(&bad), Outcome::Reject);
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 2), "0z");
    }

    #[test]
    fn pypi_macaroon_structure() {
        let mut raw = vec![2u8, 1, 8];
        raw.extend_from_slice(b"pypi.org");
        raw.extend_from_slice(&[2, 32]);
        raw.extend_from_slice(&[7u8; 32]);
        raw.extend_from_slice(&[0, 0, 6, 32]);
        raw.extend_from_slice(&[9u8; 32]);
        let tok = format!(
            "pypi-{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw)
        );
        assert!(tok.starts_with("pypi-AgEIcHlwaS5vcmc"));
        assert_eq!(
            Validator::PypiMacaroon.check(tok.as_bytes()),
            Outcome::Proven
        );
        assert_eq!(
            Validator::PypiMacaroon.check(b"pypi-AgEIcHlwaS5vcmcXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
            Outcome::Reject
        );
    }

    #[test]
    fn basic_auth_needs_user_and_real_password() {
        let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(
            Validator::BasicAuth.check(enc("ci:Zq8vLm3nRt").as_bytes()),
            Outcome::Proven
        );
        assert_eq!(
            Validator::BasicAuth.check(enc("ci:changeme").as_bytes()),
            Outcome::Reject
        );
        assert_eq!(
            Validator::BasicAuth.check(enc("user").as_bytes()),
            Outcome::Reject
        );
        assert_eq!(Validator::BasicAuth.check(b"not base64!"), Outcome::Reject);
    }

    #[test]
    fn shape_checks() {
        assert_eq!(
            Validator::NotHash.check(b"da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            Outcome::Reject
        );
        assert_eq!(Validator::NotHash.check(b"da39a3ee5e6b4b0d"), Outcome::Pass);
        assert_eq!(
            Validator::NotUuid.check(b"123e4567-e89b-12d3-a456-426614174000"),
            Outcome::Reject
        );
        assert_eq!(Validator::MixedChars.check(b"abcdefgh"), Outcome::Reject);
        assert_eq!(Validator::MixedChars.check(b"abcd1234"), Outcome::Pass);
        assert_eq!(
            Validator::NotWord.check(b"ThisIsAVeryLongJavaIdentifierNameForTest"),
            Outcome::Reject
        );
        assert_eq!(Validator::NotWord.check(b"ThisIsAVeryLong4"), Outcome::Pass);
        assert_eq!(
            Validator::NotWord.check(b"kube-system/cert-manager-webhook-ca"),
            Outcome::Reject
        );
    }

    #[test]
    fn private_key_body_rejects_placeholders() {
        let ph = b"-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----";
        assert_eq!(Validator::PrivateKeyBody.check(ph), Outcome::Reject);
    }

    #[test]
    fn private_key_body_accepts_concatenated_literals() {
        let lines = [
            "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
            "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm",
            "o3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2k",
        ];
        let java = format!(
            "-----BEGIN RSA PRIVATE KEY-----\\n\" +\n    \"{}\\n\" +\n    \"{}\\n\" +\n    \"{}\\n\" +\n    \"-----END RSA PRIVATE KEY-----",
            lines[0], lines[1], lines[2]
        );
        assert_eq!(
            Validator::PrivateKeyBody.check(java.as_bytes()),
            Outcome::Pass,
            "{java}"
        );
        let placeholder = "-----BEGIN RSA PRIVATE KEY-----\\n\" +\n    \"your-private-key-goes-here\\n\" +\n    \"-----END RSA PRIVATE KEY-----";
        assert_eq!(
            Validator::PrivateKeyBody.check(placeholder.as_bytes()),
            Outcome::Reject
        );
    }
}
