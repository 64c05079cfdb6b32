//! One blob through the engine: decoding layers, matching, locations in the original bytes,
//! inline `zerokey:allow`, and the finding record.

use crate::decode;
use crate::locate::{Base, Locator};
use zerokey_core::verify::{Verifier, AWS_KEY_ID_RULES, AWS_SECRET_RULES};
use zerokey_core::{
    fingerprint, redact, Finding, Matcher, Suppressed, SuppressionKind, Validation,
};

/// Marker that suppresses findings on its line and the line below.
pub const ALLOW_MARKER: &[u8] = b"zerokey:allow";

/// Where a blob comes from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// Path shown to the user.
    pub path: &'a str,
    /// Path relative to the scan root, used for fingerprints.
    pub rel_path: &'a str,
    /// Commit that introduced the blob, for history scans.
    pub commit: Option<&'a str>,
    /// Author date of that commit (RFC 3339).
    pub date: Option<&'a str>,
    /// Where inside `path` the blob is: archive members, each after `!` (`!layer.tar!etc/x`).
    /// Added to `path` for the finding's `location` and to `rel_path` for its fingerprint.
    pub inner: Option<&'a str>,
    /// For a database row laid out as text, its cells: a finding is placed in the cell it
    /// starts in, with line and column counted within the cell's value.
    pub cells: Option<&'a [Cell]>,
}

impl<'a> Origin<'a> {
    /// A plain file or stream: shown as `path`, fingerprinted by `rel_path`.
    pub fn file(path: &'a str, rel_path: &'a str) -> Self {
        Origin {
            path,
            rel_path,
            commit: None,
            date: None,
            inner: None,
            cells: None,
        }
    }
}

/// One database cell inside a row's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Text offset where the value starts.
    pub start: usize,
    /// Text offset just past the value.
    pub end: usize,
    /// The cell's part of the location, e.g. `:users[rowid=3].api_key`.
    pub suffix: String,
}

/// Findings of one blob, and those suppressed by `zerokey:allow` or the allowlist.
#[derive(Debug, Default)]
pub struct BlobResult {
    /// Reported findings, in position order.
    pub findings: Vec<Finding>,
    /// Suppressed findings.
    pub suppressed: Vec<Suppressed>,
}

impl BlobResult {
    /// Appends `other`.
    pub fn extend(&mut self, other: BlobResult) {
        self.findings.extend(other.findings);
        self.suppressed.extend(other.suppressed);
    }

    /// True if nothing was found, suppressed or not.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.suppressed.is_empty()
    }
}

/// Scans a whole blob, decoding UTF-16 first when the bytes are UTF-16 text.
pub fn scan_blob(matcher: &Matcher, origin: &Origin<'_>, bytes: &[u8]) -> BlobResult {
    scan_blob_with(matcher, origin, bytes, None)
}

/// [`scan_blob`], with live verification of the credentials it finds.
pub fn scan_blob_with(
    matcher: &Matcher,
    origin: &Origin<'_>,
    bytes: &[u8],
    verifier: Option<&dyn Verifier>,
) -> BlobResult {
    scan_blob_layer(matcher, origin, bytes, verifier, None)
}

/// [`scan_blob_with`] for bytes that came out of a decoding `layer` (e.g. `gzip`).
pub fn scan_blob_layer(
    matcher: &Matcher,
    origin: &Origin<'_>,
    bytes: &[u8],
    verifier: Option<&dyn Verifier>,
    layer: Option<&'static str>,
) -> BlobResult {
    match decode::detect_utf16(bytes) {
        Some(order) => {
            let d = decode::decode_utf16(bytes, order);
            scan_text(
                matcher,
                origin,
                &Text {
                    map: Some(&d.map),
                    layer: Some("utf16"),
                    ..Text::whole(&d.text)
                },
                verifier,
            )
        }
        None => scan_text(
            matcher,
            origin,
            &Text {
                layer,
                ..Text::whole(bytes)
            },
            verifier,
        ),
    }
}

