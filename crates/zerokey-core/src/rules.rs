//! Rules as data: the TOML schema, loading, and checks that every rule is well formed.
//!
//! The built-in rule files live in `data/rules/` and are embedded by `build.rs`. Each rule has
//! a stable id (never reused), keywords for the prefilter, a bytes regex, optional validators
//! and entropy floor, and examples / negative examples that the test suite runs.

use crate::finding::{Confidence, Severity};
use crate::validators::Validator;
use serde::Deserialize;
use std::collections::HashSet;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// Default bytes searched before a keyword hit.
pub const DEFAULT_LOOKBEHIND: usize = 256;
/// Default bytes searched after a keyword hit.
pub const DEFAULT_WINDOW: usize = 1024;

/// An error in a rule file. Every variant names the file and, where known, the rule.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// The file is not valid TOML or does not follow the schema.
    #[error("{file}: {message}")]
    Parse {
        /// Rule file name.
        file: String,
        /// Parser message.
        message: String,
    },
    /// A rule is malformed.
    #[error("{file}: rule {id}: {message}")]
    Invalid {
        /// Rule file name.
        file: String,
        /// Rule id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// Two rules share an id.
    #[error("{file}: rule {id}: duplicate rule id")]
    Duplicate {
        /// Rule file name.
        file: String,
        /// Rule id.
        id: String,
    },
}

/// One detection rule, as written in a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: String,
    /// Human name.
    pub name: String,
    /// The service or product whose credential this is (`Cloudflare`, `GitHub`); generic rules
    /// say `Generic`. `zerokey rules` counts coverage by it.
    #[serde(default)]
    pub service: String,
    /// Severity of a leak.
    pub severity: Severity,
    /// Confidence before validators.
    pub confidence: Confidence,
    /// Prefilter keywords (ASCII, case-insensitive).
    pub keywords: Vec<String>,
    /// Bytes regex; the secret is group `secret`, else group 1, else the whole match.
    pub pattern: String,
    /// Offline validators that must all pass.
    #[serde(default)]
    pub validators: Vec<Validator>,
    /// Shannon entropy floor of the secret, bits per byte.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Generic rules yield to specific ones on the same secret.
    #[serde(default)]
    pub generic: bool,
    /// Bytes searched before a keyword hit.
    #[serde(default = "default_lookbehind")]
    pub lookbehind: usize,
    /// Bytes searched after a keyword hit.
    #[serde(default = "default_window")]
    pub window: usize,
    /// What the secret is and why it matters.
    #[serde(default)]
    pub description: String,
    /// Documentation links.
    #[serde(default)]
    pub references: Vec<String>,
    /// Inputs that must produce a finding of this rule.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Inputs that must produce no finding of this rule.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// The file this rule came from (set on load).
    #[serde(skip)]
    pub file: String,
}

fn default_lookbehind() -> usize {
    DEFAULT_LOOKBEHIND
}

fn default_window() -> usize {
    DEFAULT_WINDOW
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<Rule>,
}

/// An ordered, checked set of rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules embedded in the binary.
    pub fn builtin() -> Result<Self, RuleError> {
        let mut set = RuleSet::default();
        // Built-in patterns are not even parsed here: the matcher parses and compiles a rule's
        // pattern when one of its keywords is first met, and parsing all 578 at start-up was
        // most of the fixed cost of a scan. Every one is compiled by the test
        // `builtin_rules_load`.
        set.add(BUILTIN_RULE_JSON, Format::Json, Check::Trusted)?;
        Ok(set)
    }

    /// Parses `text` (the contents of rule file `file`) and adds its rules.
    pub fn add_file(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        self.add(&[(file, text)], Format::Toml, Check::Compile)
    }

    /// Adds the rules of `files` (name, contents), in order.
    fn add(
        &mut self,
        files: &[(&str, &str)],
        format: Format,
        check: Check,
    ) -> Result<(), RuleError> {
        let mut seen: HashSet<String> = self.rules.iter().map(|r| r.id.clone()).collect();
        for &(file, text) in files {
            let parse_error = |message: String| RuleError::Parse {
                file: file.to_string(),
                message,
            };
            let parsed: RuleFile = match format {
                Format::Toml => {
                    toml::from_str(text).map_err(|e| parse_error(e.message().to_string()))?
                }
                Format::Json => {
                    serde_json::from_str(text).map_err(|e| parse_error(e.to_string()))?
                }
            };
            for mut rule in parsed.rules {
                rule.file = file.to_string();
                check_rule(&rule, check)?;
                if !seen.insert(rule.id.clone()) {
                    return Err(RuleError::Duplicate {
                        file: file.to_string(),
                        id: rule.id,
                    });
                }
                self.rules.push(rule);
            }
        }
        Ok(())
    }

    /// Keeps only the rules for which `keep` is true.
    pub fn retain(&mut self, keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(keep);
    }

    /// The rules, in file-name then file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Looks up a rule by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True if there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// How a rule file is written: TOML (what users and the repository write), or the JSON the
