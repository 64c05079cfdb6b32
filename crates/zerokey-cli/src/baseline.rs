//! Baseline files: the fingerprints of reviewed findings (with rule id and path for people
//! reading the file), never a secret or a redacted value.

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use zerokey_core::Finding;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Baseline {
    version: u32,
    fingerprints: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    rule_id: String,
    path: String,
}

/// Reads the fingerprints of a baseline file.
pub fn read(path: &Path) -> anyhow::Result<HashSet<String>> {
    let text = fs_err::read_to_string(path)?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}: not a zerokey baseline: {e}",
            path.display(),
            e.line()
        )
    })?;
    if b.version != 1 {
        bail!(
            "{}: unsupported baseline version {}",
            path.display(),
            b.version
        );
    }
    Ok(b.fingerprints.into_iter().map(|e| e.fingerprint).collect())
}

/// Writes a baseline of `findings` to `path`, atomically; returns how many it holds.
pub fn write<'a>(
    path: &Path,
    findings: impl Iterator<Item = &'a Finding>,
) -> anyhow::Result<usize> {
    let mut seen = HashSet::new();
    let mut fingerprints: Vec<Entry> = findings
        .filter(|f| seen.insert(f.fingerprint.clone()))
        .map(|f| Entry {
            fingerprint: f.fingerprint.clone(),
            rule_id: f.rule_id.clone(),
            path: f.path.clone(),
        })
        .collect();
    fingerprints.sort_by(|a, b| {
        (&a.path, &a.rule_id, &a.fingerprint).cmp(&(&b.path, &b.rule_id, &b.fingerprint))
    });
    let n = fingerprints.len();
    let doc = Baseline {
        version: 1,
        fingerprints,
    };
    crate::output::emit(Some(path), |out| {
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    })
    .with_context(|| format!("cannot write baseline {}", path.display()))?;
    Ok(n)
}
