//! Building blocks shared by every zerokey report (scan, audit, keys, attest): Markdown table
//! cells and code spans, and timestamps.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Text safe inside a Markdown table cell: `|` escaped, newlines as spaces.
pub fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// An inline Markdown code span for `s`, even when `s` holds backticks.
pub fn md_code(s: &str) -> String {
    let s = s.replace('\n', " ");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// RFC 3339 in UTC to the second, or `-`.
pub fn timestamp(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| {
        t.to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .ok()?
            .format(&Rfc3339)
            .ok()
    })
    .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_whole_seconds_in_utc() {
        let t = time::macros::datetime!(2026-12-03 08:30:15.123456 +01:00);
        assert_eq!(timestamp(Some(t)), "2026-12-03T07:30:15Z");
        assert_eq!(timestamp(None), "-");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(
            md_code("zerokey keys rotate a --yes"),
            "`zerokey keys rotate a --yes`"
        );
        assert_eq!(md_code("run `x` now"), "`` run `x` now ``");
    }

    #[test]
    fn cells_escape_pipes_and_newlines() {
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
    }
}
