//! Matcher throughput in MB/s per core (one thread), on real text, at the old catalogue size
//! (72 rules: the generic rules plus an even spread of the others) and at the full built-in
//! catalogue.
//!
//! ```sh
//! cargo bench -p zerokey-core --bench matcher
//! ZEROKEY_BENCH_TREE=/path/to/tree cargo bench -p zerokey-core --bench matcher   # real files
//! ZEROKEY_BENCH_MB=16 ...                                                        # text size
//! ZEROKEY_BENCH_NO_REFERENCE=1 ...                        # skip the reference algorithm
//! ZEROKEY_BENCH_SYNTHETIC=750 ...          # also the catalogue grown with synthetic rules
//! ZEROKEY_BENCH_QUICK=1 ...    # one pass per configuration, no criterion (for callgrind)
//! ZEROKEY_BENCH_ONLY=578 ...                # only `<real|generated> <rules>` containing this
//! ```
//!
//! The text is the files under `ZEROKEY_BENCH_TREE` when set (e.g. a checkout of a large
//! project; binary files are skipped), else this repository's own sources (`crates/`: real
//! Rust, TOML and Markdown, dense in test canaries), and in both cases also generated
//! source-like text, reported separately.
//!
//! Besides criterion's own report (wall time), each configuration prints one line
//! `matcher <corpus> <config>: <MB/s> MB/s per core (…)`: MB (10^6 bytes) per CPU-second of
//! the scanning thread, best of three passes; CPU time is what a loaded machine does not
//! inflate. `reference` is the plain algorithm the fast matcher must agree with (see
//! `tests/matcher_equivalence.rs`), measured for comparison.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use criterion::{criterion_main, Criterion, Throughput};
use std::time::{Duration, Instant};
use zerokey_core::{Matcher, RuleSet};

/// The old catalogue size, measured as a subset of today's.
const OLD_CATALOGUE: usize = 72;

fn size_limit() -> usize {
    std::env::var("ZEROKEY_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
        * 1_000_000
}

/// The files under `root` (no `.git`, no binary files), in a stable order, up to `limit` bytes.
fn tree(root: &std::path::Path, limit: usize) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if total >= limit {
                break;
            }
            if p.file_name().is_some_and(|n| n == ".git" || n == "target") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.iter().take(8000).any(|&b| b == 0) {
                    continue;
                }
                total += bytes.len();
                files.push(bytes);
            }
        }
    }
    files
}

/// The corpora, each as separate blobs (files), as a scan sees them: real text first.
fn corpora() -> Vec<(Vec<Vec<u8>>, String)> {
    let limit = size_limit();
    let real = match std::env::var_os("ZEROKEY_BENCH_TREE") {
        Some(root) => {
            let files = tree(std::path::Path::new(&root), limit);
            let label = format!("{} ({} files)", root.to_string_lossy(), files.len());
            (files, label)
        }
        None => {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let files = tree(&root, limit);
            let label = format!("this repository's crates/ ({} files)", files.len());
            (files, label)
        }
    };
    let text = synthetic::source_text(7, limit);
    // Cut into ~12 KB files at line ends.
    let mut files = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + 12_000).min(text.len());
        while end < text.len() && text[end - 1] != b'\n' {
            end += 1;
        }
        files.push(text[start..end].to_vec());
        start = end;
    }
    vec![real, (files, "generated source-like text".into())]
}

/// The old catalogue size taken from today's: every generic rule (they cost the most) and an
/// even spread of the others.
fn old_size(builtin: &RuleSet) -> RuleSet {
    let rules = builtin.rules();
    let generic = rules.iter().filter(|r| r.generic).count();
    let others = rules.len() - generic;
    let want = OLD_CATALOGUE.saturating_sub(generic).max(1);
    let mut keep = std::collections::HashSet::new();
    let mut k = 0;
    for r in rules {
        if r.generic {
            keep.insert(r.id.clone());
        } else {
            // The k-th specific rule is kept when it crosses a multiple of others/want.
            if k * want / others != (k + 1) * want / others {
                keep.insert(r.id.clone());
            }
            k += 1;
        }
    }
    let mut set = builtin.clone();
    set.retain(|r| keep.contains(&r.id));
    set
}

