//! Durations on the command line: `90d`, `12h`, `30m`, `45s`, `2w` (one unit, a whole number).

use time::Duration;

/// Parses a duration such as `90d`; the unit is required so `90` is never misread.
pub fn parse(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("invalid duration {s:?}: add a unit (e.g. 90d, 12h, 30m)"))?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (expected e.g. 90d, 12h, 30m)"))?;
    let secs_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "invalid duration {s:?}: unknown unit {unit:?} (use s, m, h, d or w)"
            ))
        }
    };
    n.checked_mul(secs_per)
        .filter(|&secs| secs <= 100 * 365 * 86_400)
        .map(Duration::seconds)
        .ok_or_else(|| format!("invalid duration {s:?}: too long"))
}

/// `90d`, `12h`, `30m` or `45s`: the largest unit that divides evenly.
pub fn display(d: Duration) -> String {
    let s = d.whole_seconds();
    if s != 0 && s % 86_400 == 0 {
        format!("{}d", s / 86_400)
    } else if s != 0 && s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s != 0 && s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse("90d"), Ok(Duration::days(90)));
        assert_eq!(parse("12h"), Ok(Duration::hours(12)));
        assert_eq!(parse("2w"), Ok(Duration::days(14)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
        assert!(parse("90").unwrap_err().contains("add a unit"));
        assert!(parse("9x").unwrap_err().contains("unknown unit"));
        assert!(parse("d").is_err());
        assert!(parse("99999999999999d").is_err());
        assert_eq!(display(Duration::days(90)), "90d");
        assert_eq!(display(Duration::minutes(90)), "90m");
        assert_eq!(display(Duration::ZERO), "0s");
    }
}
