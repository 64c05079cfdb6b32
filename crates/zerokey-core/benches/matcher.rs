//! Matcher throughput in MB/s per core (one thread), at the built-in catalogue and with
//! synthetic rules added up to ~750, on source-like text.
//!
//! ```sh
//! cargo bench -p zerokey-core --bench matcher
//! ZEROKEY_BENCH_TREE=/path/to/tree cargo bench -p zerokey-core --bench matcher   # real files
//! ZEROKEY_BENCH_MB=16 ...                                                        # text size
//! ZEROKEY_BENCH_NO_REFERENCE=1 ...                        # skip the reference algorithm
//! ```
//!
//! Besides criterion's own report (wall time), each configuration prints one line
//! `matcher <config>: <MB/s> MB/s per core (…)`: MB (10^6 bytes) per CPU-second of the
//! scanning thread, best of three passes; CPU time is what a loaded machine does not inflate.
//! `reference` is the plain algorithm the fast matcher must agree with (see
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

/// Target catalogue size with synthetic rules added.
const FULL_CATALOGUE: usize = 750;

/// The corpus as separate blobs (files), as a scan sees them.
fn corpus() -> (Vec<Vec<u8>>, String) {
    let mb: usize = std::env::var("ZEROKEY_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let limit = mb * 1_000_000;
    if let Some(root) = std::env::var_os("ZEROKEY_BENCH_TREE") {
        let mut files = Vec::new();
        let mut total = 0;
        let mut stack = vec![std::path::PathBuf::from(&root)];
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
                if p.file_name().is_some_and(|n| n == ".git") {
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
        let label = format!("{} ({} files)", root.to_string_lossy(), files.len());
        return (files, label);
    }
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
    (files, "generated source-like text".into())
}

fn rule_sets() -> Vec<(String, RuleSet)> {
    let builtin = RuleSet::builtin().unwrap();
    let mut full = builtin.clone();
    let extra = FULL_CATALOGUE.saturating_sub(builtin.len());
    let (toml, _) = synthetic::synthetic_rules(11, extra);
    full.add_file("synthetic.toml", &toml).unwrap();
    vec![
        (format!("builtin-{}", builtin.len()), builtin),
        (format!("builtin+synthetic-{}", full.len()), full),
    ]
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

/// Best of a few passes, printed as MB per CPU-second of the scanning thread (a shared,
/// loaded machine stretches wall time but not CPU time) and per wall second.
fn report(name: &str, rules: usize, files: &[Vec<u8>], scan: impl Fn(&[u8]) -> usize) {
    let bytes: usize = files.iter().map(Vec::len).sum();
    let (mut best_cpu, mut best_wall) = (Duration::MAX, Duration::MAX);
    let mut found = 0;
    for _ in 0..3 {
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

fn bench(c: &mut Criterion) {
    let (files, label) = corpus();
    let bytes: usize = files.iter().map(Vec::len).sum();
    println!("corpus: {label}, {:.1} MB", bytes as f64 / 1e6);
    for (name, set) in rule_sets() {
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
        report(&name, set.len(), &files, |f| matcher.scan(f).len());
        if std::env::var_os("ZEROKEY_BENCH_NO_REFERENCE").is_none() {
            report(&format!("{name} reference"), set.len(), &files, |f| {
                matcher.scan_reference(f).len()
            });
        }
        let mut group = c.benchmark_group("matcher");
        group.throughput(Throughput::Bytes(bytes as u64));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(8));
        group.bench_function(&name, |b| {
            b.iter(|| scan_all(&files, |f| matcher.scan(f).len()))
        });
        group.finish();
    }
}

// criterion's macros generate undocumented public functions.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
