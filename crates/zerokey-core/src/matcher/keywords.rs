//! The keyword pass: every occurrence of every rule keyword (ASCII case-insensitive,
//! overlapping) in one walk over the input.
//!
//! The automaton is Aho-Corasick's (its contiguous NFA, each state's transitions resolved through
//! the failure links), copied into a table of our own: its states numbered
//! densely with the match states first (so one comparison tells a match state), and its input
//! bytes reduced to a few classes (every byte that occurs in no keyword behaves the same, and
//! so do the two cases of a letter). The walk is then a class lookup, an add and a load per
//! byte, with nothing else on the path until a match state: about 8 instructions per byte of
//! real text against 19 for the automaton's own iterator (callgrind, 578 rules). Inputs of
//! 4 KiB and more are walked as two interleaved halves, since each step waits for the
//! previous one's load. Hits come out in that
//! iterator's order (by end, then longest first), which the reference algorithm still uses
//! (`reference.rs`), so the equivalence test also checks this table against Aho-Corasick.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, BuildError, MatchKind};
use rustc_hash::FxHashMap;

/// The keyword automaton.
pub(super) struct Keywords {
    /// Aho-Corasick's NFA: the reference algorithm iterates it (building its DFA as well cost a
    /// fifth of the start-up, for a table that is then copied into ours).
    pub(super) ac: NFA,
    /// Byte class of each byte.
    classes: [u8; 256],
    /// Transitions, premultiplied: the next state of `s` on byte `b` is
    /// `trans[s + classes[b]]`.
    trans: Table,
    start: u32,
    /// States from this (premultiplied) id on are match states.
    matching: u32,
    /// Hits of the `m`-th match state (id `matching + m * stride`): `hits[ends[m]..ends[m +
    /// 1]]`, each (keyword index, keyword length), in Aho-Corasick's order.
    ends: Vec<usize>,
    hits: Vec<(usize, usize)>,
    stride: u32,
    /// Longest keyword, in bytes.
    max_len: usize,
}

