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
    /// Intercom access tokens: base64 of `tok:<token id>:<n>:<n>`, the id a UUID written with
    /// `_` or `-`.
    IntercomToken,
    /// Mapbox secret and temporary tokens (`sk.`/`tk.`): the middle part is base64url JSON naming
    /// the user (`u`) and the token id (`a`). Public `pk.` tokens are rejected: they are meant
    /// for browsers.
    MapboxToken,
    /// Miro access tokens: base64url JSON `{"miro.origin":"<region>"}`, `_`, a random part.
    MiroToken,
    /// Grafana service-account tokens (`glsa_`): the last 8 hex characters are the CRC32 of
    /// `glsa_` + the 32-character secret, as little-endian bytes in hex.
    GrafanaCrc32,
    /// Grafana Cloud tokens (`glc_`) and legacy API keys (`eyJrIjoi`): base64 of a JSON object
    /// with a key field `k` and an org (`o`) or id (`id`) field.
    GrafanaJson,
    /// Sentry organization tokens (`sntrys_`): base64 of a JSON payload with `iat` and `org`,
    /// `_`, and a 43-character base64 secret.
    SentryOrgToken,
    /// 1Password service-account tokens (`ops_`): base64 of a JSON object naming the account's
    /// `signInAddress`.
    OnepasswordServiceAccount,
    /// A JWT whose payload was issued by Kubernetes (`iss` of `kubernetes/serviceaccount`, or a
    /// `kubernetes.io` claim of a bound service-account token).
    KubernetesJwt,
    /// Rejects code identifiers: letters only, optionally ending in up to three digits
    /// (`PropertyNameParseIndicSyllabicCategoryV1`). A random base64 key of 20+ characters
    /// almost always has a digit, `+` or `/` before its end.
    NotIdentifier,
    /// Cloudflare Tunnel tokens: base64 of a JSON object with the account tag (`a`), tunnel id
    /// (`t`) and tunnel secret (`s`).
    CloudflareTunnel,
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
            Validator::IntercomToken => proven(intercom_token_ok(secret)),
            Validator::MapboxToken => proven(mapbox_token_ok(secret)),
            Validator::MiroToken => proven(miro_token_ok(secret)),
            Validator::GrafanaCrc32 => proven(grafana_crc32_ok(secret)),
            Validator::GrafanaJson => proven(grafana_json_ok(secret)),
            Validator::SentryOrgToken => proven(sentry_org_token_ok(secret)),
            Validator::OnepasswordServiceAccount => proven(onepassword_sa_ok(secret)),
            Validator::KubernetesJwt => proven(kubernetes_jwt_ok(secret)),
            Validator::NotIdentifier => ok(!is_identifier(secret)),
            Validator::CloudflareTunnel => proven(
                decode_b64_any(secret).is_some_and(|raw| json_object_with(&raw, &["a", "t", "s"])),
            ),
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

/// `secret` is base64 of `tok:<uuid>:<digits>:<digits>` (the UUID's dashes may be `_`).
fn intercom_token_ok(secret: &[u8]) -> bool {
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(secret) else {
        return false;
    };
    let Some(rest) = raw.strip_prefix(b"tok:") else {
        return false;
    };
    let mut parts = rest.split(|&b| b == b':');
    let (Some(id), Some(a), Some(b), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let id: Vec<u8> = id
        .iter()
        .map(|&c| if c == b'_' { b'-' } else { c })
        .collect();
    let digits = |s: &[u8]| !s.is_empty() && s.len() <= 4 && s.iter().all(u8::is_ascii_digit);
    id.len() == 36 && contains_uuid(&id) && digits(a) && digits(b)
}

/// Decodes unpadded base64url into JSON text, if it is a JSON object.
fn base64url_json(part: &[u8]) -> Option<String> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.strip_suffix(b"=").unwrap_or(part))
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    (text.starts_with('{') && text.ends_with('}')).then_some(text)
}

/// `secret` is `<sk|tk>.<base64url JSON with "u" and "a">.<signature>` (not a public `pk.`).
fn mapbox_token_ok(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(kind), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    matches!(kind, b"sk" | b"tk")
        && sig.len() >= 20
        && base64url_json(body).is_some_and(|j| j.contains("\"u\":\"") && j.contains("\"a\":\""))
}

