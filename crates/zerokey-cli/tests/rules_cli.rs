//! `zerokey rules`: counts per family and a total, JSON metadata for every rule, and the README's
//! services table, which must match what the built-in rules generate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const BEGIN: &str = "<!-- rules:begin -->";
const END: &str = "<!-- rules:end -->";

fn zerokey(args: &[&str]) -> String {
    let out = Command::cargo_bin("zerokey")
        .unwrap_or_else(|e| panic!("{e}"))
        .env_remove("ZEROKEY_LOG")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

fn rules_json() -> Vec<Value> {
    let v: Value = serde_json::from_str(&zerokey(&["rules", "--format", "json"]))
        .unwrap_or_else(|e| panic!("{e}"));
    v.as_array().cloned().unwrap_or_default()
}

#[test]
fn json_lists_every_rule_with_its_metadata() {
    let rules = rules_json();
    assert!(rules.len() >= 40, "only {} rules", rules.len());
    for r in &rules {
        for key in [
            "id",
            "name",
            "service",
            "family",
            "file",
            "severity",
            "confidence",
            "keywords",
            "validators",
            "references",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert!(
            r["keywords"].as_array().is_some_and(|k| !k.is_empty()),
            "{r}"
        );
        assert!(r["validators"].is_array(), "{r}");
    }
    let gh = rules
        .iter()
        .find(|r| r["id"] == "github-pat-classic")
        .unwrap_or_else(|| panic!("no github-pat-classic"));
    assert_eq!(gh["family"], "github");
    assert_eq!(gh["service"], "GitHub");
    assert!(gh["validators"]
        .as_array()
        .is_some_and(|v| v.iter().any(|x| x == "github-crc32")));
}

#[test]
fn every_rule_names_its_service() {
    let missing: Vec<String> = rules_json()
        .iter()
        .filter(|r| r["service"].as_str().is_none_or(|s| s.trim().is_empty()))
        .map(|r| format!("{} ({})", r["id"], r["file"]))
        .collect();
    assert!(missing.is_empty(), "rules without a service: {missing:?}");
}

#[test]
fn text_prints_one_line_per_family_and_a_total() {
    let rules = rules_json();
    let families: std::collections::BTreeSet<&str> =
        rules.iter().filter_map(|r| r["family"].as_str()).collect();
    let services: std::collections::BTreeSet<&str> =
        rules.iter().filter_map(|r| r["service"].as_str()).collect();
    let text = zerokey(&["rules"]);
    let lines: Vec<&str> = text.lines().collect();
    // header, one line per family, total
    assert_eq!(lines.len(), families.len() + 2, "{text}");
    assert!(lines[0].starts_with("family"), "{text}");
    let total = format!(
        "total: {} rules, {} services, {} families",
        rules.len(),
        services.len(),
        families.len()
    );
    assert_eq!(lines.last().copied(), Some(total.as_str()));
    let counted: usize = lines[1..lines.len() - 1]
        .iter()
        .map(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("no count in {l:?}"))
        })
        .sum();
    assert_eq!(counted, rules.len());
    // --list adds one line per rule before the summary.
    let listed = zerokey(&["rules", "--list"]);
    assert_eq!(listed.lines().count(), lines.len() + rules.len() + 1);
}

/// The README's services table is generated from the rules. Refresh it with
/// `ZEROKEY_UPDATE_README=1 cargo test -p zerokey-cli --test rules_cli readme`.
#[test]
fn readme_services_table_is_current() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap_or_else(|e| panic!("{e}"));
    let (Some(b), Some(e)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md has no {BEGIN} … {END} section");
    };
    let current = &readme[b + BEGIN.len()..e];
    let generated = format!("\n{}", zerokey(&["rules", "--format", "markdown"]));
    if current == generated {
        return;
    }
    if std::env::var_os("ZEROKEY_UPDATE_README").is_some() {
        let updated = format!("{}{generated}{}", &readme[..b + BEGIN.len()], &readme[e..]);
        std::fs::write(&readme_path, updated).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    panic!(
        "README.md's services table is stale; refresh it with\n  \
         ZEROKEY_UPDATE_README=1 cargo test -p zerokey-cli --test rules_cli readme"
    );
}