impl Keywords {
    /// Builds the automaton of `keywords` (already lower-cased and distinct).
    pub(super) fn new(keywords: &[String]) -> Result<Self, BuildError> {
        let ac = NFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // Without a prefilter only match (and dead) states are special.
            .prefilter(false)
            .build(keywords)?;
        // Classes: 0 for the bytes of no keyword, then one per distinct lower-cased keyword byte
        // (an upper-case letter shares its lower case's class).
        let mut classes = [0u8; 256];
        let mut representatives = vec![0u8];
        for k in keywords {
            for b in k.bytes().map(|b| b.to_ascii_lowercase()) {
                if representatives[1..].contains(&b) {
                    continue;
                }
                // At most 256 distinct bytes, and they fold to fewer: this always fits.
                let Ok(c) = u8::try_from(representatives.len()) else {
                    continue;
                };
                classes[usize::from(b)] = c;
                classes[usize::from(b.to_ascii_uppercase())] = c;
                representatives.push(b);
            }
        }
        // Class 0 stands for a byte of no keyword (if every byte is in one, class 0 is unused).
        representatives[0] = (0..=255u8)
            .find(|&b| classes[usize::from(b)] == 0 && !representatives[1..].contains(&b))
            .unwrap_or(0);
        let stride = representatives.len();

        // Discover the states reachable from the start, then number match states first.
        let Ok(ac_start) = ac.start_state(Anchored::No) else {
            return Ok(Self::empty(ac));
        };
        // State ids are small integers: Fx hashing (a multiply) instead of SipHash, which was a
        // tenth of the start-up.
        let mut seen: FxHashMap<StateID, usize> = FxHashMap::default();
        let mut order = vec![ac_start];
        seen.insert(ac_start, 0);
        let mut next_of: Vec<Vec<StateID>> = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let s = order[i];
            let row: Vec<StateID> = representatives
                .iter()
                .map(|&b| ac.next_state(Anchored::No, s, b))
                .collect();
            for &t in &row {
                if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(t) {
                    e.insert(order.len());
                    order.push(t);
                }
            }
            next_of.push(row);
            i += 1;
        }
        let is_match = |s: StateID| ac.is_special(s) && ac.is_match(s);
        // New index of each state in `order`: match states last, each group in BFS order (the
        // states near the start, where the walk spends its time, share cache lines).
        let mut renumber = vec![0usize; order.len()];
        let mut n = 0;
        for pass in [false, true] {
            for (j, &s) in order.iter().enumerate() {
                if is_match(s) == pass {
                    renumber[j] = n;
                    n += 1;
                }
            }
        }
        let matches = order.iter().filter(|&&s| is_match(s)).count();
        let first_match = order.len() - matches;
        let mut trans = vec![0u32; order.len() * stride];
        let id = |j: usize| u32::try_from(renumber[j] * stride).ok();
        let mut ends = vec![0usize; matches + 1];
        let mut hits_of: Vec<Vec<(usize, usize)>> = vec![Vec::new(); matches];
        for (j, &s) in order.iter().enumerate() {
            let Some(from) = id(j) else {
                return Ok(Self::empty(ac));
            };
            for (c, t) in next_of[j].iter().enumerate() {
                let Some(to) = seen.get(t).and_then(|&k| id(k)) else {
                    return Ok(Self::empty(ac));
                };
                trans[from as usize + c] = to;
            }
            if is_match(s) {
                hits_of[renumber[j] - first_match] = (0..ac.match_len(s))
                    .map(|k| {
                        let p = ac.match_pattern(s, k);
                        (p.as_usize(), ac.pattern_len(p))
                    })
                    .collect();
            }
        }
        let mut hits = Vec::new();
        for (m, h) in hits_of.into_iter().enumerate() {
            hits.extend(h);
            ends[m + 1] = hits.len();
        }
        let (Some(start), Some(matching), Some(trans)) = (
            id(0),
            u32::try_from(first_match * stride).ok(),
            Table::new(trans),
        ) else {
            return Ok(Self::empty(ac));
        };
        Ok(Keywords {
            ac,
            classes,
            trans,
            start,
            matching,
            ends,
            hits,
            stride: stride as u32,
            max_len: keywords.iter().map(String::len).max().unwrap_or(0),
        })
    }

    /// An automaton without a table: [`Keywords::hits`] falls back to Aho-Corasick's
    /// iterator. Only for automatons too large to number in 32 bits.
    fn empty(ac: NFA) -> Self {
        Keywords {
            ac,
            classes: [0; 256],
            trans: Table::None,
            start: 0,
            matching: 0,
            ends: Vec::new(),
            hits: Vec::new(),
            stride: 1,
            max_len: 0,
        }
    }

    /// Calls `f(keyword, start, end)` for every occurrence of every keyword in `hay`, in the
    /// order of Aho-Corasick's overlapping iterator.
    pub(super) fn hits(&self, hay: &[u8], f: impl FnMut(usize, usize, usize)) {
        match &self.trans {
            Table::S16(t) => self.hits_in(t, hay, f),
            Table::S18(t) => self.hits_in(t, hay, f),
            Table::S20(t) => self.hits_in(t, hay, f),
            Table::S22(t) => self.hits_in(t, hay, f),
            Table::None => {
                let mut f = f;
                let Ok(iter) = self
                    .ac
                    .try_find_overlapping_iter(aho_corasick::Input::new(hay))
                else {
                    return;
                };
                for m in iter {
                    f(m.pattern().as_usize(), m.start(), m.end());
                }
            }
        }
    }

    fn hits_in<const N: usize>(
        &self,
        trans: &[u32; N],
        hay: &[u8],
        mut f: impl FnMut(usize, usize, usize),
    ) {
        let (classes, matching) = (&self.classes, self.matching);
        if hay.len() >= FOUR_WALKS {
            self.walks(trans, hay, &mut f, |segs: [&[u8]; 4], states| {
                walk4(trans, classes, matching, segs, states)
            });
        } else if hay.len() >= TWO_WALKS {
            self.walks(trans, hay, &mut f, |segs: [&[u8]; 2], states| {
                walk2(trans, classes, matching, segs, states)
            });
        } else {
            self.walk_from(trans, hay, 0, self.start, 0, &mut f);
        }
    }

    /// `W` walks at once, over `W` equal parts of `hay`: each byte's step waits for the
    /// previous one's load, so interleaving independent walks multiplies the bytes per cycle.
    /// Walk `j > 0` starts from the start state `max_len - 1` bytes before its part, so it sees
    /// every keyword ending in its part in full, and reports those only; the first walk's hits
    /// are reported as they come, the others' after it, part by part (the iterator's order:
    /// by end).
    /// `in_step(segs, states)` walks every `segs[j]` from `states[j]` until one enters a match
    /// state or they end ([`walk4`], [`walk2`]).
    fn walks<const N: usize, const W: usize>(
        &self,
        trans: &[u32; N],
        hay: &[u8],
        f: &mut impl FnMut(usize, usize, usize),
        in_step: impl Fn([&[u8]; W], [u32; W]) -> (usize, [u32; W]),
    ) {
        let matching = self.matching;
        let part = hay.len() / W;
        let back = self.max_len.saturating_sub(1);
        // Part j is hay[bounds[j]..bounds[j + 1]]; walk j reads from from[j] to bounds[j + 1].
        let bounds: [usize; W] = std::array::from_fn(|j| j * part);
        let from: [usize; W] = std::array::from_fn(|j| bounds[j].saturating_sub(back));
        let end_of = |j: usize| if j + 1 < W { bounds[j + 1] } else { hay.len() };
        // Every walk reads at least `part` bytes in step (the first exactly that).
        let segs: [&[u8]; W] = std::array::from_fn(|j| &hay[from[j]..from[j] + part]);
        let mut states = [self.start; W];
        let mut later: [Vec<(usize, usize, usize)>; W] = std::array::from_fn(|_| Vec::new());
        let mut k = 0;
        while k < part {
            let (used, next) = in_step(segs.map(|seg| seg.get(k..).unwrap_or_default()), states);
            (k, states) = (k + used, next);
            for (j, &sid) in states.iter().enumerate() {
                if sid < matching {
                    continue;
                }
                let end = from[j] + k;
                if j == 0 {
                    self.report(sid, end, f);
                } else if end > bounds[j] {
                    self.report(sid, end, &mut |p, s, e| later[j].push((p, s, e)));
                }
            }
        }
        // The rest of each other walk, to the end of its part.
        for j in 1..W {
            let mut out = std::mem::take(&mut later[j]);
            self.walk_from(
                trans,
                &hay[..end_of(j)],
                from[j] + part,
                states[j],
                bounds[j] + 1,
                &mut |p, s, e| out.push((p, s, e)),
            );
            for (p, s, e) in out {
                f(p, s, e);
            }
        }
    }

    /// Walks `hay` from `at` in state `sid` to the end, reporting the hits that end at or after
    /// `min_end`.
    fn walk_from<const N: usize>(
        &self,
        trans: &[u32; N],
        hay: &[u8],
        mut at: usize,
        mut sid: u32,
        min_end: usize,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        while at < hay.len() {
            (at, sid) = walk(trans, &self.classes, self.matching, hay, at, sid);
            if sid < self.matching {
                break;
            }
            if at >= min_end {
                self.report(sid, at, f);
            }
        }
    }

    /// Reports the hits of match state `sid` at `end`.
    fn report(&self, sid: u32, end: usize, f: &mut impl FnMut(usize, usize, usize)) {
        let m = ((sid - self.matching) / self.stride) as usize;
        let (Some(&from), Some(&to)) = (self.ends.get(m), self.ends.get(m + 1)) else {
            return;
        };
        for &(keyword, len) in self.hits.get(from..to).unwrap_or_default() {
            f(keyword, end - len, end);
        }
    }
}

