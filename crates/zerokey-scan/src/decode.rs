//! Decoding layers: UTF-16 text becomes UTF-8 with a map back to original offsets; base64
//! tokens that decode to text are scanned again, reported at the token's place.

use base64::Engine as _;

/// UTF-16 byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// Little endian.
    Le,
    /// Big endian.
    Be,
}

/// Detects UTF-16 by byte-order mark, or by ASCII text with every other byte zero.
pub fn detect_utf16(bytes: &[u8]) -> Option<Utf16> {
    match bytes {
        [0xFF, 0xFE, ..] => return Some(Utf16::Le),
        [0xFE, 0xFF, ..] => return Some(Utf16::Be),
        _ => {}
    }
    let sample = &bytes[..bytes.len().min(1024) & !1];
    if sample.len() < 16 {
        return None;
    }
    let pairs = sample.len() / 2;
    let le = sample
        .chunks_exact(2)
        .filter(|p| p[1] == 0 && p[0] != 0)
        .count();
    let be = sample
        .chunks_exact(2)
        .filter(|p| p[0] == 0 && p[1] != 0)
        .count();
    if le * 10 >= pairs * 9 {
        Some(Utf16::Le)
    } else if be * 10 >= pairs * 9 {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// UTF-8 text decoded from UTF-16, with the original byte offset of every decoded byte.
pub struct Decoded {
    /// The decoded text.
    pub text: Vec<u8>,
    /// `map[i]` is the offset in the original bytes of decoded byte `i`; one extra entry
    /// holds the original length.
    pub map: Vec<usize>,
}

/// Decodes UTF-16 `bytes` (a BOM is skipped); invalid units become U+FFFD.
pub fn decode_utf16(bytes: &[u8], order: Utf16) -> Decoded {
    let skip = match (order, bytes) {
        (Utf16::Le, [0xFF, 0xFE, ..]) | (Utf16::Be, [0xFE, 0xFF, ..]) => 2,
        _ => 0,
    };
    let units = bytes[skip..].chunks_exact(2).map(|p| match order {
        Utf16::Le => u16::from_le_bytes([p[0], p[1]]),
        Utf16::Be => u16::from_be_bytes([p[0], p[1]]),
    });
    let mut text = Vec::with_capacity(bytes.len() / 2);
    let mut map = Vec::with_capacity(bytes.len() / 2 + 1);
    let mut offset = skip;
    let mut buf = [0u8; 4];
    for ch in char::decode_utf16(units) {
        let (ch, width) = match ch {
            Ok(c) => (c, c.len_utf16() * 2),
            Err(_) => (char::REPLACEMENT_CHARACTER, 2),
        };
        for &b in ch.encode_utf8(&mut buf).as_bytes() {
            text.push(b);
            map.push(offset);
        }
        offset += width;
    }
    map.push(offset);
    Decoded { text, map }
}

/// Shortest base64 token worth decoding.
pub const MIN_BASE64: usize = 20;
/// Longest base64 token decoded.
pub const MAX_BASE64: usize = 64 * 1024;

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Spans of base64-looking tokens in `text` (standard or URL-safe alphabet, optional `=`).
pub fn base64_tokens(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !is_b64(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_b64(text[i]) {
            i += 1;
        }
        let mut end = i;
        while end < text.len() && end - i < 2 && text[end] == b'=' {
            end += 1;
        }
        let len = end - start;
        if (MIN_BASE64..=MAX_BASE64).contains(&len) {
            out.push((start, end));
        }
        i = end.max(i);
    }
    out
}

/// Decodes a base64 token if the result is text (at least 95 % printable ASCII or whitespace).
pub fn decode_base64_text(token: &[u8]) -> Option<Vec<u8>> {
    let trimmed: Vec<u8> = token
        .iter()
        .copied()
        .filter(|&b| b != b'=')
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        })
        .collect();
    if trimmed.len() % 4 == 1 {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(&trimmed)
        .ok()?;
    if decoded.len() < 12 {
        return None;
    }
    let printable = decoded
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    (printable * 100 >= decoded.len() * 95).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_le_with_and_without_bom() {
        let s = "key = value\nnext line\n";
        let mut le: Vec<u8> = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(detect_utf16(&le), Some(Utf16::Le));
        assert_eq!(detect_utf16(&le[2..]), Some(Utf16::Le));
        let d = decode_utf16(&le, Utf16::Le);
        assert_eq!(d.text, s.as_bytes());
        assert_eq!(d.map[0], 2);
        assert_eq!(d.map[1], 4);
        assert_eq!(*d.map.last().unwrap_or(&0), le.len());
        assert_eq!(detect_utf16(b"plain ascii text, not utf-16 at all"), None);
    }

    #[test]
    fn base64_tokens_and_text_decoding() {
        let text = b"password: cGFzc3dvcmQ9aHVudGVyMjIyMjI= other";
        let toks = base64_tokens(text);
        assert_eq!(toks.len(), 1);
        let (s, e) = toks[0];
        assert_eq!(
            decode_base64_text(&text[s..e]).as_deref(),
            Some(&b"password=hunter22222"[..])
        );
        assert_eq!(
            decode_base64_text(b"AbstractSingletonProxyFactoryBean"),
            None
        );
    }
}
