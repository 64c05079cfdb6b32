//! The one redactor: hides credentials in text that leaves the process (logs, a child's output,
//! messages naming a database URL).
//!
//! A [`Redactor`] hides every span the engine finds in a line plus exact occurrences of values
//! the caller knows are secret (the credentials it handed a child). How a hidden span is shown
//! is a [`Marker`]. [`redact_url`] hides the password of a connection URL.

use std::borrow::Cow;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::matcher::Matcher;

/// Shortest known value that is hidden by exact match: shorter ones would redact ordinary text.
pub const MIN_KNOWN_LEN: usize = 4;

/// How a hidden span is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Marker {
    /// [`crate::redact`]'s form: at most four leading characters and the length (`ghp_…(40)`).
    #[default]
    Partial,
    /// `[REDACTED:<rule id>]` for an engine finding, `[REDACTED]` for a known value (logs).
    RuleId,
}

/// Rewrites lines so that no credential survives.
pub struct Redactor {
    matcher: Arc<Matcher>,
    known: Vec<Zeroizing<Vec<u8>>>,
    marker: Marker,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("known", &self.known.len())
            .field("marker", &self.marker)
            .finish()
    }
}

/// What a merged span hides: the rule of its first engine finding, if any.
struct Span {
    start: usize,
    end: usize,
    rule: Option<usize>,
}

impl Redactor {
    /// A redactor that hides what `matcher` finds, shown as [`Marker::Partial`].
    pub fn new(matcher: Arc<Matcher>) -> Self {
        Redactor {
            matcher,
            known: Vec::new(),
            marker: Marker::Partial,
        }
    }

    /// Also hides exact occurrences of each of `known` (values shorter than
    /// [`MIN_KNOWN_LEN`] bytes are ignored). The copies are wiped on drop.
    pub fn with_known<'a>(mut self, known: impl IntoIterator<Item = &'a [u8]>) -> Self {
        self.known.extend(
            known
                .into_iter()
                .filter(|k| k.len() >= MIN_KNOWN_LEN)
                .map(|k| Zeroizing::new(k.to_vec())),
        );
        self
    }

    /// Chooses how hidden spans are written.
    pub fn with_marker(mut self, marker: Marker) -> Self {
        self.marker = marker;
        self
    }

    /// The engine this redactor uses.
    pub fn matcher(&self) -> &Arc<Matcher> {
        &self.matcher
    }

    /// `line` with every credential replaced by its marker; borrowed when nothing was hidden.
    pub fn redact_line<'a>(&self, line: &'a [u8]) -> Cow<'a, [u8]> {
        let mut spans: Vec<Span> = self
            .matcher
            .scan(line)
            .iter()
            .map(|m| Span {
                start: m.start,
                end: m.end,
                rule: Some(m.rule),
            })
            .collect();
        for k in &self.known {
            spans.extend(memchr::memmem::find_iter(line, k.as_slice()).map(|s| Span {
                start: s,
                end: s + k.len(),
                rule: None,
            }));
        }
        if spans.is_empty() {
            return Cow::Borrowed(line);
        }
        spans.sort_unstable_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
        for s in spans {
            match merged.last_mut() {
                Some(last) if s.start <= last.end => {
                    last.end = last.end.max(s.end);
                    last.rule = last.rule.or(s.rule);
                }
                _ => merged.push(s),
            }
        }
        let mut out = Vec::with_capacity(line.len());
        let mut at = 0;
        for s in merged {
            out.extend_from_slice(&line[at..s.start]);
            match (self.marker, s.rule) {
                (Marker::Partial, _) => {
                    out.extend_from_slice(crate::redact(&line[s.start..s.end]).as_bytes())
                }
                (Marker::RuleId, Some(rule)) => {
                    out.extend_from_slice(b"[REDACTED:");
                    out.extend_from_slice(self.matcher.rule(rule).id.as_bytes());
                    out.push(b']');
                }
                (Marker::RuleId, None) => out.extend_from_slice(b"[REDACTED]"),
            }
            at = s.end;
        }
        out.extend_from_slice(&line[at..]);
        Cow::Owned(out)
    }

    /// [`Self::redact_line`] over text, as a `String` (invalid UTF-8 replaced).
    pub fn redact_text(&self, text: &[u8]) -> String {
        String::from_utf8_lossy(&self.redact_line(text)).into_owned()
    }
}

/// Hides the password of `scheme://user:password@host/...` and the values of query parameters
/// whose name contains `password` (`?sslpassword=...`). Other URLs come back unchanged.
///
/// ```
/// use zerokey_core::redactor::redact_url;
/// assert_eq!(redact_url("postgres://app:hunter2@db:5432/zk"), "postgres://app:****@db:5432/zk");
/// assert_eq!(redact_url("postgres://db/zk?password=x&a=b"), "postgres://db/zk?password=****&a=b");
/// ```
pub fn redact_url(url: &str) -> String {
    const HIDDEN: &str = "****";
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((auth, host)) => match auth.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:{HIDDEN}@{host}"),
                None => head.to_string(),
            },
            None => head.to_string(),
        },
        None => head.to_string(),
    };
    if let Some(q) = query {
        let parts: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.to_ascii_lowercase().contains("password") => {
                    format!("{k}={HIDDEN}")
                }
                _ => kv.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&parts.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleSet;

    fn matcher() -> Arc<Matcher> {
        Arc::new(Matcher::new(&RuleSet::builtin().unwrap()).unwrap())
    }

    // A canary: a GitHub token with a valid checksum that was never issued.
    const CANARY: &str = "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";

    #[test]
    fn partial_marker_shows_at_most_four_characters() {
        let r = Redactor::new(matcher());
        let out = r.redact_text(format!("token {CANARY} end\n").as_bytes());
        assert_eq!(out, "token ghp_…(40) end\n");
    }

    #[test]
    fn rule_id_marker_names_the_rule_and_known_values_are_hidden() {
        let known = b"s3cr3t-value-of-child".to_vec();
        let r = Redactor::new(matcher())
            .with_known([known.as_slice()])
            .with_marker(Marker::RuleId);
        let out = r.redact_text(format!("a=s3cr3t-value-of-child b={CANARY}\n").as_bytes());
        assert!(out.contains("a=[REDACTED] "), "{out}");
        assert!(out.contains("b=[REDACTED:github-"), "{out}");
        assert!(
            !out.contains("s3cr3t") && !out.contains("R8nT2vXq9"),
            "{out}"
        );
    }

    #[test]
    fn clean_lines_are_borrowed_and_short_known_values_ignored() {
        let r = Redactor::new(matcher()).with_known([b"ab".as_slice()]);
        assert!(matches!(
            r.redact_line(b"ab nothing here\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn overlapping_spans_are_hidden_once() {
        let line = CANARY.as_bytes();
        let r = Redactor::new(matcher()).with_known([&line[10..30]]);
        let out = r.redact_text(line);
        assert_eq!(out, "ghp_…(40)");
    }

    #[test]
    fn urls_are_masked() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/zk"),
            "postgres://app:****@db:5432/zk"
        );
        assert_eq!(redact_url("sqlite://zerokey.db"), "sqlite://zerokey.db");
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(
            redact_url("postgresql://u:p@h/db?sslmode=require&PassWord=x"),
            "postgresql://u:****@h/db?sslmode=require&PassWord=****"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