/// Inputs from this size on are walked in two interleaved halves...
const TWO_WALKS: usize = 1 << 10;
/// ...and from this size on in four interleaved quarters.
const FOUR_WALKS: usize = 1 << 12;

/// The transition table in an array of a fixed power-of-two size, so that masking an index
/// keeps it in bounds and the walk has no bounds check.
enum Table {
    None,
    S16(Box<[u32; 1 << 16]>),
    S18(Box<[u32; 1 << 18]>),
    S20(Box<[u32; 1 << 20]>),
    S22(Box<[u32; 1 << 22]>),
}

impl Table {
    /// `None` when the table is too large (over 16 MiB): then the automaton's own iterator
    /// serves.
    fn new(mut trans: Vec<u32>) -> Option<Table> {
        let n = trans.len().next_power_of_two().max(1 << 16);
        trans.resize(n, 0);
        let boxed = trans.into_boxed_slice();
        Some(match n {
            0x1_0000 => Table::S16(boxed.try_into().ok()?),
            0x4_0000 | 0x2_0000 => Table::S18(pad(boxed)?),
            0x10_0000 | 0x8_0000 => Table::S20(pad(boxed)?),
            0x40_0000 | 0x20_0000 => Table::S22(pad(boxed)?),
            _ => return None,
        })
    }
}

