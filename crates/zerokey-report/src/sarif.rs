//! SARIF 2.1.0 for code-scanning upload: one run, the rules with help text and
//! `security-severity`, results with `partialFingerprints`.

use crate::Report;
use serde_json::{json, Value};
use std::io::{self, Write};
use zerokey_core::{Confidence, Finding, Severity, SuppressionKind};

/// GitHub's `security-severity` score for a severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Writes the SARIF log.
pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id.replace('-', "_"),
                "shortDescription": { "text": r.name },
                "fullDescription": { "text": if r.description.is_empty() { &r.name } else { &r.description } },
                "help": {
                    "text": format!("{} Remove the secret from the file and its history, revoke it, and load it at run time instead (for AWS: use roles and short-lived credentials).", r.description),
                    "markdown": format!("**{}**\n\n{}\n\nRevoke the secret, remove it from the file and its history, and load it at run time instead.{}", r.name, r.description,
                        r.references.iter().map(|u| format!("\n- <{u}>")).collect::<String>()),
                },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": {
                    "security-severity": security_severity(r.severity),
                    "tags": ["security", "secrets"],
                    "precision": match r.confidence { Confidence::High => "high", Confidence::Medium => "medium", Confidence::Low => "low" },
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, None))
        .chain(
            report
                .suppressed
                .iter()
                .map(|s| result(&s.finding, Some(s.kind))),
        )
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "zerokey",
                "version": report.tool_version,
                "informationUri": "https://github.com/zerokey/zerokey",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// A relative URI reference for a path (percent-encodes what URIs do not allow).
fn uri(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// One SARIF result; suppressed findings carry a `suppressions` entry.
fn result(f: &Finding, suppression: Option<SuppressionKind>) -> Value {
    let mut props = json!({
        "severity": f.severity,
        "confidence": f.confidence,
        "redacted": f.redacted,
        "validation": f.validation,
    });
    if let Some(c) = &f.commit {
        props["commit"] = json!(c);
    }
    if let Some(d) = &f.date {
        props["date"] = json!(d);
    }
    if let Some(l) = &f.location {
        props["location"] = json!(l);
    }
    let mut r = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": { "text": match &f.location {
            Some(l) => format!("{} ({}) found in {l}: {}", f.rule_name, f.rule_id, f.redacted),
            None => format!("{} ({}) found: {}", f.rule_name, f.rule_id, f.redacted),
        } },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&f.path) },
                "region": {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "endLine": f.end_line,
                    "endColumn": f.end_column + 1,
                }
            }
        }],
        "partialFingerprints": { "zerokey/v1": f.fingerprint },
        "properties": props,
    });
    if let Some(l) = &f.location {
        // The archive member or database cell; the region counts within it.
        r["locations"][0]["logicalLocations"] =
            json!([{ "fullyQualifiedName": l, "kind": "element" }]);
    }
    if let Some(kind) = suppression {
        let (sarif_kind, why) = match kind {
            SuppressionKind::Inline => ("inSource", "zerokey:allow comment"),
            SuppressionKind::Baseline => ("external", "fingerprint in the baseline file"),
            SuppressionKind::Config => ("external", "allowed by .zerokey.toml"),
        };
        r["suppressions"] = json!([{ "kind": sarif_kind, "justification": why }]);
    }
    r
}
