//! Global filters every candidate passes through, whatever its rule: documented example keys,
//! placeholders, template and environment references, redacted values, runs of one
//! character, long names made of words (`PropertyNameParseIndicConjunctBreakV1`) and base64 of
//! words (`dGVzdHVzZXI6dGVzdHBhc3M=`, `testuser:testpass`). They encode what a person means by "that is not a real secret".

/// Longest secret checked for runs and ascending sequences.
const SHAPE_CHECK_MAX: usize = 64;

use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::LazyLock;

/// Substrings that mark a value as an example, a placeholder or a reference, most telling
/// first: the first one (in this order) found in the lowercased secret names the reason.
const MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "changeme",
    "change_me",
    "change-me",
    "replaceme",
    "replace_me",
    "replace-me",
    "placeholder",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "yourpassword",
    "insert_",
    "insert-",
    "dummy",
    "redacted",
    "****",
    "\u{2022}\u{2022}",
    "...",
    "${",
    "{{",
    "}}",
    "%(",
    "$(",
    "os.environ",
    "os.getenv",
    "getenv(",
    "process.env",
    "env::var",
    "env.",
    "secrets.",
];

/// One automaton for all [`MARKERS`], built once: every candidate of every rule is checked,
/// and building a substring finder per marker per candidate cost more than the search.
static MARKER_SEARCH: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(MARKERS)
        .ok()
});

/// The first of [`MARKERS`] (in list order) that occurs in `lower`.
fn first_marker(lower: &[u8]) -> Option<&'static str> {
    match MARKER_SEARCH.as_ref() {
        Some(ac) => ac
            .find_overlapping_iter(lower)
            .map(|m| m.pattern().as_usize())
            .min()
            .and_then(|i| MARKERS.get(i).copied()),
        // Unreachable in practice (the markers are fixed and valid); fall back to one search
        // per marker.
        None => MARKERS
            .iter()
            .find(|m| memchr::memmem::find(lower, m.as_bytes()).is_some())
            .copied(),
    }
}

/// Why a candidate was dropped, or `None` if it may be a secret.
pub fn placeholder_reason(secret: &[u8]) -> Option<&'static str> {
    let lower: Vec<u8> = secret.to_ascii_lowercase();
    let has = |needle: u8| memchr::memchr(needle, &lower).is_some();
    let starts = |p: &str| lower.starts_with(p.as_bytes());

    if let Some(m) = first_marker(&lower) {
        if m == "example" {
            return Some("documented example value");
        }
        let reference = m.contains(['{', '(', '.', ':']) && !m.starts_with("..");
        return Some(if reference {
            "reference to a variable, not a value"
        } else {
            "placeholder"
        });
    }
    if starts("<") || (has(b'<') && has(b'>')) || starts("[") && lower.ends_with(b"]") {
        return Some("placeholder");
    }
    for p in ["var.", "local.", "data.", "module.", "self.", "this.", "$"] {
        if starts(p) {
            return Some("reference to a variable, not a value");
        }
    }
    if crate::code_shape::is_word_identifier(secret) {
        return Some("a name made of words, not a key");
    }
    if crate::code_shape::base64_of_text(secret) {
        return Some("base64 of words (a test credential or a label)");
    }
    // Long secrets (keys, session tokens) encode binary data whose zero bytes give runs
    // like `AAAAAA`; only short ones that look typed by hand are judged by their shape.
    if secret.len() <= SHAPE_CHECK_MAX {
        if has_run(secret, 6) {
            return Some("run of one character");
        }
        if has_sequence(&lower, 8) {
            return Some("ascending sequence");
        }
    }
    None
}

/// True if some byte repeats `n` times in a row.
fn has_run(s: &[u8], n: usize) -> bool {
    s.windows(n).any(|w| w.iter().all(|&b| b == w[0]))
}

/// True if `n` consecutive bytes ascend by one (`abcdefgh`, `12345678`).
fn has_sequence(s: &[u8], n: usize) -> bool {
    s.windows(n)
        .any(|w| w.windows(2).all(|p| p[1] == p[0].wrapping_add(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_dropped() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AKIAXXXXXXXXXXXXXXXX",
            "<your-key>",
            "changeme",
            "${AWS_SECRET_ACCESS_KEY}",
            "${{ secrets.NPM_TOKEN }}",
            "os.environ[\"DB_PASSWORD\"]",
            "process.env.TOKEN",
            "var.github_token",
            "********",
            "[REDACTED]",
            "aaaaaaaaaaaa",
            "abcdefghijklmnop",
            "1234567890",
            "PropertyNameShortIndicConjunctBreakV1",
            "dGVzdHVzZXI6dGVzdHBhc3M=",
        ] {
            assert!(placeholder_reason(p.as_bytes()).is_some(), "{p}");
        }
    }

    #[test]
    fn real_looking_secrets_pass() {
        for s in [
            "AKIAZ3MHQ7VXL2WRT5NB",
            "ghp_R8bXk2mP9qL4vN7sT1wY6zC3dF5hJ0aE2gK8",
            "Tr0ub4dor&3xQ!pLm9",
        ] {
            assert_eq!(placeholder_reason(s.as_bytes()), None, "{s}");
        }
    }
}
