//! The audit trail of key changes: one JSON line per action (time, operator, what was done),
//! to stderr and, if asked, appended to a file. Lines name keys and users, never secrets.

use crate::render::ts;
use crate::KeysError;
use std::io::Write;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Where audit lines go: always stderr, and the file if one is set.
#[derive(Debug, Clone, Default)]
pub struct AuditLog {
    path: Option<PathBuf>,
}

impl AuditLog {
    /// Audit lines to stderr, and appended to `path` if given.
    pub fn new(path: Option<&Path>) -> Self {
        AuditLog {
            path: path.map(Path::to_path_buf),
        }
    }

    /// Writes one audit line: `event`'s fields after `ts` and `operator`.
    pub fn record(&self, event: serde_json::Value) -> Result<(), KeysError> {
        let mut line = serde_json::json!({
            "ts": ts(Some(OffsetDateTime::now_utc())),
            "operator": std::env::var("USER").unwrap_or_default(),
        });
        if let (Some(obj), serde_json::Value::Object(ev)) = (line.as_object_mut(), event) {
            obj.extend(ev);
        }
        let text = line.to_string();
        let _ = writeln!(std::io::stderr(), "zerokey: audit: {text}");
        if let Some(path) = &self.path {
            let mut f = fs_err::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            writeln!(f, "{text}").map_err(|source| KeysError::Write {
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_appended_with_time_and_operator() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let log = AuditLog::new(Some(&path));
        log.record(serde_json::json!({"action": "a"})).unwrap();
        log.record(serde_json::json!({"action": "b"})).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["action"], "a");
        assert_eq!(lines[1]["action"], "b");
        assert!(lines[0]["ts"].as_str().unwrap().ends_with('Z'));
        assert!(lines[0].get("operator").is_some());
    }
}
