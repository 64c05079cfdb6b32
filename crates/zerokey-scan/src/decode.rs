//! Decoding layers: UTF-16 text becomes UTF-8 with a map back to original offsets; base64
//! tokens that decode to text are scanned again, reported at the token's place.

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

/// Value of each base64 byte (standard and URL-safe alphabets), `NOT_B64` for any other byte.
const NOT_B64: u8 = 0xFF;
static B64_VALUE: [u8; 256] = {
    let mut t = [NOT_B64; 256];
    let mut i = 0u8;
    while i < 26 {
        t[(b'A' + i) as usize] = i;
        t[(b'a' + i) as usize] = 26 + i;
        i += 1;
    }
    let mut d = 0u8;
    while d < 10 {
        t[(b'0' + d) as usize] = 52 + d;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

#[cfg(test)]
fn is_b64(b: u8) -> bool {
    B64_VALUE[usize::from(b)] != NOT_B64
}

/// True for a byte of the base64 alphabets, by comparisons only (no table), so that the loop
/// in [`b64_mask`] is vectorised.
#[inline(always)]
fn is_b64_byte(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter | digit | (b == b'+') | (b == b'/') | (b == b'-') | (b == b'_')
}

/// Bit `i` set when `block[i]` is a base64 byte.
#[inline(always)]
fn b64_mask(block: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &b) in flags.iter_mut().zip(block) {
        *f = u8::from(is_b64_byte(b));
    }
    // Each multiply gathers the low bits of 8 bytes (each 0 or 1) into the top byte, in order.
    let mut mask = 0u64;
    for (k, eight) in flags.chunks_exact(8).enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(eight);
        let packed = u64::from_le_bytes(w).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= packed << (8 * k);
    }
    mask
}

/// One bit per byte of a text: set for base64 bytes.
struct B64Bits {
    words: Vec<u64>,
    len: usize,
}

impl B64Bits {
    fn new(text: &[u8]) -> Self {
        let mut words = Vec::with_capacity(text.len().div_ceil(64));
        let mut blocks = text.chunks_exact(64);
        for block in blocks.by_ref() {
            let mut b = [0u8; 64];
            b.copy_from_slice(block);
            words.push(b64_mask(&b));
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 64];
            b[..rest.len()].copy_from_slice(rest);
            words.push(b64_mask(&b) & ((1u64 << rest.len()) - 1));
        }
        B64Bits {
            words,
            len: text.len(),
        }
    }

    /// The bits of the positions where a run of at least `n` set bits starts (`n` ≥ 1): the
    /// first bit of every such run is set, and no bit outside one.
    fn runs_at_least(&self, n: usize) -> B64Bits {
        let mut words = self.words.clone();
        // Doubling: while bit i means "h bits set from i", `w & (w >> k)` for k ≤ h means
        // "h + k bits set from i".
        let mut have = 1;
        while have < n {
            let k = have.min(n - have);
            and_shifted(&mut words, k);
            have += k;
        }
        B64Bits {
            words,
            len: self.len,
        }
    }

    /// The first position at or after `i` whose bit is `set`, or the text's length.
    fn next(&self, i: usize, set: bool) -> usize {
        let mut w = i / 64;
        let flip = if set { 0 } else { u64::MAX };
        let Some(&first) = self.words.get(w) else {
            return self.len;
        };
        let mut m = (first ^ flip) & (u64::MAX << (i % 64));
        loop {
            if m != 0 {
                return (w * 64 + m.trailing_zeros() as usize).min(self.len);
            }
            w += 1;
            match self.words.get(w) {
                Some(&next) => m = next ^ flip,
                None => return self.len,
            }
        }
    }
}

/// `words[i] &= (words >> k)[i]`, the words read as one little-endian bit string (`0 < k <
/// 64`; zeros shift in past the end).
fn and_shifted(words: &mut [u64], k: usize) {
    for i in 0..words.len() {
        let next = words.get(i + 1).copied().unwrap_or(0);
        words[i] &= (words[i] >> k) | (next << (64 - k));
    }
}

/// Spans of base64-looking tokens in `text` (standard or URL-safe alphabet, optional `=`).
///
/// A token is a maximal run of base64 bytes and at most two `=` after it, so only runs of
/// `MIN_BASE64 - 2` bytes or more can be long enough. The text is classified 64 bytes at a
/// time into a bitmap, the starts of such runs are found with shifts and ands of whole
/// words, and only those runs are looked at: on source code, where most runs are short
/// words, that is a small fraction of a byte-by-byte walk.
pub fn base64_tokens(text: &[u8]) -> Vec<(usize, usize)> {
    let bits = B64Bits::new(text);
    let long = bits.runs_at_least(MIN_BASE64 - 2);
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let start = long.next(i, true);
        if start >= text.len() {
            break;
        }
        let stop = bits.next(start, false);
        let mut end = stop;
        while end < text.len() && end - stop < 2 && text[end] == b'=' {
            end += 1;
        }
        if (MIN_BASE64..=MAX_BASE64).contains(&(end - start)) {
            out.push((start, end));
        }
        i = end;
    }
    out
}

fn is_text_byte(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t')
}

