//! Strict input validation. Every check names the input in its message, and runs before
//! anything is stored or sent to AWS.

/// Role ARNs: the one validator of `zerokey_aws::validate`, with the JSON field named.
pub fn role_arn(arn: &str) -> Result<(), String> {
    zerokey_aws::validate::role_arn(arn).map_err(|m| format!("roleArn: {m}"))
}

/// External IDs: the one validator of `zerokey_aws::validate`, with the JSON field named.
pub fn external_id(id: &str) -> Result<(), String> {
    zerokey_aws::validate::external_id(id).map_err(|m| format!("externalId: {m}"))
}

/// S3 bucket names (general purpose buckets): 3–63 of `[a-z0-9.-]`, starting and ending with
/// a letter or digit, no `..`, not an IP address, none of the reserved prefixes/suffixes.
pub fn bucket(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("bucket: {why}"));
    if !(3..=63).contains(&name.len()) {
        return bad("must be 3-63 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return bad("only lowercase letters, digits, dots and hyphens are allowed");
    }
    let first = name.as_bytes()[0];
    let last = name.as_bytes()[name.len() - 1];
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return bad("must start and end with a letter or digit");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return bad("dots may not be adjacent to dots or hyphens");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return bad("must not be an IP address");
    }
    if name.starts_with("xn--") || name.starts_with("sthree-") || name.ends_with("-s3alias") {
        return bad("reserved prefix or suffix");
    }
    Ok(())
}

/// Object keys: 1–1024 bytes of UTF-8 without control characters.
pub fn key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 1024 {
        return Err(format!("key: must be 1-1024 bytes, got {}", key.len()));
    }
    if key.chars().any(char::is_control) {
        return Err("key: control characters are not allowed".into());
    }
    Ok(())
}

/// Prefixes: like keys but may be empty.
pub fn prefix(prefix: &str) -> Result<(), String> {
    if prefix.len() > 1024 {
        return Err("prefix: at most 1024 bytes".into());
    }
    if prefix.chars().any(char::is_control) {
        return Err("prefix: control characters are not allowed".into());
    }
    Ok(())
}

/// Connection names: 1–100 printable characters.
pub fn connection_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if !(1..=100).contains(&n) || name.chars().any(char::is_control) || name.trim() != name {
        return Err("name: must be 1-100 printable characters without surrounding spaces".into());
    }
    Ok(())
}

/// User names: 1–64 of `[A-Za-z0-9._-]`.
pub fn user_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(format!(
            "user name {name:?}: must be 1-64 characters of letters, digits and ._-"
        ));
    }
    Ok(())
}

/// Ids we issue are UUIDs; anything else cannot name a row.
pub fn is_uuid(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(role_arn("arn:aws:iam::123456789012:role/S3Reader").is_ok());
        assert!(role_arn("arn:aws-cn:iam::123456789012:role/team/app/S3Reader").is_ok());
        for bad in [
            "not-an-arn",
            "arn:aws:iam::12345678901:role/R",
            "arn:aws:iam::1234567890123:role/R",
            "arn:aws:iam::12345678901a:role/R",
            "arn:aws:iam:us-east-1:123456789012:role/R",
            "arn:aws:s3::123456789012:role/R",
            "arn:foo:iam::123456789012:role/R",
            "arn:aws:iam::123456789012:user/R",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/has space",
            "arn:aws:iam::123456789012:role//R",
        ] {
            assert!(role_arn(bad).is_err(), "{bad}");
        }
        let long = format!("arn:aws:iam::123456789012:role/{}", "a".repeat(65));
        assert!(role_arn(&long).is_err());
    }

    #[test]
    fn external_ids() {
        assert!(external_id("zk-abc123").is_ok());
        assert!(external_id("a").is_err());
        assert!(external_id("has space").is_err());
        assert!(external_id(&"a".repeat(1225)).is_err());
        assert!(external_id(&"a".repeat(1224)).is_ok());
    }

    #[test]
    fn buckets_and_keys() {
        assert!(bucket("my-bucket.data").is_ok());
        for bad in [
            "ab",
            "My-Bucket",
            "-abc",
            "abc-",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "a_b",
        ] {
            assert!(bucket(bad).is_err(), "{bad}");
        }
        assert!(key("dir/file.txt").is_ok());
        assert!(key("").is_err());
        assert!(key("a\u{0}b").is_err());
        assert!(key(&"k".repeat(1025)).is_err());
    }
}