fn pad<const N: usize>(boxed: Box<[u32]>) -> Option<Box<[u32; N]>> {
    let mut v = boxed.into_vec();
    v.resize(N, 0);
    v.into_boxed_slice().try_into().ok()
}

/// Four walks in step, walk `j` over `segs[j]` from state `states[j]`, until one enters a
/// match state or the shortest input ends; returns the bytes read and the states. Two and
/// four walks have loops of their own, with the states in registers and no bounds checks (a
/// loop generic over the number of walks kept the states in memory).
#[inline(never)]
fn walk4<const N: usize>(
    trans: &[u32; N],
    classes: &[u8; 256],
    matching: u32,
    segs: [&[u8]; 4],
    [mut a, mut b, mut c, mut d]: [u32; 4],
) -> (usize, [u32; 4]) {
    let step =
        |sid: u32, b: u8| trans[(sid + u32::from(classes[usize::from(b)])) as usize & (N - 1)];
    let [s0, s1, s2, s3] = segs;
    let n = s0.len().min(s1.len()).min(s2.len()).min(s3.len());
    let bytes = s0[..n].iter().zip(&s1[..n]).zip(&s2[..n]).zip(&s3[..n]);
    for (k, (((&w, &x), &y), &z)) in bytes.enumerate() {
        a = step(a, w);
        b = step(b, x);
        c = step(c, y);
        d = step(d, z);
        if (a >= matching) | (b >= matching) | (c >= matching) | (d >= matching) {
            return (k + 1, [a, b, c, d]);
        }
    }
    (n, [a, b, c, d])
}

/// [`walk4`] for two walks.
#[inline(never)]
fn walk2<const N: usize>(
    trans: &[u32; N],
    classes: &[u8; 256],
    matching: u32,
    [s0, s1]: [&[u8]; 2],
    [mut a, mut b]: [u32; 2],
) -> (usize, [u32; 2]) {
    let step =
        |sid: u32, b: u8| trans[(sid + u32::from(classes[usize::from(b)])) as usize & (N - 1)];
    let n = s0.len().min(s1.len());
    for (k, (&w, &x)) in s0[..n].iter().zip(&s1[..n]).enumerate() {
        a = step(a, w);
        b = step(b, x);
        if (a >= matching) | (b >= matching) {
            return (k + 1, [a, b]);
        }
    }
    (n, [a, b])
}