struct Candidate<'t> {
    rule: usize,
    span: (usize, usize),
    secret: &'t [u8],
    confidence: zerokey_core::Confidence,
    proven: bool,
    allowlisted: bool,
    layer: Option<&'static str>,
}

/// Text to scan and where it sits in its original input.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    /// The bytes scanned: a blob, a chunk of one, or decoded text.
    pub bytes: &'a [u8],
    /// Where `bytes` starts in the original input (chunks).
    pub base: Base,
    /// Original offset of each byte of `bytes`, for decoded text (UTF-16).
    pub map: Option<&'a [usize]>,
    /// Only matches starting before this offset are reported (chunks overlap; the next chunk
    /// reports the rest).
    pub report_limit: usize,
    /// The decoding layer `bytes` came from, if any.
    pub layer: Option<&'static str>,
}

impl<'a> Text<'a> {
    /// A whole input, as is.
    pub fn whole(bytes: &'a [u8]) -> Self {
        Text {
            bytes,
            base: Base::default(),
            map: None,
            report_limit: usize::MAX,
            layer: None,
        }
    }
}

/// Scans one [`Text`]; `verifier` (opt-in) checks the credentials it finds.
pub fn scan_text(
    matcher: &Matcher,
    origin: &Origin<'_>,
    source: &Text<'_>,
    verifier: Option<&dyn Verifier>,
) -> BlobResult {
    let Text {
        bytes: text,
        base,
        map,
        report_limit,
        layer,
    } = *source;
    let raw = matcher.scan(text);
    let decoded = decoded_layer(matcher, text);
    let mut candidates: Vec<Candidate<'_>> = Vec::with_capacity(raw.len());
    for m in &raw {
        let generic = matcher.rule(m.rule).generic;
        // A generic match on a base64 value that decoded to a specific secret yields to it.
        if generic
            && decoded
                .iter()
                .any(|(tok, _, _)| tok.0 < m.end && m.start < tok.1)
        {
            continue;
        }
        candidates.push(Candidate {
            rule: m.rule,
            span: (m.start, m.end),
            secret: &text[m.start..m.end],
            confidence: m.confidence,
            proven: m.proven,
            allowlisted: m.allowlisted,
            layer,
        });
    }
    for (tok, bytes, matches) in &decoded {
        for m in matches {
            candidates.push(Candidate {
                rule: m.rule,
                span: *tok,
                secret: &bytes[m.start..m.end],
                confidence: m.confidence,
                proven: m.proven,
                allowlisted: m.allowlisted,
                layer: Some("base64"),
            });
        }
    }
    let mut result = BlobResult::default();
    if candidates.is_empty() {
        return result;
    }
    candidates.sort_by_key(|c| (c.span, c.rule));
    let locator = Locator::new(text, base, map);
    let mut built: Vec<(Finding, Option<SuppressionKind>, &[u8], usize)> = Vec::new();
    for c in candidates {
        if c.span.0 >= report_limit {
            continue;
        }
        let rule = matcher.rule(c.rule);
        let suppression = if allowed(matcher, text, &locator, c.span.0, &rule.id) {
            Some(SuppressionKind::Inline)
        } else if c.allowlisted {
            Some(SuppressionKind::Config)
        } else {
            None
        };
        let last = c.span.1.saturating_sub(1).max(c.span.0);
        let cell = origin.cells.and_then(|cells| cell_at(cells, c.span.0));
        let (start, end) = match cell {
            Some(cell) => {
                let value = &text[cell.start..cell.end.max(cell.start)];
                let loc = Locator::new(value, Base::default(), None);
                let at = |off: usize| loc.position(off.saturating_sub(cell.start));
                (at(c.span.0), at(last.min(cell.end.saturating_sub(1))))
            }
            None => (locator.position(c.span.0), locator.position(last)),
        };
        let inner = format!(
            "{}{}",
            origin.inner.unwrap_or_default(),
            cell.map_or("", |c| c.suffix.as_str())
        );
        let fp_path = if inner.is_empty() {
            std::borrow::Cow::Borrowed(origin.rel_path)
        } else {
            std::borrow::Cow::Owned(format!("{}{inner}", origin.rel_path))
        };
        let finding = Finding {
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            severity: rule.severity,
            confidence: c.confidence,
            path: origin.path.to_string(),
            location: (!inner.is_empty()).then(|| format!("{}{inner}", origin.path)),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            commit: origin.commit.map(str::to_string),
            date: origin.date.map(str::to_string),
            redacted: redact(c.secret),
            fingerprint: fingerprint(&rule.id, &fp_path, c.secret),
            validation: if c.proven {
                Validation::OfflineValid
            } else {
                Validation::Unverified
            },
            decoded: c.layer.map(str::to_string),
            note: zerokey_core::notes::note_for(&rule.id, c.secret),
        };
        built.push((finding, suppression, c.secret, c.span.0));
    }
    if let Some(v) = verifier {
        verify_aws_pairs(v, &mut built);
    }
    for (finding, suppression, _, _) in built {
        match suppression {
            Some(kind) => result.suppressed.push(Suppressed { kind, finding }),
            None => result.findings.push(finding),
        }
    }
    result
}

