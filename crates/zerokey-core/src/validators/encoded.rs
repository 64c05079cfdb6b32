//! Structure checks for credentials with an encoded payload: age identities (Bech32 with its
//! checksum), Supabase service-role JWTs, Neptune API tokens (base64 JSON), and PEM private keys
//! written as quoted string concatenation in source code.

use base64::Engine as _;

/// Bech32 (BIP-173) checksum over the human-readable part and the data characters.
fn bech32_polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

const BECH32_CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// `AGE-SECRET-KEY-1…`: Bech32 with the HRP `age-secret-key-`, a valid checksum and a 32-byte
/// X25519 scalar as payload (case-insensitive, but not mixed case).
pub(super) fn age_identity_ok(s: &[u8]) -> bool {
    let has_lower = s.iter().any(u8::is_ascii_lowercase);
    let has_upper = s.iter().any(u8::is_ascii_uppercase);
    if has_lower && has_upper {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let Some(sep) = lower.iter().rposition(|&b| b == b'1') else {
        return false;
    };
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp != b"age-secret-key-" || data.len() < 6 {
        return false;
    }
    let mut values = Vec::with_capacity(data.len());
    for &c in data {
        match BECH32_CHARSET.iter().position(|&x| x == c) {
            Some(v) => values.push(v as u8),
            None => return false,
        }
    }
    let expanded = hrp
        .iter()
        .map(|&c| c >> 5)
        .chain(std::iter::once(0))
        .chain(hrp.iter().map(|&c| c & 31))
        .chain(values.iter().copied());
    if bech32_polymod(expanded) != 1 {
        return false;
    }
    // 5-bit groups without the 6 checksum characters: 52 groups carry the 32-byte key.
    let payload_bits = (values.len() - 6) * 5;
    payload_bits / 8 == 32 && payload_bits % 8 < 5
}

/// Decodes base64 or base64url, padded or not.
fn b64_any(s: &[u8]) -> Option<Vec<u8>> {
    let s: Vec<u8> = s.iter().copied().filter(|&b| b != b'=').collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&s)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&s))
        .ok()
}

/// JSON text with whitespace outside strings removed enough for substring checks.
fn squeeze(json: &[u8]) -> Vec<u8> {
    json.iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect()
}

