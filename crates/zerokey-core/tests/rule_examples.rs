//! Every built-in rule carries examples and negative examples; this runs them all through the
//! real matcher (all rules together, as a scan would) and reports every failure at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zerokey_core::{Matcher, RuleSet};

fn load() -> (RuleSet, Matcher) {
    let set = RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules: {e}"));
    let matcher = Matcher::new(&set).unwrap_or_else(|e| panic!("compile: {e}"));
    (set, matcher)
}

fn rule_ids_found(matcher: &Matcher, input: &str) -> Vec<String> {
    matcher
        .scan(input.as_bytes())
        .iter()
        .map(|m| matcher.rule(m.rule).id.clone())
        .collect()
}

#[test]
fn every_rule_has_examples_and_negative_examples() {
    let (set, _) = load();
    let missing: Vec<String> = set
        .rules()
        .iter()
        .filter(|r| r.examples.is_empty() || r.negative_examples.is_empty())
        .map(|r| format!("{}: {}", r.file, r.id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without examples/negative_examples: {missing:#?}"
    );
}

#[test]
fn every_example_is_found_by_its_rule() {
    let (set, matcher) = load();
    let mut failures = Vec::new();
    for rule in set.rules() {
        for (i, ex) in rule.examples.iter().enumerate() {
            let found = rule_ids_found(&matcher, ex);
            if !found.contains(&rule.id) {
                failures.push(format!(
                    "{}: {} example #{i}: found {found:?}",
                    rule.file, rule.id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn no_negative_example_is_found_by_its_rule() {
    let (set, matcher) = load();
    let mut failures = Vec::new();
    for rule in set.rules() {
        for (i, ex) in rule.negative_examples.iter().enumerate() {
            if rule_ids_found(&matcher, ex).contains(&rule.id) {
                failures.push(format!("{}: {} negative example #{i}", rule.file, rule.id));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_set_covers_the_required_families() {
    let (set, _) = load();
    assert!(set.len() >= 40, "only {} rules", set.len());
    for id in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
        "github-pat-classic",
        "github-pat-fine-grained",
        "pypi-token",
        "npm-access-token",
        "private-key-rsa",
        "private-key-openssh",
        "url-embedded-password",
    ] {
        assert!(set.get(id).is_some(), "missing rule {id}");
    }
    for r in set.rules() {
        assert!(
            !r.description.is_empty(),
            "{}: {} has no description",
            r.file,
            r.id
        );
    }
}