fn rule_sets() -> Vec<(String, RuleSet)> {
    let builtin = RuleSet::builtin().unwrap();
    let old = old_size(&builtin);
    let mut sets = vec![
        (format!("subset-{}", old.len()), old),
        (format!("builtin-{}", builtin.len()), builtin.clone()),
    ];
    let synthetic: usize = std::env::var("ZEROKEY_BENCH_SYNTHETIC")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if synthetic > builtin.len() {
        let mut full = builtin.clone();
        let (toml, _) = synthetic::synthetic_rules(11, synthetic - builtin.len());
        full.add_file("synthetic.toml", &toml).unwrap();
        sets.push((format!("builtin+synthetic-{}", full.len()), full));
    }
    sets
}

fn scan_all(files: &[Vec<u8>], scan: impl Fn(&[u8]) -> usize) -> usize {
    files.iter().map(|f| scan(f)).sum()
}

/// CPU time (user + system) this thread has used.
fn thread_cpu() -> Duration {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_THREAD)
        .map(|u| {
            let us = |t: nix::sys::time::TimeVal| {
                Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
            };
            us(u.user_time()) + us(u.system_time())
        })
        .unwrap_or_default()
}

/// Best of a few passes (one when quick), printed as MB per CPU-second of the scanning thread
/// (a shared, loaded machine stretches wall time but not CPU time) and per wall second.
fn report(name: &str, rules: usize, files: &[Vec<u8>], scan: impl Fn(&[u8]) -> usize) {
    let bytes: usize = files.iter().map(Vec::len).sum();
    let (mut best_cpu, mut best_wall) = (Duration::MAX, Duration::MAX);
    let mut found = 0;
    let passes = if quick() { 1 } else { 3 };
    for _ in 0..passes {
        let (c, t) = (thread_cpu(), Instant::now());
        found = scan_all(files, &scan);
        best_wall = best_wall.min(t.elapsed());
        best_cpu = best_cpu.min(thread_cpu().saturating_sub(c));
    }
    let mb = bytes as f64 / 1e6;
    println!(
        "matcher {name}: {:.1} MB/s per core ({rules} rules, {mb:.1} MB, {found} matches; \
         {:.3} CPU-s, {:.1} MB/s wall)",
        mb / best_cpu.as_secs_f64().max(1e-9),
        best_cpu.as_secs_f64(),
        mb / best_wall.as_secs_f64(),
    );
}

/// `<corpus> <rule set>`, as `ZEROKEY_BENCH_ONLY` selects.
fn label(corpus: usize, rules: &str) -> String {
    let corpus = if corpus == 0 { "real" } else { "generated" };
    format!("{corpus} {rules}")
}

fn quick() -> bool {
    std::env::var_os("ZEROKEY_BENCH_QUICK").is_some()
}

fn bench(c: &mut Criterion) {
    let corpora = corpora();
    for (files, label) in &corpora {
        let bytes: usize = files.iter().map(Vec::len).sum();
        println!("corpus: {label}, {:.1} MB", bytes as f64 / 1e6);
    }
    let only = std::env::var("ZEROKEY_BENCH_ONLY").unwrap_or_default();
    for (name, set) in rule_sets() {
        if !corpora
            .iter()
            .enumerate()
            .any(|(i, _)| label(i, &name).contains(&only))
        {
            continue;
        }
        let matcher = Matcher::new(&set).unwrap();
        let loose: Vec<&str> = (0..matcher.len())
            .filter(|&i| !matcher.is_anchored(i))
            .map(|i| matcher.rule(i).id.as_str())
            .collect();
        println!(
            "{name}: {} of {} rules anchored; without an anchor: {}",
            matcher.len() - loose.len(),
            matcher.len(),
            loose.join(" ")
        );
        for (i, (files, _)) in corpora.iter().enumerate() {
            let corpus = if i == 0 { "real" } else { "generated" };
            if !label(i, &name).contains(&only) {
                continue;
            }
            let bytes: usize = files.iter().map(Vec::len).sum();
            report(&format!("{corpus} {name}"), set.len(), files, |f| {
                matcher.scan(f).len()
            });
            if std::env::var_os("ZEROKEY_BENCH_NO_REFERENCE").is_none() {
                report(
                    &format!("{corpus} {name} reference"),
                    set.len(),
                    files,
                    |f| matcher.scan_reference(f).len(),
                );
            }
            if quick() {
                continue;
            }
            let mut group = c.benchmark_group(format!("matcher-{corpus}"));
            group.throughput(Throughput::Bytes(bytes as u64));
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(8));
            group.bench_function(&name, |b| {
                b.iter(|| scan_all(files, |f| matcher.scan(f).len()))
            });
            group.finish();
        }
    }
}

// criterion's macros generate undocumented public functions.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
