//! Embeds every `data/rules/*.toml` file into the library, sorted by name, converted to JSON:
//! the same values, which a scan parses several times faster than TOML (parsing the TOML was a
//! third of a scan's start-up). A file that is not valid TOML fails the build; the rules' own
//! checks run when the library loads them (and in its tests).

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("data/rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("/// Built-in rule files: (file name, contents as JSON).\n");
    out.push_str("pub const BUILTIN_RULE_JSON: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("bad file name")?;
        let text = std::fs::read_to_string(f)?;
        let value: toml::Value =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        writeln!(out, "    ({name:?}, {:?}),", serde_json::to_string(&value)?)?;
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR")?).join("builtin_rules.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