/// A JWT whose payload says `"iss":"supabase"` and `"role":"service_role"`: the key that
/// bypasses row-level security. Anon keys (`"role":"anon"`) are public and rejected.
pub(super) fn supabase_service_role_ok(jwt: &[u8]) -> bool {
    let mut parts = jwt.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if sig.len() < 20 || b64_any(header).is_none() {
        return false;
    }
    let Some(body) = b64_any(payload).map(|p| squeeze(&p)) else {
        return false;
    };
    let has = |needle: &[u8]| memchr::memmem::find(&body, needle).is_some();
    has(br#""iss":"supabase""#) && has(br#""role":"service_role""#)
}

/// False for a JWT whose payload says `"role":"anon"`: a Supabase anon key, public by design
/// (shipped in browsers and apps; row-level security protects the data, not the key).
pub(super) fn jwt_not_anon(jwt: &[u8]) -> bool {
    let Some(payload) = jwt.split(|&b| b == b'.').nth(1) else {
        return true;
    };
    let Some(body) = b64_any(payload).map(|p| squeeze(&p)) else {
        return true;
    };
    memchr::memmem::find(&body, br#""role":"anon""#).is_none()
}

/// A Neptune API token: base64 of a JSON object with `api_address` and `api_key`.
pub(super) fn neptune_token_ok(token: &[u8]) -> bool {
    let Some(body) = b64_any(token).map(|p| squeeze(&p)) else {
        return false;
    };
    let has = |needle: &[u8]| memchr::memmem::find(&body, needle).is_some();
    body.starts_with(b"{") && has(br#""api_address":""#) && has(br#""api_key":""#)
}

/// The PEM block of `block` as plain text. A key written as quoted string concatenation
/// (`"-----BEGIN …\n" + "MIIE…\n" + …`, Python's implicit concatenation, Java's
/// `String.join(",", …)` lists, PHP's `.`) is reassembled from its literals; anything other
/// than concatenation between the literals makes it `None`.
pub(super) fn unquote_concatenated(block: &str) -> Option<String> {
    if !block.contains(['"', '\'']) {
        return Some(block.to_string());
    }
    let mut out = String::with_capacity(block.len());
    for (i, piece) in block.split(['"', '\'']).enumerate() {
        if i % 2 == 0 {
            out.push_str(piece);
        } else if !piece
            .chars()
            .all(|c| c.is_ascii_whitespace() || matches!(c, '+' | '.' | ','))
        {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bech32_encode(hrp: &str, data: &[u8]) -> String {
        let mut bits: Vec<u8> = Vec::new();
        let (mut acc, mut n) = (0u32, 0u32);
        for &b in data {
            acc = (acc << 8) | u32::from(b);
            n += 8;
            while n >= 5 {
                n -= 5;
                bits.push(((acc >> n) & 31) as u8);
            }
        }
        if n > 0 {
            bits.push(((acc << (5 - n)) & 31) as u8);
        }
        let hb = hrp.as_bytes();
        let values: Vec<u8> = hb
            .iter()
            .map(|&c| c >> 5)
            .chain(std::iter::once(0))
            .chain(hb.iter().map(|&c| c & 31))
            .chain(bits.iter().copied())
            .chain([0u8; 6])
            .collect();
        let pm = bech32_polymod(values.into_iter()) ^ 1;
        let mut s = format!("{hrp}1");
        for &v in &bits {
            s.push(BECH32_CHARSET[usize::from(v)] as char);
        }
        for i in 0..6 {
            s.push(BECH32_CHARSET[((pm >> (5 * (5 - i))) & 31) as usize] as char);
        }
        s
    }

    #[test]
    fn age_identity_checksum() {
        let key = bech32_encode("age-secret-key-", &[0x5a; 32]).to_ascii_uppercase();
        assert_eq!(key.len(), 74);
        assert!(age_identity_ok(key.as_bytes()));
        assert!(age_identity_ok(key.to_ascii_lowercase().as_bytes()));
        // One changed character breaks the checksum.
        let mut bad = key.clone().into_bytes();
        bad[30] = if bad[30] == b'Q' { b'P' } else { b'Q' };
        assert!(!age_identity_ok(&bad));
        // Mixed case, another HRP, a short payload.
        let mixed = format!("{}{}", &key[..40], key[40..].to_ascii_lowercase());
        assert!(!age_identity_ok(mixed.as_bytes()));
        let other = bech32_encode("age", &[0x5a; 32]);
        assert!(!age_identity_ok(other.as_bytes()));
        let short = bech32_encode("age-secret-key-", &[0x5a; 20]).to_ascii_uppercase();
        assert!(!age_identity_ok(short.as_bytes()));
    }

    fn jwt(payload: &str) -> String {
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.{}",
            e(r#"{"alg":"HS256","typ":"JWT"}"#),
            e(payload),
            "Xq3v9Lm2Rt8Wk1Zp5Yc7Bn4Hd6Gf0Js2Ka9Qe"
        )
    }

    #[test]
    fn supabase_service_role_only() {
        let srv = jwt(
            r#"{"iss":"supabase","ref":"abcdefghijklmnop","role":"service_role","iat":1700000000,"exp":2000000000}"#,
        );
        assert!(supabase_service_role_ok(srv.as_bytes()));
        let anon =
            jwt(r#"{"iss":"supabase","ref":"abcdefghijklmnop","role":"anon","iat":1700000000}"#);
        assert!(!supabase_service_role_ok(anon.as_bytes()));
        let other = jwt(r#"{"iss":"auth0","role":"service_role"}"#);
        assert!(!supabase_service_role_ok(other.as_bytes()));
        assert!(!supabase_service_role_ok(b"eyJ.eyJ.sig"));
    }

    #[test]
    fn anon_jwts_are_public() {
        let anon =
            jwt(r#"{"iss":"supabase","ref":"abcdefghijklmnop","role":"anon","iat":1700000000}"#);
        assert!(!jwt_not_anon(anon.as_bytes()));
        let user = jwt(r#"{"sub":"42","role":"authenticated"}"#);
        assert!(jwt_not_anon(user.as_bytes()));
        assert!(jwt_not_anon(b"not-a-jwt"));
    }

    #[test]
    fn neptune_token_layout() {
        let e = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let tok = e(
            r#"{"api_address":"https://app.neptune.ai","api_url":"https://app.neptune.ai","api_key":"b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"}"#,
        );
        assert!(neptune_token_ok(tok.as_bytes()));
        assert!(!neptune_token_ok(e(r#"{"api_address":"x"}"#).as_bytes()));
        assert!(!neptune_token_ok(b"not base64 at all!"));
    }

    #[test]
    fn concatenated_pem_is_reassembled() {
        let java = "-----BEGIN RSA PRIVATE KEY-----\\n\" +\n    \"MIIBOgIBAAJBAK\\n\" +\n    \"-----END RSA PRIVATE KEY-----";
        let plain = unquote_concatenated(java).unwrap_or_default();
        assert!(!plain.contains('"') && !plain.contains('+'), "{plain}");
        assert!(plain.contains("MIIBOgIBAAJBAK"));
        // Something other than concatenation between the literals: not a key literal.
        let call =
            "-----BEGIN RSA PRIVATE KEY-----\\n\" + load(\"x\") + \"-----END RSA PRIVATE KEY-----";
        assert_eq!(unquote_concatenated(call), None);
        assert_eq!(unquote_concatenated("abc").as_deref(), Some("abc"));
    }
}