/// The cell whose value holds text offset `off` (or the nearest one before it: a match that
/// starts in a cell's `column = ` prefix belongs to that cell).
fn cell_at(cells: &[Cell], off: usize) -> Option<&Cell> {
    let idx = cells.partition_point(|c| c.start <= off);
    cells
        .get(idx.saturating_sub(1))
        .filter(|_| !cells.is_empty())
}

/// Pairs each AWS secret with the nearest AWS key id of the same text and asks the verifier;
/// both findings get the verdict.
fn verify_aws_pairs(
    verifier: &dyn Verifier,
    built: &mut [(Finding, Option<SuppressionKind>, &[u8], usize)],
) {
    let ids: Vec<usize> = (0..built.len())
        .filter(|&i| AWS_KEY_ID_RULES.contains(&built[i].0.rule_id.as_str()))
        .collect();
    let secrets: Vec<usize> = (0..built.len())
        .filter(|&i| AWS_SECRET_RULES.contains(&built[i].0.rule_id.as_str()))
        .collect();
    for s in secrets {
        let Some(&k) = ids.iter().min_by_key(|&&k| built[k].3.abs_diff(built[s].3)) else {
            continue;
        };
        let verdict = verifier.verify_aws(built[k].2, built[s].2);
        for i in [k, s] {
            built[i].0.validation = verdict.validation;
            if let Some(note) = &verdict.note {
                built[i].0.note = Some(match built[i].0.note.take() {
                    Some(old) if !old.contains(note.as_str()) => format!("{old}; {note}"),
                    Some(old) => old,
                    None => note.clone(),
                });
            }
        }
    }
}

type DecodedHit = ((usize, usize), Vec<u8>, Vec<zerokey_core::Match>);

/// Base64 tokens of `text` that decode to text containing secrets.
fn decoded_layer(matcher: &Matcher, text: &[u8]) -> Vec<DecodedHit> {
    let mut out = Vec::new();
    for tok in decode::base64_tokens(text) {
        let Some(bytes) = decode::decode_base64_text(&text[tok.0..tok.1]) else {
            continue;
        };
        let matches = matcher.scan(&bytes);
        if !matches.is_empty() {
            out.push((tok, bytes, matches));
        }
    }
    out
}

/// True if `zerokey:allow` on the finding's line or the line above covers `rule_id`.
fn allowed(matcher: &Matcher, text: &[u8], loc: &Locator<'_>, off: usize, rule_id: &str) -> bool {
    let (s, e) = loc.line_span(off, text.len());
    if allow_covers(matcher, &text[s..e], rule_id) {
        return true;
    }
    // The line above counts only when it is a comment of its own, not code with a trailing
    // allow (which covers its own line only).
    loc.previous_line_span(off).is_some_and(|(s, e)| {
        let line = &text[s..e];
        comment_only_before_marker(line) && allow_covers(matcher, line, rule_id)
    })
}

