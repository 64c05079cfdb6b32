//! The rule catalogue (`zerokey rules`): what the built-in rules cover. Text: rules and
//! services per family (rule file) and a total; JSON: every rule with its metadata; Markdown:
//! the services table that the README carries between `<!-- rules:begin -->` and
//! `<!-- rules:end -->`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use zerokey_core::{Rule, RuleSet};

/// The family of a rule: its rule file without `.toml` (`aws`, `generic`).
pub fn family(rule: &Rule) -> &str {
    rule.file.strip_suffix(".toml").unwrap_or(&rule.file)
}

/// A validator's name as written in rule files (`github-crc32`).
fn validator_name(v: zerokey_core::Validator) -> String {
    let mut out = String::new();
    for (i, c) in format!("{v:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Families in file order, each with its rules' services (in first-seen order) and counts.
struct Family<'a> {
    name: &'a str,
    rules: usize,
    services: Vec<(&'a str, usize)>,
}

fn families(set: &RuleSet) -> Vec<Family<'_>> {
    let mut out: Vec<Family<'_>> = Vec::new();
    for r in set.rules() {
        let name = family(r);
        if out.last().is_none_or(|f| f.name != name) {
            out.push(Family {
                name,
                rules: 0,
                services: Vec::new(),
            });
        }
        let Some(f) = out.last_mut() else { continue };
        f.rules += 1;
        match f.services.iter_mut().find(|(s, _)| *s == r.service) {
            Some((_, n)) => *n += 1,
            None => f.services.push((r.service.as_str(), 1)),
        }
    }
    out
}

fn services(set: &RuleSet) -> BTreeSet<&str> {
    set.rules().iter().map(|r| r.service.as_str()).collect()
}

/// Families with their rule and service counts and a total; with `list`, one line per rule
/// first.
pub fn text(set: &RuleSet, list: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if list {
        for r in set.rules() {
            writeln!(
                out,
                "{:<40} {:<9} {:<20} {}",
                r.id,
                r.severity.as_str(),
                r.service,
                r.name
            )?;
        }
        writeln!(out)?;
    }
    let fams = families(set);
    let width = fams.iter().map(|f| f.name.len()).max().unwrap_or(6).max(6);
    writeln!(out, "{:<width$}  {:>5}  services", "family", "rules")?;
    for f in &fams {
        let services: Vec<String> = f
            .services
            .iter()
            .map(|(s, n)| format!("{s} ({n})"))
            .collect();
        writeln!(
            out,
            "{:<width$}  {:>5}  {}",
            f.name,
            f.rules,
            services.join(", ")
        )?;
    }
    writeln!(
        out,
        "total: {} rules, {} services, {} families",
        set.len(),
        services(set).len(),
        fams.len()
    )
}

/// Every rule with its metadata, as a JSON array.
pub fn json(set: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    let rows: Vec<_> = set
        .rules()
        .iter()
        .map(|r| {
            let validators: Vec<String> = r.validators.iter().map(|v| validator_name(*v)).collect();
            serde_json::json!({
                "id": r.id,
                "name": r.name,
                "service": r.service,
                "family": family(r),
                "file": r.file,
                "severity": r.severity,
                "confidence": r.confidence,
                "generic": r.generic,
                "keywords": r.keywords,
                "validators": validators,
                "min_entropy": r.min_entropy,
                "description": r.description,
                "references": r.references,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}

/// The services table: services in alphabetical order, one row per initial, each with its
/// number of rules when more than one, then a total line. This is the text between the
/// README's `<!-- rules:begin -->` and `<!-- rules:end -->` markers.
pub fn services_markdown(set: &RuleSet) -> String {
    let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for r in set.rules() {
        *counts
            .entry((r.service.to_ascii_lowercase(), r.service.as_str()))
            .or_default() += 1;
    }
    let mut rows: BTreeMap<char, Vec<String>> = BTreeMap::new();
    for ((key, name), n) in &counts {
        let initial = key
            .chars()
            .next()
            .filter(char::is_ascii_alphabetic)
            .map_or('#', |c| c.to_ascii_uppercase());
        let cell = if *n > 1 {
            format!("{name} ({n})")
        } else {
            (*name).to_string()
        };
        rows.entry(initial).or_default().push(cell);
    }
    let mut s = String::from("| | services (rules, when more than one) |\n|---|---|\n");
    for (initial, names) in &rows {
        s.push_str(&format!("| {initial} | {} |\n", names.join(", ")));
    }
    s.push_str(&format!(
        "\n{} rules covering {} services in {} families (`zerokey rules`).\n",
        set.len(),
        services(set).len(),
        families(set).len()
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> RuleSet {
        let mut s = RuleSet::default();
        let rule = |id: &str, service: &str| {
            format!(
                "[[rules]]\nid = \"{id}\"\nname = \"n\"\nservice = \"{service}\"\nseverity = \"high\"\n\
                 confidence = \"low\"\nkeywords = [\"k\"]\npattern = \"k[0-9]+\"\nvalidators = [\"github-crc32\", \"not-hash\"]\n"
            )
        };
        let a = format!("{}{}", rule("a-one", "Alpha"), rule("a-two", "Alpha Cloud"));
        s.add_file("alpha.toml", &a)
            .unwrap_or_else(|e| panic!("{e}"));
        let b = format!("{}{}", rule("b-one", "Beta"), rule("b-two", "Beta"));
        s.add_file("beta.toml", &b)
            .unwrap_or_else(|e| panic!("{e}"));
        s
    }

    #[test]
    fn validator_names_are_kebab_case_as_in_rule_files() {
        assert_eq!(
            validator_name(zerokey_core::Validator::GithubCrc32),
            "github-crc32"
        );
        assert_eq!(validator_name(zerokey_core::Validator::NotHash), "not-hash");
    }

    #[test]
    fn text_counts_rules_per_family_and_total() {
        let mut out = Vec::new();
        text(&set(), false, &mut out).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8(out).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[1].starts_with("alpha") && lines[1].contains(" 2  Alpha (1), Alpha Cloud (1)")
        );
        assert!(lines[2].starts_with("beta") && lines[2].contains(" 2  Beta (2)"));
        assert_eq!(lines[3], "total: 4 rules, 3 services, 2 families");
    }

    #[test]
    fn markdown_has_one_row_per_initial() {
        let md = services_markdown(&set());
        assert!(md.contains("| A | Alpha, Alpha Cloud |\n"), "{md}");
        assert!(md.contains("| B | Beta (2) |\n"), "{md}");
        assert!(
            md.contains("4 rules covering 3 services in 2 families"),
            "{md}"
        );
    }
}
