//! Strict access key id validation: `AKIA` (long-term) or `ASIA` (temporary) and 16 more
//! characters of A-Z and 0-9, 20 in all. Other IAM id prefixes get a message saying what they are.

use std::fmt;

/// Why a string is not an access key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadKeyId {
    input: String,
    reason: String,
}

impl fmt::Display for BadKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid access key id {:?}: {}", self.input, self.reason)
    }
}

impl std::error::Error for BadKeyId {}

/// What an IAM unique-id prefix names, for ids that are not access keys.
fn other_prefix(prefix: &str) -> Option<&'static str> {
    Some(match prefix {
        "AIDA" => "an IAM user id",
        "AROA" => "an IAM role id",
        "AGPA" => "an IAM group id",
        "ANPA" => "a managed policy id",
        "ANVA" => "a policy version id",
        "AIPA" => "an EC2 instance profile id",
        "ASCA" => "a certificate id",
        "APKA" => "a public key id",
        _ => return None,
    })
}

/// Checks `input` (surrounding whitespace is trimmed) and returns the id.
pub fn parse(input: &str) -> Result<String, BadKeyId> {
    let id = input.trim();
    // Never echo something long back: it may be a secret pasted in the wrong place.
    let shown = if id.len() > 24 || !id.is_ascii() {
        format!("{}…", id.chars().take(4).collect::<String>())
    } else {
        id.to_string()
    };
    let bad = |reason: String| BadKeyId {
        input: shown.clone(),
        reason,
    };
    if id.is_empty() {
        return Err(bad("it is empty".into()));
    }
    let prefix = id.get(..4).unwrap_or(id);
    if prefix != "AKIA" && prefix != "ASIA" {
        if let Some(what) = other_prefix(prefix) {
            return Err(bad(format!(
                "{prefix}… is {what}, not an access key id (AKIA… or ASIA…)"
            )));
        }
        if id.len() == 40 {
            return Err(bad(
                "this looks like a secret access key; pass the access key id (AKIA…), \
                 and rotate the secret if it was shared"
                    .into(),
            ));
        }
        return Err(bad(
            "expected AKIA… (IAM user key) or ASIA… (temporary key)".into(),
        ));
    }
    if id.len() != 20 {
        return Err(bad(format!(
            "access key ids are 20 characters, this has {}",
            id.chars().count()
        )));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
    {
        return Err(bad(format!("{c:?} is not allowed (only A-Z and 0-9)")));
    }
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_access_key_ids() {
        assert_eq!(
            parse("AKIAZ3MHQ7VXL2WRT5NB").unwrap(),
            "AKIAZ3MHQ7VXL2WRT5NB"
        );
        assert_eq!(
            parse(" ASIAZ3MHQ7VXL2WRT5NB\n").unwrap(),
            "ASIAZ3MHQ7VXL2WRT5NB"
        );
    }

    #[test]
    fn rejects_with_a_reason() {
        let e = parse("AKIAZ3MHQ7").unwrap_err().to_string();
        assert!(e.contains("20 characters, this has 10"), "{e}");
        let e = parse("akiaz3mhq7vxl2wrt5nb").unwrap_err().to_string();
        assert!(e.contains("expected AKIA"), "{e}");
        let e = parse("AKIAZ3MHQ7VXL2WRT5n_").unwrap_err().to_string();
        assert!(e.contains("'n' is not allowed"), "{e}");
        let e = parse("AIDAZ3MHQ7VXL2WRT5NB").unwrap_err().to_string();
        assert!(e.contains("IAM user id"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("AKIAZ3MHQ7VXL2WRT5NBX").is_err());
    }

    #[test]
    fn never_echoes_a_pasted_secret() {
        let secret = "Xq9vT2mLp8rW4nK7sB3dF6gH1jZ0cV5yU8eR2tA4";
        let e = parse(secret).unwrap_err().to_string();
        assert!(!e.contains("Xq9vT2m"), "{e}");
        assert!(e.contains("secret access key"), "{e}");
    }
}
