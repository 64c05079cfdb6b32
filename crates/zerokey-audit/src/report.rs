//! Audit reports: text, JSON (`{"version":1,"findings","suppressed","required_secrets",
//! "stats","errors"}`), SARIF 2.1.0 (same conventions as the scanner's) and Markdown.

use crate::audits::AuditDoc;
use crate::finding::Severity;
use crate::AuditOutcome;
use serde_json::{json, Value};
use std::io::{self, Write};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per finding.
    Text,
    /// JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// Markdown.
    Markdown,
}

/// Writes `o` in `format`.
pub fn render(
    format: Format,
    o: &AuditOutcome,
    docs: &[&AuditDoc],
    version: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text(o, out),
        Format::Json => {
            let doc = json!({
                "version": 1,
                "findings": o.findings,
                "suppressed": o.suppressed,
                "required_secrets": o.required_secrets,
                "stats": o.stats,
                "errors": o.errors,
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Sarif => sarif(o, docs, version, out),
        Format::Markdown => markdown(o, out),
    }
}

fn text(o: &AuditOutcome, out: &mut dyn Write) -> io::Result<()> {
    for f in &o.findings {
        let (loc, logical) = f.primary().map_or((String::new(), String::new()), |l| {
            (
                format!("{}:{}:{}", l.path, l.line, l.column),
                l.logical_path.clone(),
            )
        });
        let logical = if logical.is_empty() {
            String::new()
        } else {
            format!("  [{logical}]")
        };
        writeln!(
            out,
            "{loc}  {:<8}  {}  {}{logical}",
            f.severity.as_str(),
            f.rule_id,
            f.message
        )?;
    }
    Ok(())
}

/// One-line summary for stderr.
pub fn summary(o: &AuditOutcome) -> String {
    let mut by = Vec::new();
    for sev in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let n = o.findings.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            by.push(format!("{n} {sev}"));
        }
    }
    let n = o.findings.len();
    format!(
        "{n} finding{}{} in {} workflows, {} policies, {} Terraform, {} CloudFormation and {} container/platform files ({} repositories) in {} ms; {} suppressed; {} files not parsed (skipped)",
        if n == 1 { "" } else { "s" },
        if by.is_empty() { String::new() } else { format!(" ({})", by.join(", ")) },
        o.stats.workflows,
        o.stats.policies,
        o.stats.terraform_files,
        o.stats.cloudformation_files,
        o.stats.platform_files,
        o.stats.repositories,
        o.stats.duration_ms,
        o.stats.suppressed,
        o.stats.errors
    )
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn sarif(
    o: &AuditOutcome,
    docs: &[&AuditDoc],
    version: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rules: Vec<Value> = docs
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "name": d.id.replace('-', "_"),
                "shortDescription": {"text": d.title},
                "fullDescription": {"text": d.what},
                "help": {"text": format!("{} {}", d.why, d.fix), "markdown": format!("**{}**\n\n{}\n\n{}\n\nExample:\n\n```\n{}\n```\n\nFix: {}", d.title, d.what, d.why, d.example, d.fix)},
                "defaultConfiguration": {"level": level(d.severity)},
                "properties": {"security-severity": security_severity(d.severity), "tags": ["security", d.input]},
            })
        })
        .collect();
    let result = |f: &crate::finding::AuditFinding, sup: Option<&crate::SuppressedFinding>| {
        let locs: Vec<Value> = f
            .locations
            .iter()
            .map(|l| {
                json!({
                    "physicalLocation": {
                        "artifactLocation": {"uri": l.path},
                        "region": {"startLine": l.line, "startColumn": l.column, "endLine": l.end_line, "endColumn": l.end_column + 1},
                    },
                    "logicalLocations": [{"fullyQualifiedName": l.logical_path}],
                    "message": {"text": l.note.clone().unwrap_or_default()},
                })
            })
            .collect();
        let mut r = json!({
            "ruleId": f.rule_id,
            "level": level(f.severity),
            "message": {"text": f.message},
            "locations": locs.first().cloned().map(|l| vec![l]).unwrap_or_default(),
            "relatedLocations": locs.iter().skip(1).cloned().collect::<Vec<_>>(),
            "partialFingerprints": {"zerokey/v1": f.fingerprint},
            "properties": {"severity": f.severity, "confidence": f.confidence, "remediation": f.remediation},
        });
        if let Some(s) = sup {
            r["suppressions"] = json!([{
                "kind": if s.kind == "inline" { "inSource" } else { "external" },
                "justification": s.reason.clone().unwrap_or_else(|| s.kind.to_string()),
            }]);
        }
        r
    };
    let results: Vec<Value> = o
        .findings
        .iter()
        .map(|f| result(f, None))
        .chain(o.suppressed.iter().map(|s| result(&s.finding, Some(s))))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "zerokey", "version": version, "informationUri": "https://github.com/zerokey/zerokey", "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(o: &AuditOutcome, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# zerokey audit report\n")?;
    writeln!(out, "{}\n", summary(o))?;
    if !o.findings.is_empty() {
        writeln!(out, "## Findings\n")?;
        writeln!(out, "| severity | audit | location | message | fix |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for f in &o.findings {
            let loc = f.primary().map_or(String::new(), |l| {
                format!("`{}:{}` {}", l.path, l.line, l.logical_path)
            });
            writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                f.severity,
                f.rule_id,
                cell(&loc),
                cell(&f.message),
                cell(&f.remediation)
            )?;
        }
    }
    if !o.required_secrets.is_empty() {
        writeln!(out, "\n## Secrets the workflows require\n")?;
        for w in &o.required_secrets {
            writeln!(
                out,
                "- `{}`: {}",
                cell(&w.workflow),
                w.secrets
                    .iter()
                    .map(|s| format!("`{}` ({})", s.name, s.jobs.join(", ")))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    if !o.errors.is_empty() {
        writeln!(out, "\n## Not audited\n")?;
        for e in &o.errors {
            writeln!(
                out,
                "- `{}:{}:{}`: {}",
                cell(&e.path),
                e.line,
                e.column,
                cell(&e.message)
            )?;
        }
    }
    Ok(())
}