/// build converts the built-in files to.
#[derive(Clone, Copy)]
enum Format {
    Toml,
    Json,
}

/// How far a rule's pattern is checked when it is added.
#[derive(Clone, Copy)]
enum Check {
    /// Not checked: the built-in rules, which the tests compile.
    Trusted,
    /// Compiled, as the matcher will (also size limits).
    Compile,
}

fn check_rule(rule: &Rule, check: Check) -> Result<(), RuleError> {
    let invalid = |message: String| RuleError::Invalid {
        file: rule.file.clone(),
        id: rule.id.clone(),
        message,
    };
    let id_ok = !rule.id.is_empty()
        && rule
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !rule.id.starts_with('-')
        && !rule.id.ends_with('-');
    if !id_ok {
        return Err(invalid("id must be kebab-case ASCII".into()));
    }
    if rule.keywords.is_empty() {
        return Err(invalid("at least one keyword is required".into()));
    }
    if let Some(k) = rule.keywords.iter().find(|k| k.is_empty() || !k.is_ascii()) {
        return Err(invalid(format!("keyword {k:?} must be non-empty ASCII")));
    }
    if let Some(e) = rule.min_entropy {
        if !(0.0..=8.0).contains(&e) {
            return Err(invalid(format!("min_entropy {e} is outside 0..8")));
        }
    }
    if rule.window == 0 || rule.window > 1 << 20 || rule.lookbehind > 1 << 20 {
        return Err(invalid("window/lookbehind must be within 1..1 MiB".into()));
    }
    match check {
        Check::Trusted => {}
        Check::Compile => {
            crate::matcher::compile_pattern(&rule.pattern)
                .map_err(|e| invalid(format!("invalid pattern: {e}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let set = RuleSet::builtin().unwrap_or_else(|e| panic!("{e}"));
        assert!(!set.is_empty());
        // `builtin` does not check the patterns; each must compile.
        for rule in set.rules() {
            check_rule(rule, Check::Compile).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// The built-in rules load from the JSON the build makes of `data/rules/*.toml`: each
    /// rule equals what the TOML file gives, field by field, in the same order.
    #[test]
    fn builtin_rules_from_json_equal_the_toml_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/rules");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        let mut from_toml = RuleSet::default();
        for f in &files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{e}"));
            from_toml
                .add_file(name, &text)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let builtin = RuleSet::builtin().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(builtin.len(), from_toml.len());
        for (a, b) in builtin.rules().iter().zip(from_toml.rules()) {
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
    }

    #[test]
    fn bad_rule_file_errors_name_file_and_rule() {
        let mut set = RuleSet::default();
        let err = set
            .add_file("x.toml", "[[rules]]\nid='a'\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("x.toml: "), "{err}");

        let bad = r#"[[rules]]
id = "bad-regex"
name = "n"
severity = "high"
confidence = "low"
keywords = ["k"]
pattern = "("
"#;
        let err = set
            .add_file("y.toml", bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("y.toml: rule bad-regex: invalid pattern"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let one = r#"[[rules]]
id = "dup"
name = "n"
severity = "high"
confidence = "low"
keywords = ["k"]
pattern = "k[0-9]+"
"#;
        let mut set = RuleSet::default();
        assert!(set.add_file("a.toml", one).is_ok());
        assert!(matches!(
            set.add_file("b.toml", one),
            Err(RuleError::Duplicate { .. })
        ));
    }
}
