//! Times the scanner without the command line around it: builds the matcher of the built-in
//! rules, then scans a tree (`scan_time PATH`) or a repository's history (`scan_time --git
//! REPO`), and prints the phases' times and the counts on stderr. For profiling:
//!
//! ```sh
//! cargo build --release -p zerokey-scan --example scan_time
//! perf record -g target/release/examples/scan_time /path/to/tree
//! ```

#![allow(clippy::print_stdout, missing_docs)]

/// The binary's allocator, so that profiles match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::time::Instant;
use zerokey_core::{Matcher, RuleSet};
use zerokey_scan::{GitOptions, NoProgress, ScanOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (git, path) = match args.next() {
        Some(flag) if flag == "--git" => (true, args.next().ok_or("--git REPO")?),
        Some(path) => (false, path),
        None => return Err("usage: scan_time [--git] PATH".into()),
    };
    let t = Instant::now();
    let rules = RuleSet::builtin()?;
    let parsed = t.elapsed();
    let matcher = Matcher::new(&rules)?;
    let built = t.elapsed();
    let t = Instant::now();
    let outcome = if git {
        zerokey_scan::scan_history(
            &matcher,
            &PathBuf::from(&path),
            &GitOptions::default(),
            &NoProgress,
        )?
    } else {
        zerokey_scan::scan_paths(
            &matcher,
            &[PathBuf::from(&path)],
            &ScanOptions::default(),
            &NoProgress,
        )?
    };
    eprintln!(
        "rules {:.1} ms, matcher {:.1} ms, scan {:.1} ms: {} findings, {} files, {} bytes",
        parsed.as_secs_f64() * 1e3,
        (built - parsed).as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64() * 1e3,
        outcome.findings.len(),
        outcome.stats.files,
        outcome.stats.bytes
    );
    Ok(())
}
