//! `zerokey rules`: the built-in rule catalogue through `zerokey_report::rules`.

use crate::args::{RulesArgs, RulesFormat};
use crate::Exit;
use anyhow::Context as _;
use zerokey_core::RuleSet;
use zerokey_report::rules;

pub fn run(args: RulesArgs) -> anyhow::Result<Exit> {
    let set = RuleSet::builtin().context("built-in rules")?;
    crate::output::emit(None, |out| match args.format {
        RulesFormat::Json => rules::json(&set, out),
        RulesFormat::Markdown => out.write_all(rules::services_markdown(&set).as_bytes()),
        RulesFormat::Text => rules::text(&set, args.list, out),
    })?;
    Ok(Exit::Clean)
}
