//! The plain matching algorithm, kept as the oracle the fast path must agree with: an
//! overlapping Aho-Corasick pass over all keywords, then, for every rule with a keyword hit,
//! its regex over the merged regions (`lookbehind` before, `window` after each hit). The
//! equivalence test and the benchmark compare [`Matcher::scan`] with it.

use super::{Found, Matcher};
use aho_corasick::automaton::Automaton;
use regex_automata::util::captures::Captures;
use regex_automata::Input;

impl Matcher {
    /// Finds secrets in `hay` with the reference algorithm; the result equals
    /// [`Matcher::scan`]'s. Slower: for tests and benchmarks.
    #[doc(hidden)]
    pub fn scan_reference(&self, hay: &[u8]) -> Vec<super::Match> {
        let mut out = Found::default();
        let mut pending: Vec<Option<(usize, usize)>> = vec![None; self.rules.len()];
        let mut caps: Vec<Option<Captures>> = vec![None; self.rules.len()];
        // The automaton's own overlapping iterator, not the matcher's loop over it.
        let hits = self
            .keywords
            .ac
            .try_find_overlapping_iter(aho_corasick::Input::new(hay))
            .into_iter()
            .flatten();
        for hit in hits {
            for r in self.keyword_rules[hit.pattern().as_usize()]
                .iter()
                .map(|k| k.rule)
            {
                let rule = &self.rules[r].rule;
                let lo = hit.start().saturating_sub(rule.lookbehind);
                let hi = hay.len().min(hit.end().saturating_add(rule.window));
                pending[r] = match pending[r] {
                    Some((s, e)) if lo <= e => Some((s.min(lo), e.max(hi))),
                    Some((s, e)) => {
                        self.reference_region(r, hay, s, e, &mut caps[r], &mut out);
                        Some((lo, hi))
                    }
                    None => Some((lo, hi)),
                };
            }
        }
        for (r, region) in pending.iter().enumerate() {
            if let Some((s, e)) = *region {
                self.reference_region(r, hay, s, e, &mut caps[r], &mut out);
            }
        }
        self.resolve(out)
    }

    fn reference_region(
        &self,
        r: usize,
        hay: &[u8],
        start: usize,
        end: usize,
        caps: &mut Option<Captures>,
        out: &mut Found,
    ) {
        let compiled = &self.rules[r];
        let Some(regex) = compiled.regex.get() else {
            return;
        };
        let group = *compiled.group.get_or_init(|| super::secret_group(regex));
        let caps = caps.get_or_insert_with(|| regex.create_captures());
        let mut at = start;
        while at < end {
            let input = Input::new(hay).span(at..end);
            regex.search_captures(&input, caps);
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
}
