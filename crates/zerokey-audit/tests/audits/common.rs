use std::path::PathBuf;
use zerokey_audit::{audit_path, AuditOptions};

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .join(rel)
}

/// Runs one audit on a fixture folder; returns the text report (one line per finding).
pub fn run(id: &str, rel: &str) -> String {
    let opts = AuditOptions {
        only: vec![id.to_string()],
        ..AuditOptions::default()
    };
    let outcome = audit_path(&fixture(rel), &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let mut out = Vec::new();
    zerokey_audit::report::render(
        zerokey_audit::report::Format::Text,
        &outcome,
        &[],
        "test",
        &mut out,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).unwrap_or_default()
}

/// Runs one audit on several fixture folders; the reports joined with a header per folder.
pub fn run_many(id: &str, rels: &[&str]) -> String {
    rels.iter()
        .map(|r| format!("== {r}\n{}", run(id, r)))
        .collect::<Vec<_>>()
        .join("")
}