/// `secret` is base64url of `{"miro.origin":"<region>"}`, `_`, and a random part.
fn miro_token_ok(secret: &[u8]) -> bool {
    // base64url may itself contain `_`: try each one as the separator.
    secret.iter().enumerate().any(|(cut, &b)| {
        b == b'_'
            && secret.len() - cut > 20
            && base64url_json(&secret[..cut]).is_some_and(|j| j.starts_with("{\"miro.origin\":\""))
    })
}

/// `glsa_` + 32 alphanumerics + `_` + hex of the little-endian CRC32 of everything before it.
fn grafana_crc32_ok(token: &[u8]) -> bool {
    let Some(cut) = token.iter().rposition(|&b| b == b'_') else {
        return false;
    };
    let (key, check) = (&token[..cut], &token[cut + 1..]);
    if !key.starts_with(b"gl") || check.len() != 8 {
        return false;
    }
    let crc = crc32fast::hash(key).to_le_bytes();
    let hex: String = crc.iter().map(|b| format!("{b:02x}")).collect();
    hex.as_bytes() == check
}

/// Decodes standard or URL-safe base64, padded or not.
fn decode_b64_any(s: &[u8]) -> Option<Vec<u8>> {
    let trimmed: Vec<u8> = s.iter().copied().filter(|&b| b != b'=').collect();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(&trimmed)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&trimmed))
        .ok()
}

/// `raw` is printable UTF-8 text of a JSON object that has every key in `keys`.
fn json_object_with(raw: &[u8], keys: &[&str]) -> bool {
    let Ok(text) = std::str::from_utf8(raw) else {
        return false;
    };
    let text = text.trim();
    text.starts_with('{')
        && text.ends_with('}')
        && !text.chars().any(char::is_control)
        && keys.iter().all(|k| {
            let quoted = format!("\"{k}\"");
            text.match_indices(&quoted)
                .any(|(i, _)| text[i + quoted.len()..].trim_start().starts_with(':'))
        })
}

fn grafana_json_ok(token: &[u8]) -> bool {
    let body = token.strip_prefix(b"glc_").unwrap_or(token);
    let Some(raw) = decode_b64_any(body) else {
        return false;
    };
    json_object_with(&raw, &["k"])
        && (json_object_with(&raw, &["o"]) || json_object_with(&raw, &["id"]))
}

fn sentry_org_token_ok(token: &[u8]) -> bool {
    let Some(rest) = token.strip_prefix(b"sntrys_") else {
        return false;
    };
    let Some(cut) = rest.iter().rposition(|&b| b == b'_') else {
        return false;
    };
    let (payload, secret) = (&rest[..cut], &rest[cut + 1..]);
    secret.len() >= 40
        && secret
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        && decode_b64_any(payload).is_some_and(|raw| json_object_with(&raw, &["iat", "org"]))
}

fn onepassword_sa_ok(token: &[u8]) -> bool {
    token
        .strip_prefix(b"ops_")
        .and_then(decode_b64_any)
        .is_some_and(|raw| json_object_with(&raw, &["signInAddress"]))
}

fn kubernetes_jwt_ok(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(sig)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if parts.next().is_some() || sig.len() < 16 {
        return false;
    }
    let (Some(h), Some(p)) = (decode_b64_any(header), decode_b64_any(payload)) else {
        return false;
    };
    if !json_object_with(&h, &["alg"]) || !json_object_with(&p, &["iss"]) {
        return false;
    }
    let text = String::from_utf8_lossy(&p);
    text.contains("\"kubernetes/serviceaccount\"") || text.contains("\"kubernetes.io\"")
}

