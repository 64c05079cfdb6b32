//! Anchors: a cheap test, run at a keyword hit, that says whether a rule's regex can have a
//! match through that hit. Derived from the regex itself, so it never changes what is found.
//!
//! A rule's pattern is split at the top level into a concatenation `e0 e1 … en`. If some
//! element `ei` can only start with literals that each contain one of the rule's keywords
//! (compared in ASCII lower case, as the keyword prefilter does), then every match has such a
//! keyword occurrence at a known offset `o` from where `ei` starts. So a match exists only if
//! the suffix `ei … en` matches *anchored* at `hit - o` for some keyword hit: one short
//! anchored search per hit instead of a search over the whole window. Zero-width assertions
//! just before `ei` (`\b`) are kept in the suffix. Rules where no element qualifies (a value
//! with no literal, a keyword inside an alternation with other words) have no anchor and are
//! searched as before.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, HirKind, Repetition};

/// An anchor: the suffix pattern to test, and, per keyword of the rule (by position in the
/// rule's keyword list, lower-cased), the offsets from a hit back to where the suffix starts.
pub(super) struct Plan {
    pub suffix: Hir,
    pub offsets: Vec<Vec<usize>>,
}

/// Derives the anchor of `hir` for `keywords` (already lower-cased), if it has one.
pub(super) fn plan(hir: &Hir, keywords: &[String]) -> Option<Plan> {
    // Groups spliced in: a keyword inside the secret's group (`(?P<secret>[0-9a-f]{32}-us…)`)
    // is then an element of its own. The suffix is only tested for a match, so its groups do
    // not matter.
    let elements = flat_concat(hir);
    // Folded once: folding the rest of the pattern again for every element cost more than
    // compiling the rule (the folded concatenation of elements is the concatenation of the
    // folded elements).
    let folded: Vec<Hir> = elements.iter().map(fold).collect();
    for i in 0..elements.len() {
        // The literals the rest of the pattern starts with, else those of the element alone
        // (the longer the expression, the sooner the extractor gives up or cuts literals).
        let rest = Hir::concat(folded[i..].to_vec());
        let Some(offsets) =
            keyword_offsets(&rest, keywords).or_else(|| keyword_offsets(&folded[i], keywords))
        else {
            continue;
        };
        // Zero-width assertions immediately before the element hold at the same position.
        let mut start = i;
        while start > 0 && matches!(elements[start - 1].kind(), HirKind::Look(_)) {
            start -= 1;
        }
        return Some(Plan {
            suffix: Hir::concat(elements[start..].to_vec()),
            offsets,
        });
    }
    None
}

/// A necessary condition for a rule without an anchor: a run of the pattern's top-level
/// elements that every match contains (any run does), chosen to start where every match
/// starts with one of a few literals at least `MIN_FACTOR` bytes long (so that a search for it
/// skips most of a window by those literals), and to end before the first capture group (the
/// secret, which is what makes a pattern's automaton large). `None` when no element starts so.
pub(super) fn factor(hir: &Hir) -> Option<Hir> {
    let elements = top_concat(hir);
    let folded: Vec<Hir> = elements.iter().map(fold).collect();
    let mut best: Option<(usize, usize)> = None;
    for i in 0..elements.len() {
        let rest = Hir::concat(folded[i..].to_vec());
        let Some(shortest) = shortest_prefix(&rest) else {
            continue;
        };
        if shortest >= MIN_FACTOR && best.is_none_or(|(_, b)| shortest > b) {
            best = Some((i, shortest));
        }
    }
    let (i, _) = best?;
    let end = (i + 1..elements.len())
        .find(|&j| elements[j].properties().explicit_captures_len() > 0)
        .unwrap_or(elements.len());
    Some(Hir::concat(elements[i..end].to_vec()))
}

/// Shortest literal every match of `folded` (already [`fold`]ed) starts with, if they are a
/// finite set.
fn shortest_prefix(folded: &Hir) -> Option<usize> {
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Prefix);
    let seq = extractor.extract(folded);
    seq.literals()?.iter().map(|l| l.as_bytes().len()).min()
}

/// Shortest literal a [`factor`] may start with.
const MIN_FACTOR: usize = 4;

/// The top-level concatenation, looking through capture groups around the whole pattern.
/// The elements of `hir`'s concatenation with every group and nested concatenation spliced
/// in, so that `Hir::concat` of them matches what `hir` matches.
fn flat_concat(hir: &Hir) -> Vec<Hir> {
    match hir.kind() {
        HirKind::Capture(c) => flat_concat(&c.sub),
        HirKind::Concat(subs) => subs.iter().flat_map(flat_concat).collect(),
        _ => vec![hir.clone()],
    }
}

