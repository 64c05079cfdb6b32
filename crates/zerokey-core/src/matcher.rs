//! The matcher: an Aho-Corasick keyword prefilter over all rules, then each candidate rule's
//! regex on the regions around its keyword hits, then filters and validators.
//!
//! Regions of one rule that overlap are merged, so a region is searched once. A regex sees the
//! whole haystack through a span, so `\b` and `^` at a region's edge behave as on the full
//! input and results do not depend on where a region starts.

use crate::code_shape;
use crate::entropy;
use crate::filters;
use crate::finding::Confidence;
use crate::rules::{Rule, RuleError, RuleSet};
use crate::validators::Outcome;
use aho_corasick::{AhoCorasick, MatchKind};
use regex_automata::meta::{self, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::Input;
use std::collections::HashMap;

/// Compiles a rule pattern in the engine's dialect: bytes, Unicode off.
pub fn compile_pattern(pattern: &str) -> Result<Regex, Box<meta::BuildError>> {
    Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .hybrid_cache_capacity(1 << 19),
        )
        .build(pattern)
        .map_err(Box::new)
}

struct Compiled {
    rule: Rule,
    regex: Regex,
    group: Option<usize>,
}

/// A confirmed candidate: which rule, and where the secret is in the scanned bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in [`Matcher::rules`].
    pub rule: usize,
    /// Byte offset where the secret starts.
    pub start: usize,
    /// Byte offset just past the secret.
    pub end: usize,
    /// Confidence after validators.
    pub confidence: Confidence,
    /// True when a checksum or structure check proved the format.
    pub proven: bool,
    /// True when the user's allowlist (regexes, stopwords) covers the secret.
    pub allowlisted: bool,
}

/// User allowlist applied to every candidate secret: regexes (matched against the secret) and
/// stopwords (case-insensitive substrings). Matches are kept but marked, so they can be
/// counted as suppressed.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    regexes: Vec<Regex>,
    stopwords: Vec<Vec<u8>>,
}

impl Allowlist {
    /// Builds an allowlist; `source` names where the patterns come from, for errors.
    pub fn new(source: &str, regexes: &[String], stopwords: &[String]) -> Result<Self, RuleError> {
        let regexes = regexes
            .iter()
            .map(|p| {
                compile_pattern(p).map_err(|e| RuleError::Invalid {
                    file: source.to_string(),
                    id: "allowlist".into(),
                    message: format!("invalid regex {p:?}: {e}"),
                })
            })
            .collect::<Result<_, _>>()?;
        let stopwords = stopwords
            .iter()
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_lowercase().into_bytes())
            .collect();
        Ok(Allowlist { regexes, stopwords })
    }

    /// True if `secret` is allowed.
    pub fn covers(&self, secret: &[u8]) -> bool {
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if self
                .stopwords
                .iter()
                .any(|w| memchr::memmem::find(&lower, w).is_some())
            {
                return true;
            }
        }
        self.regexes.iter().any(|r| r.is_match(secret))
    }
}

/// Matches of one scan, and the spans specific rules recognised but rejected.
#[derive(Default)]
struct Found {
    matches: Vec<Match>,
    vetoed: Vec<(usize, usize)>,
}

/// Compiled rules plus the keyword prefilter. Cheap to share between threads (`Arc`).
pub struct Matcher {
    rules: Vec<Compiled>,
    prefilter: AhoCorasick,
    keyword_rules: Vec<Vec<usize>>,
    allowlist: Allowlist,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("rules", &self.rules.len())
            .field("keywords", &self.keyword_rules.len())
            .finish()
    }
}

