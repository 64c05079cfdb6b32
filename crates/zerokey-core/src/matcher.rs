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
use regex_automata::meta::{self, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

mod anchor;
mod keywords;
pub mod reference;

use keywords::Keywords;

/// Compiles a rule pattern in the engine's dialect: bytes, Unicode off.
pub fn compile_pattern(pattern: &str) -> Result<Regex, Box<meta::BuildError>> {
    meta_builder().build(pattern).map_err(Box::new)
}

fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

fn meta_builder() -> meta::Builder {
    let mut builder = Regex::builder();
    builder.syntax(syntax_config()).configure(
        meta::Config::new()
            .utf8_empty(false)
            .hybrid_cache_capacity(1 << 19),
    );
    builder
}

/// A regex compiled on first use. Most rules see no keyword hit in a given scan, and compiling
/// all of them up front was the largest fixed cost of a scan of a small tree. Every pattern
/// of a rule set has been checked already (user rules compiled when added, built-in ones
/// compiled by the tests); one that still failed here would match nothing.
struct LazyRegex {
    source: LazySource,
    cell: OnceLock<Option<Regex>>,
}

enum LazySource {
    Pattern(String),
    Hir(regex_syntax::hir::Hir),
}

impl LazyRegex {
    fn pattern(p: &str) -> Self {
        LazyRegex {
            source: LazySource::Pattern(p.to_string()),
            cell: OnceLock::new(),
        }
    }

    fn hir(h: regex_syntax::hir::Hir) -> Self {
        LazyRegex {
            source: LazySource::Hir(h),
            cell: OnceLock::new(),
        }
    }

    fn get(&self) -> Option<&Regex> {
        self.cell
            .get_or_init(|| match &self.source {
                LazySource::Pattern(p) => compile_pattern(p).ok(),
                LazySource::Hir(h) => meta_builder().build_from_hir(h).ok(),
            })
            .as_ref()
    }
}

/// The capture group that holds the secret: the one named `secret`, else the first group
/// when there is one, else the whole match.
fn secret_group(regex: &Regex) -> Option<usize> {
    let info = regex.group_info();
    info.to_index(regex_automata::PatternID::ZERO, "secret")
        .or_else(|| (info.group_len(regex_automata::PatternID::ZERO) > 1).then_some(1))
}

struct Compiled {
    rule: Rule,
    regex: LazyRegex,
    /// [`secret_group`] of `regex`, found once it is compiled.
    group: OnceLock<Option<usize>>,
    /// The rule's keywords, lower-cased and distinct ([`KeywordRule::keyword`] indexes them).
    keywords: Vec<String>,
    /// How the rule's windows are searched, planned when one of its keywords is first met:
    /// most rules meet none in a given scan, and parsing and planning every pattern up front
    /// was most of the fixed cost of a scan.
    plan: OnceLock<Plan>,
}

/// A rule's search plan, derived from its pattern.
struct Plan {
    anchor: Option<Anchor>,
    /// For each keyword of the rule: offsets back from its hit to where the anchor suffix
    /// may start (see [`anchor`]); empty without an anchor.
    offsets: Vec<Box<[usize]>>,
    /// For a rule without an anchor: a part of the pattern every match contains (see
    /// [`anchor::factor`]); a window where it does not match is not searched.
    factor: Option<LazyRegex>,
}

impl Compiled {
    fn plan(&self) -> &Plan {
        self.plan.get_or_init(|| {
            // Every pattern has been checked (see [`LazyRegex`]); one that still failed to
            // parse gets no anchor and its regex matches nothing.
            let Ok(hir) = syntax::parse_with(&self.rule.pattern, &syntax_config()) else {
                return Plan {
                    anchor: None,
                    offsets: vec![Box::default(); self.keywords.len()],
                    factor: None,
                };
            };
            match anchor::plan(&hir, &self.keywords) {
                Some(p) => Plan {
                    anchor: Some(Anchor {
                        suffix: LazyRegex::hir(p.suffix),
                        max_keyword: self.keywords.iter().map(String::len).max().unwrap_or(0),
                    }),
                    offsets: p.offsets.into_iter().map(Vec::into_boxed_slice).collect(),
                    factor: None,
                },
                None => Plan {
                    anchor: None,
                    offsets: vec![Box::default(); self.keywords.len()],
                    factor: anchor::factor(&hir).map(LazyRegex::hir),
                },
            }
        })
    }
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

/// A rule a keyword leads to.
struct KeywordRule {
    rule: usize,
    /// Which of the rule's keywords it is (an index into [`Compiled::keywords`] and
    /// [`Plan::offsets`]).
    keyword: usize,
}

/// A rule's compiled anchor: its pattern's suffix from the keyword on, searched anchored.
struct Anchor {
    suffix: LazyRegex,
    /// Longest keyword of the rule, in bytes.
    max_keyword: usize,
}

/// Compiled rules plus the keyword prefilter. Cheap to share between threads (`Arc`).
pub struct Matcher {
    id: u64,
    rules: Vec<Compiled>,
    /// Every rule's keywords (see [`keywords`]).
    keywords: Keywords,
    keyword_rules: Vec<Vec<KeywordRule>>,
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

/// Identifies a [`Matcher`] for the per-thread scratch space.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Per-thread working memory of [`Matcher::scan`]: regex caches (the regexes' own shared
/// pools serialise threads), and per-rule region state reused between scans.
struct Scratch {
    id: u64,
    caches: Vec<Option<meta::Cache>>,
    anchor_caches: Vec<Option<meta::Cache>>,
    caps: Vec<Option<Captures>>,
    pending: Vec<Option<Region>>,
    /// Positions where a rule's anchor matched and that a later region may still contain.
    live: Vec<Vec<usize>>,
    touched: Vec<usize>,
}

impl Scratch {
    fn new(m: &Matcher) -> Self {
        let n = m.rules.len();
        Scratch {
            id: m.id,
            caches: (0..n).map(|_| None).collect(),
            anchor_caches: (0..n).map(|_| None).collect(),
            caps: vec![None; n],
            pending: vec![None; n],
            live: vec![Vec::new(); n],
            touched: Vec::new(),
        }
    }
}

/// A merged window of one rule; `live` once an anchor match inside it is known.
#[derive(Clone, Copy)]
struct Region {
    start: usize,
    end: usize,
    live: bool,
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

impl Matcher {
    /// Compiles `set`.
    pub fn new(set: &RuleSet) -> Result<Self, RuleError> {
        let mut rules = Vec::with_capacity(set.len());
        let mut keywords: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut keyword_rules: Vec<Vec<KeywordRule>> = Vec::new();
        for (i, rule) in set.rules().iter().enumerate() {
            let regex = LazyRegex::pattern(&rule.pattern);
            let mut own: Vec<String> = Vec::new();
            for kw in &rule.keywords {
                let kw = kw.to_ascii_lowercase();
                if !own.contains(&kw) {
                    own.push(kw);
                }
            }
            for (j, kw) in own.iter().enumerate() {
                let k = *index.entry(kw.clone()).or_insert_with(|| {
                    keywords.push(kw.clone());
                    keyword_rules.push(Vec::new());
                    keyword_rules.len() - 1
                });
                keyword_rules[k].push(KeywordRule {
                    rule: i,
                    keyword: j,
                });
            }
            rules.push(Compiled {
                rule: rule.clone(),
                regex,
                group: OnceLock::new(),
                keywords: own,
                plan: OnceLock::new(),
            });
        }
        let keywords = Keywords::new(&keywords).map_err(|e| RuleError::Invalid {
            file: "<keywords>".into(),
            id: "<prefilter>".into(),
            message: e.to_string(),
        })?;
        Ok(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            rules,
            keywords,
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

    /// True if the rule at `index` has an anchor (see [`Matcher::scan`]): its windows are
    /// searched only where the anchor matched. For benchmarks and diagnostics.
    #[doc(hidden)]
    pub fn is_anchored(&self, index: usize) -> bool {
        self.rules
            .get(index)
            .is_some_and(|c| c.plan().anchor.is_some())
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
    ///
    /// One Aho-Corasick pass finds every keyword hit of every rule. Each hit opens (or
    /// extends) its rule's window; a rule's regex then searches each merged window, but only
    /// if the rule's anchor (see [`anchor`]) matched at a hit inside it: on most hits a short
    /// anchored test replaces the search of a whole window. The result is exactly that of
    /// searching every window ([`Matcher::scan_reference`]).
    pub fn scan(&self, hay: &[u8]) -> Vec<Match> {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut slot) => {
                if slot.as_ref().is_none_or(|s| s.id != self.id) {
                    *slot = Some(Scratch::new(self));
                }
                match slot.as_mut() {
                    Some(scratch) => self.scan_with(hay, scratch),
                    None => self.scan_with(hay, &mut Scratch::new(self)),
                }
            }
            Err(_) => self.scan_with(hay, &mut Scratch::new(self)),
        })
    }

    fn scan_with(&self, hay: &[u8], s: &mut Scratch) -> Vec<Match> {
        let mut out = Found::default();
        self.keywords.hits(hay, |keyword, hit_start, hit_end| {
            for kr in &self.keyword_rules[keyword] {
                let r = kr.rule;
                let compiled = &self.rules[r];
                let rule = &compiled.rule;
                let lo = hit_start.saturating_sub(rule.lookbehind);
                let hi = hay.len().min(hit_end.saturating_add(rule.window));
                let current = s.pending[r];
                let merges = current.is_some_and(|g| lo <= g.end);
                // Anchor positions this hit proves, unless its window is already live (then a
                // new position could matter only to a later window, which `window >=
                // max_keyword` rules out).
                let mut first_live = usize::MAX;
                let plan = compiled.plan();
                if let Some(anchor) = &plan.anchor {
                    let known = merges
                        && current.is_some_and(|g| g.live)
                        && rule.window >= anchor.max_keyword;
                    if let (false, Some(suffix)) = (known, anchor.suffix.get()) {
                        let cache = s.anchor_caches[r].get_or_insert_with(|| suffix.create_cache());
                        let offsets = plan.offsets.get(kr.keyword).map_or(&[][..], |o| &o[..]);
                        for &o in offsets {
                            let Some(q) = hit_start.checked_sub(o) else {
                                continue;
                            };
                            let input = Input::new(hay)
                                .span(q..hay.len())
                                .anchored(Anchored::Yes)
                                .earliest(true);
                            if suffix.search_half_with(cache, &input).is_some() {
                                s.live[r].push(q);
                                first_live = first_live.min(q);
                            }
                        }
                    }
                }
                let region = match current {
                    Some(g) if merges => {
                        let (start, end) = (g.start.min(lo), g.end.max(hi));
                        Region {
                            start,
                            end,
                            live: g.live || (start <= first_live && first_live < end),
                        }
                    }
                    other => {
                        if let Some(g) = other {
                            self.flush(r, hay, g, s, &mut out);
                        } else {
                            s.touched.push(r);
                        }
                        Region {
                            start: lo,
                            end: hi,
                            live: lo <= first_live && first_live < hi,
                        }
                    }
                };
                s.pending[r] = Some(region);
            }
        });
        let mut touched = std::mem::take(&mut s.touched);
        for &r in &touched {
            if let Some(g) = s.pending[r].take() {
                self.flush(r, hay, g, s, &mut out);
            }
            s.live[r].clear();
        }
        touched.clear();
        s.touched = touched;
        self.resolve(out)
    }

    /// Searches a finished window if a match is possible in it, then forgets the anchor
    /// positions no later window can contain (every later window starts after
    /// `end - max_keyword`).
    fn flush(&self, r: usize, hay: &[u8], g: Region, s: &mut Scratch, out: &mut Found) {
        let compiled = &self.rules[r];
        let Some(anchor) = &compiled.plan().anchor else {
            self.search_region(r, hay, g.start, g.end, s, out);
            return;
        };
        let live = s.live[r].iter().any(|&q| g.start <= q && q < g.end);
        if g.live || live {
            self.search_region(r, hay, g.start, g.end, s, out);
        }
        let keep = g.end.saturating_sub(anchor.max_keyword);
        s.live[r].retain(|&q| q >= keep);
    }

    fn search_region(
        &self,
        r: usize,
        hay: &[u8],
        start: usize,
        end: usize,
        s: &mut Scratch,
        out: &mut Found,
    ) {
        let compiled = &self.rules[r];
        if let Some(factor) = compiled.plan().factor.as_ref().and_then(LazyRegex::get) {
            let cache = s.anchor_caches[r].get_or_insert_with(|| factor.create_cache());
            let input = Input::new(hay).span(start..end).earliest(true);
            if factor.search_half_with(cache, &input).is_none() {
                return;
            }
        }
        let Some(regex) = compiled.regex.get() else {
            return;
        };
        let group = *compiled.group.get_or_init(|| secret_group(regex));
        let cache = s.caches[r].get_or_insert_with(|| regex.create_cache());
        let caps = s.caps[r].get_or_insert_with(|| regex.create_captures());
        let mut at = start;
        while at < end {
            let input = Input::new(hay).span(at..end);
            regex.search_captures_with(cache, &input, caps);
            let Some(m) = caps.get_match() else { break };
            let span = group.and_then(|g| caps.get_group(g)).unwrap_or(m.span());
            if span.start < span.end {
                self.record(r, hay, span.start, span.end, out);
            }
            at = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
        }
    }

    /// Confirms a candidate and records it as a match, or as a veto when a specific rule
    /// recognised the format and rejected the value.
    fn record(&self, r: usize, hay: &[u8], start: usize, end: usize, out: &mut Found) {
        match self.confirm(r, hay, start, end) {
            Some(found) => out.matches.push(found),
            // A specific rule recognised the format and rejected the value (bad
            // checksum, example key, placeholder): generic rules must not report it.
            None if !self.rules[r].rule.generic => out.vetoed.push((start, end)),
            None => {}
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
    fn builtin_rules_get_anchors_where_the_pattern_allows() {
        let m = Matcher::new(&RuleSet::builtin().unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
        let anchored = |id: &str| {
            m.rules
                .iter()
                .find(|c| c.rule.id == id)
                .map(|c| c.plan().anchor.is_some())
        };
        for id in [
            "github-pat-classic",
            "jwt",
            "url-embedded-password",
            "sendgrid-api-key",
            "generic-token-assignment",
            "private-key-rsa",
        ] {
            assert_eq!(anchored(id), Some(true), "{id}");
        }
        // A bare 40-character value near an access key id has no literal to anchor on.
        assert_eq!(anchored("aws-secret-access-key-paired"), Some(false));
    }

    #[test]
    fn anchor_skips_windows_without_a_possible_match_and_keeps_the_others() {
        let m = Matcher::new(&set(TWO)).unwrap_or_else(|e| panic!("{e}"));
        // `tok_` hits that cannot start a token, then a real one 2 KB later.
        let mut hay = b"TOK_ tok_! tok_abc ".repeat(100);
        hay.extend_from_slice(b"tok_a1b2c3d4\n");
        assert_eq!(m.scan(&hay), m.scan_reference(&hay));
        assert_eq!(m.scan(&hay).len(), 1);
    }

    #[test]
    fn keyword_is_case_insensitive_and_regions_merge() {
        let m = Matcher::new(&set(TWO)).unwrap_or_else(|e| panic!("{e}"));
        let hay = b"TOK_ tok_a1b2c3d4 tok_e5f6g7h8";
        assert_eq!(m.scan(hay).len(), 2);
    }
}