fn top_concat(hir: &Hir) -> Vec<Hir> {
    match hir.kind() {
        HirKind::Capture(c) => top_concat(&c.sub),
        HirKind::Concat(subs) => subs.clone(),
        _ => vec![hir.clone()],
    }
}

/// If every string `folded` (an expression already [`fold`]ed) can match starts with a finite
/// set of literals that each contain a keyword, the offsets of the keywords in them, per
/// keyword.
fn keyword_offsets(folded: &Hir, keywords: &[String]) -> Option<Vec<Vec<usize>>> {
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Prefix);
    let seq = extractor.extract(folded);
    let lits = seq.literals()?;
    if lits.is_empty() {
        return None;
    }
    let mut offsets = vec![Vec::new(); keywords.len()];
    for lit in lits {
        let bytes = lit.as_bytes();
        let mut any = false;
        for (k, kw) in keywords.iter().enumerate() {
            let kw = kw.as_bytes();
            if kw.is_empty() || kw.len() > bytes.len() {
                continue;
            }
            for o in 0..=bytes.len() - kw.len() {
                if &bytes[o..o + kw.len()] == kw {
                    any = true;
                    if !offsets[k].contains(&o) {
                        offsets[k].push(o);
                    }
                }
            }
        }
        if !any {
            return None;
        }
    }
    Some(offsets)
}

/// The image of `hir` under ASCII lower-casing: every string it matches, lower-cased, is
/// matched by the result. Only used to extract literals, never to search.
fn fold(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => hir.clone(),
        HirKind::Literal(lit) => Hir::literal(lit.0.to_ascii_lowercase()),
        HirKind::Class(Class::Bytes(c)) => Hir::class(Class::Bytes(fold_class(c))),
        // Unicode classes do not occur with Unicode off; keep them as they are (the
        // extractor treats a large class as unbounded, which only loses the anchor).
        HirKind::Class(Class::Unicode(_)) => hir.clone(),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(fold(&r.sub)),
        }),
        HirKind::Capture(c) => fold(&c.sub),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(fold).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(fold).collect()),
    }
}