/// Walks from state `sid` at `hay[at]` until a match state or the end of the input; returns
/// the position after the last byte read and the state there. Four bytes per round, each a
/// class lookup, an add, a masked load and a comparison.
#[inline(never)]
fn walk<const N: usize>(
    trans: &[u32; N],
    classes: &[u8; 256],
    matching: u32,
    hay: &[u8],
    at: usize,
    mut sid: u32,
) -> (usize, u32) {
    let rest = hay.get(at..).unwrap_or_default();
    let step =
        |sid: u32, b: u8| trans[(sid + u32::from(classes[usize::from(b)])) as usize & (N - 1)];
    let mut chunks = rest.chunks_exact(4);
    let mut i = 0;
    for c in chunks.by_ref() {
        sid = step(sid, c[0]);
        if sid >= matching {
            return (at + i + 1, sid);
        }
        sid = step(sid, c[1]);
        if sid >= matching {
            return (at + i + 2, sid);
        }
        sid = step(sid, c[2]);
        if sid >= matching {
            return (at + i + 3, sid);
        }
        sid = step(sid, c[3]);
        if sid >= matching {
            return (at + i + 4, sid);
        }
        i += 4;
    }
    for &b in chunks.remainder() {
        sid = step(sid, b);
        i += 1;
        if sid >= matching {
            return (at + i, sid);
        }
    }
    (hay.len(), sid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kws(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    type Hits = Vec<(usize, usize, usize)>;

    fn both(k: &Keywords, hay: &[u8]) -> (Hits, Hits) {
        let mut fast = Vec::new();
        k.hits(hay, |p, s, e| fast.push((p, s, e)));
        let slow =
            k.ac.try_find_overlapping_iter(aho_corasick::Input::new(hay))
                .map(|it| {
                    it.map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                        .collect()
                })
                .unwrap_or_default();
        (fast, slow)
    }

    #[test]
    fn table_walk_equals_the_automatons_iterator() {
        let k = Keywords::new(&kws(&[
            "secret",
            "client_secret",
            "ret",
            "s",
            "://",
            "key\0x",
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        for hay in [
            &b""[..],
            b"s",
            b"CLIENT_SECRET = x; Secret://ret\xffkey\0x KEY\0X",
            b"client_secretclient_secret",
        ] {
            let (fast, slow) = both(&k, hay);
            assert_eq!(fast, slow, "{}", String::from_utf8_lossy(hay));
        }
    }

    #[test]
    fn interleaved_walks_equal_the_automatons_iterator_around_every_boundary() {
        let k = Keywords::new(&kws(&["secret", "client_secret", "ret", "t", "://"]))
            .unwrap_or_else(|e| panic!("{e}"));
        // Inputs walked in two and in four parts, of every remainder mod 4, with keywords
        // straddling, ending at and starting at each boundary between parts, and at both ends.
        let lens = [TWO_WALKS, TWO_WALKS + 1, 3 * TWO_WALKS + 7, FOUR_WALKS - 1];
        let lens = lens
            .into_iter()
            .chain((0..4).map(|r| FOUR_WALKS + r))
            .chain([5 * FOUR_WALKS + 3]);
        for len in lens {
            let parts = if len >= FOUR_WALKS { 4 } else { 2 };
            for shift in 0..16 {
                let mut hay = vec![b'x'; len];
                let mut put = |at: usize, s: &[u8]| {
                    if at + s.len() <= hay.len() {
                        hay[at..at + s.len()].copy_from_slice(s);
                    }
                };
                put(0, b"secret");
                for j in 1..parts {
                    put(j * (len / parts) - 15 + shift, b"Client_Secret://");
                }
                put(len - 6, b"SECRET");
                let (fast, slow) = both(&k, &hay);
                assert!(!slow.is_empty());
                assert_eq!(fast, slow, "len {len}, shift {shift}");
            }
        }
    }

    #[test]
    fn overlapping_hits_at_one_end_come_longest_first() {
        let k = Keywords::new(&kws(&["ret", "secret", "cret"])).unwrap_or_else(|e| panic!("{e}"));
        let mut got = Vec::new();
        k.hits(b"xSeCrEt", |p, s, e| got.push((p, s, e)));
        assert_eq!(got, [(1, 1, 7), (2, 3, 7), (0, 4, 7)]);
    }
}
