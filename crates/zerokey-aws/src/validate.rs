//! The one validator of what zerokey sends to STS, used by the CLI and the broker. Each check
//! returns our words for what is wrong (the caller adds the flag or field name) and runs
//! before anything is stored or sent.

/// Shortest session STS grants (15 minutes).
pub const MIN_SESSION_SECONDS: u32 = 900;
/// Longest session STS grants for a role (12 hours; the role's own maximum may be lower).
pub const MAX_SESSION_SECONDS: u32 = 43_200;
/// Session length used when none is asked for (1 hour).
pub const DEFAULT_SESSION_SECONDS: u32 = 3_600;
/// Most session tags one AssumeRole call may pass.
pub const MAX_SESSION_TAGS: usize = 50;
/// Most managed session policies one AssumeRole call may pass.
pub const MAX_POLICY_ARNS: usize = 10;
/// Longest inline session policy STS accepts (its plaintext, characters).
pub const MAX_POLICY_CHARS: usize = 2_048;

/// Partitions a role ARN may name.
pub const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`: known partition, 12-digit account, path of
/// printable ASCII (at most 512), name of `[\w+=,.@-]` (1–64), as IAM defines them.
pub fn role_arn(arn: &str) -> Result<(), String> {
    iam_arn(arn, "role", false)
}

/// `arn:PARTITION:iam::(ACCOUNT|aws):policy/[PATH/]NAME` (a managed policy; `aws` for
/// AWS-managed ones). Policy names may be 128 characters.
pub fn policy_arn(arn: &str) -> Result<(), String> {
    iam_arn(arn, "policy", true)
}

fn iam_arn(arn: &str, kind: &str, aws_owned: bool) -> Result<(), String> {
    let expected = format!("expected arn:aws:iam::<12-digit account>:{kind}/<name>");
    if arn.len() > 2048 {
        return Err("longer than 2048 characters".into());
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return Err(expected);
    }
    if !PARTITIONS.contains(&parts[1]) {
        return Err("unknown partition (expected aws, aws-cn, aws-us-gov, ...)".into());
    }
    if parts[2] != "iam" {
        return Err("service must be iam".into());
    }
    if !parts[3].is_empty() {
        return Err("IAM ARNs have no region".into());
    }
    if !(account_id(parts[4]) || (aws_owned && parts[4] == "aws")) {
        return Err("account id must be 12 digits".into());
    }
    let Some(resource) = parts[5]
        .strip_prefix(kind)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return Err(format!("resource must be {kind}/<name>"));
    };
    let (path, name) = match resource.rfind('/') {
        Some(i) => (&resource[..=i], &resource[i + 1..]),
        None => ("", resource),
    };
    let max = if kind == "role" { 64 } else { 128 };
    if name.is_empty() || name.len() > max || !name.chars().all(name_char) {
        return Err(format!(
            "{kind} name must be 1-{max} characters of letters, digits and _+=,.@-"
        ));
    }
    if path.len() > 511
        || path.starts_with('/')
        || path.contains("//")
        || !path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c))
    {
        return Err(format!(
            "{kind} path must be printable ASCII without empty segments, at most 512"
        ));
    }
    Ok(())
}

/// External ID: 2–1224 characters of `[\w+=,.@:/-]` (STS's rule).
pub fn external_id(id: &str) -> Result<(), String> {
    let n = id.chars().count();
    if !(2..=1224).contains(&n) {
        return Err(format!("must be 2-1224 characters, got {n}"));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c))
    {
        return Err("only letters, digits and _+=,.@:/- are allowed".into());
    }
    Ok(())
}

/// Role session name: 2–64 characters of `[\w+=,.@-]`.
pub fn session_name(name: &str) -> Result<(), String> {
    if !(2..=64).contains(&name.len()) || !name.chars().all(name_char) {
        return Err(format!(
            "{name:?} must be 2-64 characters of letters, digits and _+=,.@-"
        ));
    }
    Ok(())
}

/// SourceIdentity: 2–64 characters of `[\w+=,.@-]`, not starting with `aws:`.
pub fn source_identity(id: &str) -> Result<(), String> {
    if id.to_ascii_lowercase().starts_with("aws:") {
        return Err("must not start with aws: (reserved by AWS)".into());
    }
    session_name(id)
}

/// Session length against STS's limits.
pub fn duration(secs: u32) -> Result<(), String> {
    if !(MIN_SESSION_SECONDS..=MAX_SESSION_SECONDS).contains(&secs) {
        return Err(format!(
            "{secs} seconds is outside what STS allows ({MIN_SESSION_SECONDS} to {MAX_SESSION_SECONDS})"
        ));
    }
    Ok(())
}

/// Makes `raw` a valid `RoleSessionName`/`SourceIdentity`: characters outside `[\w+=,.@-]`
/// become `-`, the length is cut to 64 and padded to 2.
pub fn sanitize_session_name(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| if name_char(c) { c } else { '-' })
        .take(64)
        .collect();
    while s.len() < 2 {
        s.push('-');
    }
    s
}

fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// A session tag `KEY=VALUE`: key 1–128 and value 0–256 characters of letters, digits,
/// spaces and `_.:/=+-@`; the key must not start with `aws:`.
pub fn session_tag(raw: &str) -> Result<(String, String), String> {
    let Some((k, v)) = raw.split_once('=') else {
        return Err(format!("{raw:?} is not KEY=VALUE"));
    };
    if k.is_empty() || k.chars().count() > 128 || !k.chars().all(tag_char) {
        return Err(format!(
            "tag key {k:?} must be 1-128 characters of letters, digits, spaces and _.:/=+-@"
        ));
    }
    if k.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("tag key {k:?} must not start with aws:"));
    }
    if v.chars().count() > 256 || !v.chars().all(tag_char) {
        return Err(format!(
            "tag value for {k:?} must be at most 256 characters of letters, digits, spaces and _.:/=+-@"
        ));
    }
    Ok((k.to_string(), v.to_string()))
}

/// Session tags: each valid, at most [`MAX_SESSION_TAGS`], keys unique ignoring case (as
/// STS compares them).
pub fn session_tags(raw: &[String]) -> Result<Vec<(String, String)>, String> {
    if raw.len() > MAX_SESSION_TAGS {
        return Err(format!(
            "at most {MAX_SESSION_TAGS} session tags (got {})",
            raw.len()
        ));
    }
    let mut tags: Vec<(String, String)> = Vec::with_capacity(raw.len());
    for r in raw {
        let (k, v) = session_tag(r)?;
        if tags.iter().any(|(seen, _)| seen.eq_ignore_ascii_case(&k)) {
            return Err(format!("tag key {k:?} is given twice"));
        }
        tags.push((k, v));
    }
    Ok(tags)
}

/// An inline session policy: a JSON object with a `Statement`, at most
/// [`MAX_POLICY_CHARS`] characters once whitespace outside strings is removed. Returns the
/// compact form, which is what is sent.
pub fn session_policy(text: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "not valid JSON (line {}, column {}): {}",
            e.line(),
            e.column(),
            e.classify_name()
        )
    })?;
    if !value
        .get("Statement")
        .is_some_and(|s| s.is_array() || s.is_object())
    {
        return Err("a policy document needs a Statement".into());
    }
    let compact = minify(text);
    let n = compact.chars().count();
    if n > MAX_POLICY_CHARS {
        return Err(format!(
            "{n} characters without whitespace; STS accepts at most {MAX_POLICY_CHARS}"
        ));
    }
    Ok(compact)
}

/// `text` (valid JSON) without the whitespace outside strings, in the order written.
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Managed session policy ARNs: each valid, at most [`MAX_POLICY_ARNS`].
pub fn policy_arns(arns: &[String]) -> Result<(), String> {
    if arns.len() > MAX_POLICY_ARNS {
        return Err(format!(
            "at most {MAX_POLICY_ARNS} managed session policies (got {})",
            arns.len()
        ));
    }
    for a in arns {
        policy_arn(a).map_err(|m| format!("{a:?}: {m}"))?;
    }
    Ok(())
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected value",
            serde_json::error::Category::Eof => "unexpected end",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(role_arn("arn:aws:iam::123456789012:role/deploy").is_ok());
        assert!(role_arn("arn:aws:iam::123456789012:role/ci/publish-pypi").is_ok());
        assert!(role_arn("arn:aws-eusc:iam::123456789012:role/x1").is_ok());
        assert!(role_arn("arn:aws:iam::12345:role/x").is_err());
        assert!(role_arn("arn:aws:iam::123456789012:user/x").is_err());
        assert!(role_arn("arn:aws:s3:::bucket").is_err());
        assert!(role_arn("not-an-arn").is_err());
        assert!(role_arn("arn:aws:iam::123456789012:role/a b").is_err());
        assert!(role_arn("arn:aws:iam::123456789012:role/").is_err());
        assert!(role_arn("arn:aws:iam::123456789012:role//x").is_err());
        assert!(role_arn("arn:aws:iam::aws:role/x").is_err());
    }

    /// Issue 17: the CLI accepted role names of up to 512 characters, the broker 64.
    #[test]
    fn regression_role_name_limit_is_64_everywhere() {
        let ok = format!("arn:aws:iam::123456789012:role/{}", "r".repeat(64));
        let long = format!("arn:aws:iam::123456789012:role/{}", "r".repeat(65));
        let pathed = format!("arn:aws:iam::123456789012:role/{}/r", "p".repeat(300));
        assert!(role_arn(&ok).is_ok());
        assert!(role_arn(&long).unwrap_err().contains("1-64"));
        assert!(role_arn(&pathed).is_ok());
    }

    #[test]
    fn policy_arns_allow_aws_managed() {
        assert!(policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess").is_ok());
        assert!(policy_arn("arn:aws:iam::123456789012:policy/team/s3-read").is_ok());
        assert!(policy_arn("arn:aws:iam::123456789012:role/x").is_err());
        let many: Vec<String> = (0..11)
            .map(|i| format!("arn:aws:iam::aws:policy/P{i}"))
            .collect();
        assert!(policy_arns(&many).is_err());
        assert!(policy_arns(&many[..10]).is_ok());
    }

    #[test]
    fn external_ids_names_and_durations() {
        assert!(external_id("zk-6f1c2a").is_ok());
        assert!(external_id("x").is_err());
        assert!(external_id("has space").is_err());
        assert!(duration(900).is_ok());
        assert!(duration(899).is_err());
        assert!(duration(43_201).is_err());
        assert!(session_name("zerokey-exec").is_ok());
        assert!(session_name("has space").is_err());
        assert!(source_identity("alice@laptop").is_ok());
        assert!(source_identity("aws:me").is_err());
        assert_eq!(sanitize_session_name("zk alice/1"), "zk-alice-1");
        assert_eq!(sanitize_session_name("a"), "a-");
        assert_eq!(sanitize_session_name(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn tags() {
        assert_eq!(
            session_tags(&["team=data eng".into(), "ticket=OPS-1".into()]).unwrap(),
            vec![
                ("team".to_string(), "data eng".to_string()),
                ("ticket".to_string(), "OPS-1".to_string())
            ]
        );
        assert!(session_tags(&["team".into()]).is_err());
        assert!(session_tags(&["aws:x=1".into()]).is_err());
        assert!(session_tags(&["a=1".into(), "A=2".into()]).is_err());
        assert!(session_tags(&["k=semi;colon".into()]).is_err());
        assert_eq!(session_tag("empty=").unwrap().1, "");
    }

    #[test]
    fn policies() {
        let p = session_policy(
            r#"{ "Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}] }"#,
        )
        .unwrap();
        assert!(
            p.starts_with(r#"{"Version":"2012-10-17","Statement":[{"Effect""#),
            "{p}"
        );
        assert_eq!(
            session_policy(r#"{"Statement": [], "Sid": "a \" b  c"}"#).unwrap(),
            r#"{"Statement":[],"Sid":"a \" b  c"}"#
        );
        assert!(session_policy("{").unwrap_err().contains("line 1"));
        assert!(session_policy(r#"{"Version":"2012-10-17"}"#).is_err());
        let big = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"{}"}}]}}"#,
            "a".repeat(3000)
        );
        assert!(session_policy(&big).unwrap_err().contains("2048"));
    }
}