fn comment_only_before_marker(line: &[u8]) -> bool {
    memchr::memmem::find(line, ALLOW_MARKER).is_some_and(|at| {
        line[..at]
            .iter()
            .all(|b| b.is_ascii_whitespace() || b"#/;-*!<%'\"{(".contains(b))
    })
}

fn allow_covers(matcher: &Matcher, line: &[u8], rule_id: &str) -> bool {
    let Some(at) = memchr::memmem::find(line, ALLOW_MARKER) else {
        return false;
    };
    let rest = &line[at + ALLOW_MARKER.len()..];
    let rest = rest
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'=' | b':'))
        .map_or(&rest[..0], |p| &rest[p..]);
    let word_len = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b',')))
        .unwrap_or(rest.len());
    let words: Vec<&[u8]> = rest[..word_len]
        .split(|&b| b == b',')
        .filter(|w| !w.is_empty())
        .collect();
    let names_rules = words
        .iter()
        .any(|w| matcher.rules().any(|r| r.id.as_bytes() == *w));
    !names_rules || words.contains(&rule_id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    const RULES: &str = r#"
[[rules]]
id = "tok"
name = "token"
severity = "high"
confidence = "medium"
keywords = ["tok_"]
pattern = '\b(tok_[a-z0-9]{12})\b'

[[rules]]
id = "generic"
name = "generic"
severity = "low"
confidence = "low"
generic = true
keywords = ["secret"]
pattern = 'secret:\s*(?P<secret>[A-Za-z0-9+/=]{12,})'
"#;

    fn matcher() -> Matcher {
        let mut set = zerokey_core::RuleSet::default();
        set.add_file("t.toml", RULES)
            .unwrap_or_else(|e| panic!("{e}"));
        Matcher::new(&set).unwrap_or_else(|e| panic!("{e}"))
    }

    const ORIGIN: Origin<'static> = Origin {
        path: "f",
        rel_path: "f",
        commit: None,
        date: None,
        inner: None,
        cells: None,
    };

    #[test]
    fn inline_allow_covers_named_rules_only() {
        let m = matcher();
        let text = b"a tok_a1b2c3d4e5f6 # zerokey:allow\n\
                     b tok_a1b2c3d4e5f7 # zerokey:allow generic\n\
                     # zerokey:allow tok,generic\n\
                     c tok_a1b2c3d4e5f8\n\
                     d tok_a1b2c3d4e5f9 # zerokey:allow because it is a test\n";
        let r = scan_blob(&m, &ORIGIN, text);
        let lines: Vec<usize> = r.findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, [2]);
        assert_eq!(r.suppressed.len(), 3);
        assert!(r
            .suppressed
            .iter()
            .all(|s| s.kind == SuppressionKind::Inline));
    }

    #[test]
    fn base64_value_reports_the_decoded_secret_not_the_generic_match() {
        let m = matcher();
        let b64 = base64::engine::general_purpose::STANDARD.encode("token=tok_z9y8x7w6v5u4 ");
        let text = format!("kind: Secret\ndata:\n  secret: {b64}\n");
        let r = scan_blob(&m, &ORIGIN, text.as_bytes());
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
        let f = &r.findings[0];
        assert_eq!((f.rule_id.as_str(), f.line, f.column), ("tok", 3, 11));
        assert_eq!(f.decoded.as_deref(), Some("base64"));
        assert_eq!(f.redacted, "tok_…(16)");
    }

    #[test]
    fn utf16_columns_count_original_bytes() {
        let m = matcher();
        let mut bytes = vec![0xFF, 0xFE];
        for u in "x\r\nkey = tok_a1b2c3d4e5f6\r\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let r = scan_blob(&m, &ORIGIN, &bytes);
        let f = &r.findings[0];
        assert_eq!((f.line, f.column), (2, 13));
        assert_eq!(f.decoded.as_deref(), Some("utf16"));
    }
}