impl Matcher {
    /// Compiles `set`.
    pub fn new(set: &RuleSet) -> Result<Self, RuleError> {
        let mut rules = Vec::with_capacity(set.len());
        let mut keywords: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (i, rule) in set.rules().iter().enumerate() {
            let regex = compile_pattern(&rule.pattern).map_err(|e| RuleError::Invalid {
                file: rule.file.clone(),
                id: rule.id.clone(),
                message: format!("invalid pattern: {e}"),
            })?;
            let group = regex
                .group_info()
                .to_index(regex_automata::PatternID::ZERO, "secret")
                .or_else(|| {
                    (regex
                        .group_info()
                        .group_len(regex_automata::PatternID::ZERO)
                        > 1)
                    .then_some(1)
                });
            for kw in &rule.keywords {
                let kw = kw.to_ascii_lowercase();
                let k = *index.entry(kw.clone()).or_insert_with(|| {
                    keywords.push(kw);
                    keyword_rules.push(Vec::new());
                    keyword_rules.len() - 1
                });
                if !keyword_rules[k].contains(&i) {
                    keyword_rules[k].push(i);
                }
            }
            rules.push(Compiled {
                rule: rule.clone(),
                regex,
                group,
            });
        }
        let prefilter = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&keywords)
            .map_err(|e| RuleError::Invalid {
                file: "<keywords>".into(),
                id: "<prefilter>".into(),
                message: e.to_string(),
            })?;
        Ok(Self {
            rules,
            prefilter,
            keyword_rules,
            allowlist: Allowlist::default(),
        })
    }

    /// Marks matches the allowlist covers (see [`Match::allowlisted`]).
    pub fn with_allowlist(mut self, allowlist: Allowlist) -> Self {
        self.allowlist = allowlist;
        self
    }

    /// The rule at `index` (as in [`Match::rule`]).
    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index].rule
    }

    /// All rules, in order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True if there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Finds secrets in `hay`, returned sorted by position with overlaps resolved.
    pub fn scan(&self, hay: &[u8]) -> Vec<Match> {
        let mut out = Found::default();
        let mut pending: Vec<Option<(usize, usize)>> = vec![None; self.rules.len()];
        let mut caps: Vec<Option<Captures>> = vec![None; self.rules.len()];
        for hit in self.prefilter.find_overlapping_iter(hay) {
            for &r in &self.keyword_rules[hit.pattern().as_usize()] {
                let rule = &self.rules[r].rule;
                let lo = hit.start().saturating_sub(rule.lookbehind);
                let hi = hay.len().min(hit.end().saturating_add(rule.window));
                pending[r] = match pending[r] {
                    Some((s, e)) if lo <= e => Some((s.min(lo), e.max(hi))),
                    Some((s, e)) => {
                        self.search_region(r, hay, s, e, &mut caps[r], &mut out);
                        Some((lo, hi))
                    }
                    None => Some((lo, hi)),
                };
            }
        }
        for (r, region) in pending.iter().enumerate() {
            if let Some((s, e)) = *region {
                self.search_region(r, hay, s, e, &mut caps[r], &mut out);
            }
        }
        self.resolve(out)
    }

    fn search_region(
        &self,
        r: usize,
        hay: &[u8],
        start: usize,
        end: usize,
        caps: &mut Option<Captures>,
        out: &mut Found,
    ) {
        let compiled = &self.rules[r];
        let caps = caps.get_or_insert_with(|| compiled.regex.create_captures());
        let mut at = start;
        while at < end {
            let input = Input::new(hay).span(at..end);
            compiled.regex.search_captures(&input, caps);
            let Some(m) = caps.get_match() else { break };
            let span = compiled
                .group
                .and_then(|g| caps.get_group(g))
                .unwrap_or(m.span());
            if span.start < span.end {
                match self.confirm(r, hay, span.start, span.end) {
                    Some(found) => out.matches.push(found),
                    // A specific rule recognised the format and rejected the value (bad
                    // checksum, example key, placeholder): generic rules must not report it.
                    None if !compiled.rule.generic => out.vetoed.push((span.start, span.end)),
                    None => {}
                }
            }
            at = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
        }
    }

    fn confirm(&self, r: usize, hay: &[u8], start: usize, end: usize) -> Option<Match> {
        let rule = &self.rules[r].rule;
        let secret = &hay[start..end];
        if filters::placeholder_reason(secret).is_some() {
            return None;
        }
        if rule.generic && code_shape::not_a_secret(hay, start, end).is_some() {
            return None;
        }
        if let Some(min) = rule.min_entropy {
            if entropy::shannon(secret) < min {
                return None;
            }
        }
        let mut proven = false;
        for v in &rule.validators {
            match v.check(secret) {
                Outcome::Reject => return None,
                Outcome::Proven => proven = true,
                Outcome::Pass => {}
            }
        }
        Some(Match {
            rule: r,
            start,
            end,
            confidence: if proven {
                Confidence::High
            } else {
                rule.confidence
            },
            proven,
            allowlisted: self.allowlist.covers(secret),
        })
    }

    /// Sorts, removes duplicates, and lets specific rules win over generic ones: a generic
    /// match overlapping a specific match, or a value a specific rule rejected, is dropped; of two specific matches on the same span
    /// the more confident (then the earlier rule) is kept.
    fn resolve(&self, found: Found) -> Vec<Match> {
        let Found {
            matches: mut found,
            vetoed,
        } = found;
        found.retain(|m| {
            !(self.rules[m.rule].rule.generic
                && vetoed.iter().any(|&(s, e)| s < m.end && m.start < e))
        });
        found.sort_by_key(|m| (m.start, m.end, m.rule));
        found.dedup_by_key(|m| (m.start, m.end, m.rule));
        let mut keep = vec![true; found.len()];
        for i in 0..found.len() {
            for j in i + 1..found.len() {
                if found[j].start >= found[i].end {
                    break;
                }
                let (a, b) = (found[i], found[j]);
                let (ga, gb) = (
                    self.rules[a.rule].rule.generic,
                    self.rules[b.rule].rule.generic,
                );
                let loser = match (ga, gb) {
                    (true, false) => Some(i),
                    (false, true) => Some(j),
                    _ if a.start == b.start && a.end == b.end => {
                        if (b.confidence, std::cmp::Reverse(b.rule))
                            > (a.confidence, std::cmp::Reverse(a.rule))
                        {
                            Some(i)
                        } else {
                            Some(j)
                        }
                    }
                    (true, true) => Some(j),
                    _ => None,
                };
                if let Some(l) = loser {
                    keep[l] = false;
                }
            }
        }
        found
            .into_iter()
            .zip(keep)
            .filter_map(|(m, k)| k.then_some(m))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(toml: &str) -> RuleSet {
        let mut s = RuleSet::default();
        s.add_file("t.toml", toml).unwrap_or_else(|e| panic!("{e}"));
        s
    }

    const TWO: &str = r#"
[[rules]]
id = "tok"
name = "token"
severity = "high"
confidence = "medium"
keywords = ["tok_"]
pattern = '\b(tok_[a-z0-9]{8})\b'

[[rules]]
id = "generic"
name = "generic"
severity = "low"
confidence = "low"
keywords = ["key"]
generic = true
pattern = 'key\s*=\s*"(?P<secret>[^"]{8,})"'
"#;

    #[test]
    fn finds_and_resolves_generic_overlap() {
        let m = Matcher::new(&set(TWO)).unwrap_or_else(|e| panic!("{e}"));
        let hay = br#"x key = "tok_a1b2c3d4" y key = "Zq8vLm3nRt""#;
        let found = m.scan(hay);
        let ids: Vec<&str> = found.iter().map(|f| m.rule(f.rule).id.as_str()).collect();
        assert_eq!(ids, ["tok", "generic"]);
        assert_eq!(&hay[found[0].start..found[0].end], b"tok_a1b2c3d4");
    }

    #[test]
    fn generic_rules_do_not_report_values_a_specific_rule_rejected() {
        let generic_only = &TWO[TWO.find("[[rules]]\nid = \"generic\"").unwrap_or(0)..];
        let strict = r#"
[[rules]]
id = "strict"
name = "strict"
severity = "high"
confidence = "high"
keywords = ["tok_"]
pattern = '\b(tok_[a-z0-9]{8})\b'
min_entropy = 7.9
"#;
        let hay = br#"key = "tok_a1b2c3d4""#;
        // Without the specific rule, the generic one reports the quoted value...
        let m = Matcher::new(&set(generic_only)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.scan(hay).len(), 1);
        // ...but once "strict" recognises the format and rejects the value, nothing is.
        let m = Matcher::new(&set(&format!("{strict}{generic_only}")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(m.scan(hay).is_empty());
    }

    #[test]
    fn word_boundary_respects_region_edges() {
        let m = Matcher::new(&set(TWO)).unwrap_or_else(|e| panic!("{e}"));
        // 300 bytes of filler put the region start mid-word: no spurious \b there.
        let mut hay = vec![b'a'; 300];
        hay.extend_from_slice(b"tok_a1b2c3d4");
        assert!(m.scan(&hay).is_empty());
    }

    #[test]
    fn keyword_is_case_insensitive_and_regions_merge() {
        let m = Matcher::new(&set(TWO)).unwrap_or_else(|e| panic!("{e}"));
        let hay = b"TOK_ tok_a1b2c3d4 tok_e5f6g7h8";
        assert_eq!(m.scan(hay).len(), 2);
    }
}