/// Letters, then at most three trailing digits.
fn is_identifier(s: &[u8]) -> bool {
    let letters = s.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let rest = &s[letters..];
    letters > 0 && rest.len() <= 3 && rest.iter().all(u8::is_ascii_digit)
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
    fn intercom_token_structure() {
        let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let good = enc("tok:5f0c2a4e_91b3_4d7a_8e2f_6b1c9d3a7e40:1:0");
        assert_eq!(
            Validator::IntercomToken.check(good.as_bytes()),
            Outcome::Proven
        );
        for bad in [
            enc("tok:not_a_real_token_at_all_just_text_by_someone"),
            enc("tik:5f0c2a4e_91b3_4d7a_8e2f_6b1c9d3a7e40:1:0"),
            enc("tok:5f0c2a4e_91b3_4d7a_8e2f_6b1c9d3a7e40:1"),
        ] {
            assert_eq!(
                Validator::IntercomToken.check(bad.as_bytes()),
                Outcome::Reject,
                "{bad}"
            );
        }
        assert_eq!(
            Validator::IntercomToken.check(b"dG9rO!!not base64"),
            Outcome::Reject
        );
    }

    #[test]
    fn mapbox_and_miro_token_structure() {
        let url = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let sig = "Qm3xVt8pLr2nWc9kJd4aZs";
        let good = format!(
            "sk.{}.{sig}",
            url(r#"{"u":"acme","a":"ck1x2y3z4w5v6u7t8s9r0q1p2"}"#)
        );
        assert_eq!(
            Validator::MapboxToken.check(good.as_bytes()),
            Outcome::Proven
        );
        for bad in [
            format!("sk.{}.{sig}", url(r#"{"user":"acme"}"#)),
            format!("xk.{}.{sig}", url(r#"{"u":"acme","a":"b"}"#)),
            format!("pk.{}.{sig}", url(r#"{"u":"acme","a":"b"}"#)),
            format!("sk.{}.short", url(r#"{"u":"acme","a":"b"}"#)),
            "sk.eyJ1Ijoi.notjson".to_string(),
        ] {
            assert_eq!(
                Validator::MapboxToken.check(bad.as_bytes()),
                Outcome::Reject,
                "{bad}"
            );
        }
        let miro = format!(
            "{}_{}",
            url(r#"{"miro.origin":"eu01"}"#),
            "Xk9rT2mQ7vLp3sWd8yBn4cF"
        );
        assert_eq!(Validator::MiroToken.check(miro.as_bytes()), Outcome::Proven);
        let bad = format!(
            "{}_{}",
            url(r#"{"origin":"eu01"}"#),
            "Xk9rT2mQ7vLp3sWd8yBn4cF"
        );
        assert_eq!(Validator::MiroToken.check(bad.as_bytes()), Outcome::Reject);
    }

    #[test]
    fn private_key_body_rejects_placeholders() {
        let ph = b"-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----";
        assert_eq!(Validator::PrivateKeyBody.check(ph), Outcome::Reject);
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn cloudflare_tunnel_token_payload() {
        let ok = b64(
            r#"{"a":"0f2d6c7b1e","t":"6ff42ae2-765d-4adf-8112-31c55c1551ef","s":"c2VjcmV0LWJ5dGVzLWhlcmU="}"#,
        );
        assert_eq!(
            Validator::CloudflareTunnel.check(ok.as_bytes()),
            Outcome::Proven
        );
        let no_secret = b64(r#"{"a":"0f2d6c7b1e","t":"6ff42ae2"}"#);
        assert_eq!(
            Validator::CloudflareTunnel.check(no_secret.as_bytes()),
            Outcome::Reject
        );
    }

    #[test]
    fn not_identifier_rejects_camel_case_names() {
        assert_eq!(
            Validator::NotIdentifier.check(b"PropertyNameParseIndicSyllabicCategoryV1"),
            Outcome::Reject
        );
        assert_eq!(
            Validator::NotIdentifier.check(b"rjmTJAMJTT1/NXa0IrleG6woopoDzp7O8QuKEh6D"),
            Outcome::Pass
        );
        assert_eq!(
            Validator::NotIdentifier.check(b"AbcdEfghIjklMnopQrstUvwxYz12345"),
            Outcome::Pass
        );
    }

    #[test]
    fn grafana_crc32_little_endian_hex() {
        let key = "glsa_q7Lm2ZxR9vT4bN8cK1wE6yH3uJ5pA0sD";
        let crc = crc32fast::hash(key.as_bytes()).to_le_bytes();
        let hex: String = crc.iter().map(|b| format!("{b:02x}")).collect();
        let token = format!("{key}_{hex}");
        assert_eq!(
            Validator::GrafanaCrc32.check(token.as_bytes()),
            Outcome::Proven
        );
        let be = format!("{key}_{:08x}", crc32fast::hash(key.as_bytes()));
        if be != token {
            assert_eq!(
                Validator::GrafanaCrc32.check(be.as_bytes()),
                Outcome::Reject
            );
        }
        assert_eq!(
            Validator::GrafanaCrc32.check(format!("{key}_00000000").as_bytes()),
            Outcome::Reject
        );
    }

    #[test]
    fn grafana_json_tokens() {
        let cloud = format!(
            "glc_{}",
            b64(r#"{"o":"1187","n":"deploy","k":"Zr81xQ0pLk29WmTn55eBq7Ya","m":{"r":"eu"}}"#)
        );
        assert_eq!(
            Validator::GrafanaJson.check(cloud.as_bytes()),
            Outcome::Proven
        );
        let legacy = b64(r#"{"k":"Q0pLk29WmTn55eBq7YaZr81x","n":"ci","id":3}"#);
        assert_eq!(
            Validator::GrafanaJson.check(legacy.as_bytes()),
            Outcome::Proven
        );
        let other = format!("glc_{}", b64(r#"{"name":"x"}"#));
        assert_eq!(
            Validator::GrafanaJson.check(other.as_bytes()),
            Outcome::Reject
        );
        assert_eq!(
            Validator::GrafanaJson.check(b"glc_bm90IGpzb24gYXQgYWxs"),
            Outcome::Reject
        );
    }

    #[test]
    fn sentry_org_token_payload() {
        let payload = b64(
            r#"{"iat": 1716300000.1, "url": "https://sentry.io", "region_url": "https://us.sentry.io", "org": "acme"}"#,
        );
        let ok = format!("sntrys_{payload}_Kp3v9XqZr1bT7mW2yN5cL8dF0gH4jS6aE2uI9oP1kQw");
        assert_eq!(
            Validator::SentryOrgToken.check(ok.as_bytes()),
            Outcome::Proven
        );
        let no_org = format!(
            "sntrys_{}_Kp3v9XqZr1bT7mW2yN5cL8dF0gH4jS6aE2uI9oP1kQw",
            b64(r#"{"iat": 1}"#)
        );
        assert_eq!(
            Validator::SentryOrgToken.check(no_org.as_bytes()),
            Outcome::Reject
        );
        assert_eq!(
            Validator::SentryOrgToken.check(b"sntrys_notbase64atall_short"),
            Outcome::Reject
        );
    }

    #[test]
    fn onepassword_service_account_payload() {
        let ok = format!(
            "ops_{}",
            b64(r#"{"signInAddress":"my.1password.com","userAuth":{"method":"SRPg-4096"}}"#)
        );
        assert_eq!(
            Validator::OnepasswordServiceAccount.check(ok.as_bytes()),
            Outcome::Proven
        );
        let bad = format!("ops_{}", b64(r#"{"user":"x"}"#));
        assert_eq!(
            Validator::OnepasswordServiceAccount.check(bad.as_bytes()),
            Outcome::Reject
        );
    }

    #[test]
    fn kubernetes_jwt_issuer() {
        let url = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let h = url(r#"{"alg":"RS256","kid":"x1"}"#);
        let legacy =
            url(r#"{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:ci:deployer"}"#);
        let bound = url(
            r#"{"aud":["https://kubernetes.default.svc"],"iss":"https://kubernetes.default.svc","kubernetes.io":{"namespace":"ci"}}"#,
        );
        let other = url(r#"{"iss":"https://accounts.example.org","sub":"42"}"#);
        let sig = "c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMTIzNDU2";
        for p in [&legacy, &bound] {
            let t = format!("{h}.{p}.{sig}");
            assert_eq!(
                Validator::KubernetesJwt.check(t.as_bytes()),
                Outcome::Proven
            );
        }
        let t = format!("{h}.{other}.{sig}");
        assert_eq!(
            Validator::KubernetesJwt.check(t.as_bytes()),
            Outcome::Reject
        );
        assert_eq!(Validator::KubernetesJwt.check(b"a.b"), Outcome::Reject);
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