fn fold_class(c: &ClassBytes) -> ClassBytes {
    // Range by range: the part outside `A-Z` stays, the part inside moves to `a-z`.
    let mut ranges = Vec::with_capacity(c.ranges().len() + 1);
    for r in c.ranges() {
        let (start, end) = (r.start(), r.end());
        if end < b'A' || start > b'Z' {
            ranges.push(*r);
            continue;
        }
        if start < b'A' {
            ranges.push(ClassBytesRange::new(start, b'A' - 1));
        }
        if end > b'Z' {
            ranges.push(ClassBytesRange::new(b'Z' + 1, end));
        }
        ranges.push(ClassBytesRange::new(
            start.max(b'A').to_ascii_lowercase(),
            end.min(b'Z').to_ascii_lowercase(),
        ));
    }
    ClassBytes::new(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::util::syntax;

    fn parse(p: &str) -> Hir {
        syntax::parse_with(p, &syntax::Config::new().unicode(false).utf8(false))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The byte-by-byte image of a class under lower-casing (what `fold_class` computes).
    fn fold_class_bytewise(c: &ClassBytes) -> ClassBytes {
        let ranges = c
            .ranges()
            .iter()
            .flat_map(|r| r.start()..=r.end())
            .map(|b| {
                let l = b.to_ascii_lowercase();
                ClassBytesRange::new(l, l)
            })
            .collect::<Vec<_>>();
        ClassBytes::new(ranges)
    }

    #[test]
    fn fold_class_is_the_bytewise_image() {
        for p in [
            r"[A-Z]",
            r"[A-Za-z0-9_.-]",
            r#"[^\s"'`;,)(}{\[\]<>&*$!|]"#,
            r"[@-\[]",
            r"[0-9A-F]",
            r"[Y-b]",
            r"[\x00-\xff]",
            r"[a-z]",
        ] {
            let hir = parse(p);
            let HirKind::Class(Class::Bytes(c)) = hir.kind() else {
                panic!("{p}: not a byte class");
            };
            assert_eq!(fold_class(c), fold_class_bytewise(c), "{p}");
        }
    }

    /// Folding each top-level element, then concatenating, is folding the concatenation: the
    /// plan and the factor rely on it for every rule of the catalogue.
    #[test]
    fn folded_elements_concatenate_to_the_folded_rest() {
        let set = crate::rules::RuleSet::builtin().unwrap_or_else(|e| panic!("{e}"));
        for rule in set.rules() {
            let hir = parse(&rule.pattern);
            let elements = top_concat(&hir);
            let folded: Vec<Hir> = elements.iter().map(fold).collect();
            for i in 0..elements.len() {
                assert_eq!(
                    fold(&Hir::concat(elements[i..].to_vec())),
                    Hir::concat(folded[i..].to_vec()),
                    "{} at element {i}",
                    rule.id
                );
            }
        }
    }

    fn kws(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prefixed_token_is_anchored_at_its_keyword() {
        let p = plan(
            &parse(r"\b(?P<secret>ghp_[A-Za-z0-9]{36})\b"),
            &kws(&["ghp_"]),
        );
        let p = p.unwrap_or_else(|| panic!("no plan"));
        assert_eq!(p.offsets, vec![vec![0]]);
        // The word boundary before the token stays in the suffix.
        assert!(
            p.suffix.to_string().starts_with(r"(?:(?-u:\b)"),
            "{}",
            p.suffix
        );
    }

    /// A keyword in the middle of the secret's group (after a value with no literal) anchors
    /// the rule: the group is spliced into the concatenation.
    #[test]
    fn keyword_inside_the_secret_group_is_found() {
        let p = plan(
            &parse(r"\b(?P<secret>[0-9a-f]{32}-us[0-9]{1,2})\b"),
            &kws(&["-us"]),
        );
        let p = p.unwrap_or_else(|| panic!("no plan"));
        assert_eq!(p.offsets, vec![vec![0]]);
        // The suffix starts at the keyword, not at the 32 hex digits before it.
        assert!(!p.suffix.to_string().contains("{32}"), "{}", p.suffix);
    }

    #[test]
    fn case_insensitive_keyword_inside_the_pattern_is_found() {
        let hir = parse(
            r#"(?i)(?:^|[^A-Za-z0-9])[A-Za-z0-9_.-]*?(?:token|bearer)["']?[ \t]*(?:=|:)[ \t]*(?P<secret>[^\s"']{15,127})"#,
        );
        let p = plan(&hir, &kws(&["token", "bearer"])).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(p.offsets, vec![vec![0], vec![0]]);
    }

    #[test]
    fn keyword_offset_inside_a_longer_literal() {
        let hir = parse(
            r"(?P<secret>-----BEGIN RSA PRIVATE KEY-----[A-Za-z0-9+/=\s]+-----END RSA PRIVATE KEY-----)",
        );
        let p = plan(&hir, &kws(&["begin rsa private key"])).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(p.offsets, vec![vec![5]]);
    }

    #[test]
    fn keyword_spanning_two_elements_is_found() {
        // The keyword `basic ` ends in the repetition after the word.
        let hir = parse(r"(?i)\bBasic +(?P<secret>[A-Za-z0-9+/]{8,}={0,2})");
        let p = plan(&hir, &kws(&["basic "])).unwrap_or_else(|| panic!("no plan"));
        assert_eq!(p.offsets, vec![vec![0]]);
        // With a tab allowed too, `Basic<TAB>…` has no keyword hit: no anchor.
        let hir = parse(r"(?i)\bBasic[ \t]+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})");
        assert!(plan(&hir, &kws(&["basic "])).is_none());
    }

    #[test]
    fn no_anchor_when_a_literal_lacks_every_keyword() {
        // `pass` is a branch without a keyword: hits on it would be missed, so no anchor.
        let hir = parse(r"(?i)(?:[a-z]*password|(?:[a-z]+_)*pass)=(?P<secret>\S{8,})");
        assert!(plan(&hir, &kws(&["password"])).is_none());
        // A value with no literal at all.
        assert!(plan(&parse(r"(?P<secret>[A-Za-z0-9/+]{40})"), &kws(&["akia"])).is_none());
    }

    #[test]
    fn factor_starts_at_the_longest_literals_and_stops_before_the_secret() {
        let hir = parse(
            r#"(?i)\b[\w.-]*?(?:github|\bgh)[\w.-]*?client[_.-]?secret[\w.-]*(?:["']?\s*(?:=>|:=|[:=])\s*)["'`]?(?P<secret>(?-i:[a-f0-9]{40}))"#,
        );
        let f = factor(&hir).unwrap_or_else(|| panic!("no factor"));
        let f = f.to_string();
        assert!(!f.contains("secret>"), "{f}");
        assert!(shortest_prefix(&fold(&parse(r"(?i)client[_.-]?secret"))) == Some(12));
        // Every run starts with a class, a star or a one-byte operator: no factor.
        let generic = parse(
            r#"(?i)(?:^|[^A-Za-z0-9])(?:[A-Za-z0-9_.-]*?(?:password|pwd)|(?:[A-Za-z0-9]+[_.-])*pass)[ \t]*(?:=|:)[ \t]*(?P<secret>\S{8,})"#,
        );
        assert!(factor(&generic).is_none());
    }
}