/// Decodes a base64 token if the result is text (at least 95 % printable ASCII or whitespace).
///
/// The token is a span from [`base64_tokens`]: `=` is dropped wherever it is, `-` and `_` read
/// as `+` and `/`, and the rest is decoded as unpadded standard base64 that must not leave
/// bits set after its last byte (as the `base64` crate's `STANDARD_NO_PAD` engine does).
/// Decoding stops as soon as too many bytes are not text for the result to pass: most tokens
/// are identifiers or binary data, rejected after a few bytes.
pub fn decode_base64_text(token: &[u8]) -> Option<Vec<u8>> {
    let n = token.iter().filter(|&&b| b != b'=').count();
    if n % 4 == 1 {
        return None;
    }
    // Every byte of a token is a base64 byte or `=`; anything else is not a token.
    let mut values = token
        .iter()
        .filter(|&&b| b != b'=')
        .map(|&b| B64_VALUE[usize::from(b)]);
    let len = n / 4 * 3 + (n % 4).saturating_sub(1);
    if len < 12 {
        return None;
    }
    // At most this many bytes may be other than text.
    let allowed = len * 5 / 100;
    let mut bad = 0usize;
    let mut out = Vec::with_capacity(len);
    let mut push = |b: u8, out: &mut Vec<u8>| -> bool {
        if !is_text_byte(b) {
            bad += 1;
        }
        out.push(b);
        bad <= allowed
    };
    let mut quad = [0u8; 4];
    let mut have = 0usize;
    for v in values.by_ref() {
        if v == NOT_B64 {
            return None;
        }
        quad[have] = v;
        have += 1;
        if have == 4 {
            have = 0;
            let [a, b, c, d] = quad;
            if !push((a << 2) | (b >> 4), &mut out)
                || !push((b << 4) | (c >> 2), &mut out)
                || !push((c << 6) | d, &mut out)
            {
                return None;
            }
        }
    }
    match have {
        0 => {}
        2 => {
            let [a, b, ..] = quad;
            if b & 0x0F != 0 || !push((a << 2) | (b >> 4), &mut out) {
                return None;
            }
        }
        3 => {
            let [a, b, c, _] = quad;
            if c & 0x03 != 0
                || !push((a << 2) | (b >> 4), &mut out)
                || !push((b << 4) | (c >> 2), &mut out)
            {
                return None;
            }
        }
        _ => return None,
    }
    Some(out)
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

    /// The decoder used before: the `base64` crate on the cleaned-up token, then the text test.
    fn decode_with_crate(token: &[u8]) -> Option<Vec<u8>> {
        use base64::Engine as _;
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
        let printable = decoded.iter().filter(|&&b| is_text_byte(b)).count();
        (printable * 100 >= decoded.len() * 95).then_some(decoded)
    }

    #[test]
    fn decoder_agrees_with_the_base64_crate() {
        use base64::Engine as _;
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::STANDARD_NO_PAD,
        ];
        // A fixed-seed generator: text (mostly printable, some not), random bytes, and random
        // strings of base64 bytes, at every length around the 12-byte minimum and beyond.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
        let mut checked = 0;
        for round in 0..20_000u64 {
            let len = (next() % 90) as usize;
            let token: Vec<u8> = match round % 4 {
                0 | 1 => {
                    let plain: Vec<u8> = (0..len)
                        .map(|_| {
                            let r = next();
                            if r % 40 == 0 {
                                (r >> 8) as u8
                            } else {
                                b' ' + (r >> 8) as u8 % 95
                            }
                        })
                        .collect();
                    engines[(round / 4 % 3) as usize].encode(plain).into_bytes()
                }
                2 => engines[0]
                    .encode((0..len).map(|_| next() as u8).collect::<Vec<u8>>())
                    .into_bytes(),
                _ => {
                    let pad = (next() % 3) as usize;
                    let mut t: Vec<u8> = (0..len)
                        .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                        .collect();
                    t.extend(std::iter::repeat_n(b'=', pad));
                    t
                }
            };
            assert_eq!(
                decode_base64_text(&token),
                decode_with_crate(&token),
                "{}",
                String::from_utf8_lossy(&token)
            );
            checked += usize::from(decode_with_crate(&token).is_some());
        }
        assert!(checked > 1_000, "too few tokens decoded to text: {checked}");
    }

    /// The tokenizer used before: a byte-by-byte walk with the decoding table.
    fn tokens_byte_by_byte(text: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            let Some(start) = text[i..].iter().position(|&b| is_b64(b)) else {
                break;
            };
            let start = i + start;
            i = text[start..]
                .iter()
                .position(|&b| !is_b64(b))
                .map_or(text.len(), |n| start + n);
            let mut end = i;
            while end < text.len() && end - i < 2 && text[end] == b'=' {
                end += 1;
            }
            if (MIN_BASE64..=MAX_BASE64).contains(&(end - start)) {
                out.push((start, end));
            }
            i = end.max(i);
        }
        out
    }

    #[test]
    fn bitmap_tokenizer_agrees_with_the_byte_walk() {
        for b in 0..=255u8 {
            assert_eq!(is_b64_byte(b), is_b64(b), "{b}");
        }
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"AZaz09+/-_=== \n.,;:\"'\xff\x00";
        for round in 0..3_000u64 {
            let len = (next() % 400) as usize;
            let run = 1 + round % 40;
            let mut text = Vec::with_capacity(len);
            while text.len() < len {
                let pick = next();
                let b = alphabet[(pick % alphabet.len() as u64) as usize];
                let n = if b.is_ascii_alphanumeric() {
                    run
                } else {
                    1 + pick % 3
                };
                for k in 0..n {
                    text.push(if b.is_ascii_alphanumeric() {
                        b + (k % 3) as u8
                    } else {
                        b
                    });
                }
            }
            assert_eq!(
                base64_tokens(&text),
                tokens_byte_by_byte(&text),
                "{}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn tokens_are_runs_of_base64_bytes_with_at_most_two_equals() {
        let text = b"a=b AbCdEfGhIjKlMnOpQrStUv== x/y_z-0+1AbCdEfGhIjKlMnO=== \xff\x00tail";
        assert_eq!(base64_tokens(text), vec![(4, 28), (29, 55)]);
        assert_eq!(base64_tokens(b""), vec![]);
        assert_eq!(base64_tokens(b"short_token"), vec![]);
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
