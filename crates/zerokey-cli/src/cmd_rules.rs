//! `zerokey rules`: the built-in rules, as a table or JSON.

use crate::args::{OutputFormat, RulesArgs};
use crate::Exit;
use anyhow::Context as _;
use zerokey_core::RuleSet;

pub fn run(args: RulesArgs) -> anyhow::Result<Exit> {
    let set = RuleSet::builtin().context("built-in rules")?;
    crate::output::emit(None, |out| {
        if args.format == OutputFormat::Json {
            let rows: Vec<_> = set
                .rules()
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "name": r.name, "severity": r.severity,
                        "confidence": r.confidence, "keywords": r.keywords,
                        "description": r.description, "references": r.references,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        } else {
            for r in set.rules() {
                writeln!(out, "{:<36} {:<9} {}", r.id, r.severity.as_str(), r.name)?;
            }
            Ok(())
        }
    })?;
    Ok(Exit::Clean)
}
