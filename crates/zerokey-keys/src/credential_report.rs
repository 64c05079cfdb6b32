//! The IAM credential report (CSV, as `aws iam get-credential-report` returns it, decoded):
//! one row per user with two access-key slots. Parsed strictly: missing columns and bad values
//! are errors that name the file, the line and the column.

use crate::hygiene::{KeyRecord, UserKeys};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Why a credential report could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError {
    /// The file (or `IAM credential report`).
    pub source: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}: line {line}: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for ReportError {}

/// Columns a row must have.
pub const REQUIRED: [&str; 8] = [
    "user",
    "arn",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
];

/// Values IAM writes where there is no value.
fn is_absent(v: &str) -> bool {
    matches!(
        v.trim(),
        "" | "N/A" | "no_information" | "not_supported" | "n/a"
    )
}

/// Shows at most 40 characters of a cell in an error message.
fn shown(v: &str) -> String {
    let mut s: String = v.chars().filter(|c| !c.is_control()).take(40).collect();
    if v.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// Parses a credential report.
pub fn parse(source: &str, bytes: &[u8]) -> Result<Vec<UserKeys>, ReportError> {
    let err = |line: Option<u64>, message: String| ReportError {
        source: source.to_string(),
        line,
        message,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(err(
            None,
            "the file is empty; expected an IAM credential report (CSV)".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| {
            err(
                Some(1),
                format!("cannot read the header: {}", csv_reason(&e)),
            )
        })?
        .clone();
    let index: Vec<(String, usize)> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect();
    let col = |name: &str| index.iter().find(|(h, _)| h == name).map(|&(_, i)| i);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(err(
            Some(1),
            format!(
                "missing column{} {}; is this an IAM credential report?",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ),
        ));
    }
    let mut users = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line());
            err(line, csv_reason(&e))
        })?;
        let line = record.position().map(|p| p.line());
        let cell = |name: &str| col(name).and_then(|i| record.get(i)).unwrap_or("").trim();
        let user = cell("user");
        if user.is_empty() {
            return Err(err(line, "column user is empty".into()));
        }
        let mut keys = Vec::new();
        for slot in [1u8, 2] {
            let c = |field: &str| format!("access_key_{slot}_{field}");
            let active = match cell(&c("active")) {
                "true" | "TRUE" | "True" => true,
                "false" | "FALSE" | "False" => false,
                other => {
                    return Err(err(
                        line,
                        format!(
                            "column {}: expected true or false, got {:?}",
                            c("active"),
                            shown(other)
                        ),
                    ))
                }
            };
            let date = |name: String| -> Result<Option<OffsetDateTime>, ReportError> {
                let v = cell(&name);
                if is_absent(v) {
                    return Ok(None);
                }
                OffsetDateTime::parse(v, &Rfc3339).map(Some).map_err(|_| {
                    err(
                        line,
                        format!(
                            "column {name}: expected a date like 2026-01-31T12:00:00+00:00, got {:?}",
                            shown(v)
                        ),
                    )
                })
            };
            let rotated = date(c("last_rotated"))?;
            let last_used = date(c("last_used_date"))?;
            // A slot with no key: inactive and never rotated.
            if !active && rotated.is_none() {
                continue;
            }
            let opt = |name: String| {
                let v = cell(&name);
                (!is_absent(v)).then(|| shown(v))
            };
            keys.push(KeyRecord {
                access_key_id: None,
                slot: Some(slot),
                active,
                status: if active { "Active" } else { "Inactive" }.into(),
                created: rotated,
                last_used,
                last_used_service: opt(c("last_used_service")),
                last_used_region: opt(c("last_used_region")),
            });
        }
        let arn = cell("arn");
        users.push(UserKeys {
            user: user.to_string(),
            arn: (!is_absent(arn)).then(|| arn.to_string()),
            keys,
        });
    }
    Ok(users)
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".into(),
        csv::ErrorKind::Io(_) => "cannot be read".into(),
        _ => "malformed CSV".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    #[test]
    fn parses_a_real_shaped_report() {
        let csv = format!(
            "{HEADER}\n\
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-06-01T10:00:00+00:00,2026-12-01T09:00:00+00:00,eu-west-1,s3,false,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let users = parse("r.csv", csv.as_bytes()).unwrap();
        assert_eq!(users.len(), 2);
        assert!(users[0].keys.is_empty());
        let a = &users[1];
        assert_eq!(a.user, "alice");
        assert_eq!(a.keys.len(), 2);
        assert!(a.keys[0].active);
        assert_eq!(a.keys[0].created, Some(datetime!(2025-06-01 10:00 UTC)));
        assert_eq!(a.keys[0].last_used_service.as_deref(), Some("s3"));
        assert_eq!(a.keys[0].last_used_region.as_deref(), Some("eu-west-1"));
        assert!(!a.keys[1].active);
        assert_eq!(a.keys[1].slot, Some(2));
        assert_eq!(a.keys[1].last_used, None);
    }

    #[test]
    fn missing_columns_are_named() {
        let e = parse("r.csv", b"user,arn,access_key_1_active\nbob,x,true\n").unwrap_err();
        let s = e.to_string();
        assert!(
            s.starts_with("r.csv: line 1: missing columns access_key_1_last_rotated"),
            "{s}"
        );
        assert!(s.contains("access_key_2_last_used_date"), "{s}");
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let csv = format!("{HEADER}\nbob,arn:x,N/A,false,N/A,N/A,N/A,false,yes,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        let s = parse("r.csv", csv.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            s,
            "r.csv: line 2: column access_key_1_active: expected true or false, got \"yes\""
        );
        let csv = format!("{HEADER}\nbob,arn:x,N/A,false,N/A,N/A,N/A,false,true,last tuesday,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        let s = parse("r.csv", csv.as_bytes()).unwrap_err().to_string();
        assert!(
            s.contains("line 2: column access_key_1_last_rotated: expected a date"),
            "{s}"
        );
        let s = parse("r.csv", format!("{HEADER}\nbob,arn\n").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(s.contains("line 2") && s.contains("found 2"), "{s}");
        assert!(parse("r.csv", b"  \n")
            .unwrap_err()
            .to_string()
            .contains("empty"));
    }
}
