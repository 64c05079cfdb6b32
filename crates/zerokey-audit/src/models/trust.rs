//! Who can assume a role: a trust policy's Allow statements read as principals (accounts, roles,
//! services, identity providers, anyone), the conditions that guard them (ExternalId, MFA,
//! audience, subject) and, for GitHub Actions OIDC, the repositories, refs, environments and
//! events each `sub` pattern admits, in words a reader can check.

use crate::models::iam::{Condition, Policy, PolicyKind, Statement};
use serde::Serialize;

/// GitHub's issuer host (GitHub Enterprise Server uses `HOST/_services/token`).
pub const GITHUB_HOST: &str = "token.actions.githubusercontent.com";

/// Condition-key suffixes AWS evaluates for any OIDC provider (IAM User Guide, "Available keys
/// for AWS OIDC federation"): `aud`, `sub`, `amr`, `oaud`, `azp`, `email`, `id`.
pub const OIDC_KEYS: &[&str] = &["aud", "sub", "amr", "oaud", "azp", "email", "id"];

/// Claims of GitHub's OIDC token besides `aud`/`sub` (GitHub "OpenID Connect reference"): a
/// condition on one of these names a real claim, not a typo.
pub const GITHUB_CLAIMS: &[&str] = &[
    "actor",
    "actor_id",
    "base_ref",
    "environment",
    "event_name",
    "head_ref",
    "job_workflow_ref",
    "job_workflow_sha",
    "ref",
    "ref_protected",
    "ref_type",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "run_attempt",
    "run_id",
    "run_number",
    "runner_environment",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "enterprise",
    "enterprise_id",
];

/// Global condition keys (`aws:…`) and STS keys that make sense in a trust policy.
const GLOBAL_PREFIXES: &[&str] = &["aws:", "sts:", "saml:", "cognito-identity.amazonaws.com:"];

/// One principal of a statement.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Principal {
    /// `AWS`, `Service`, `Federated`, `CanonicalUser` or `*`.
    #[serde(rename = "type")]
    pub kind: String,
    /// As written.
    pub value: String,
    /// In words.
    pub description: String,
}

/// What a `sub` value admits.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Subject {
    /// The pattern as written.
    pub pattern: String,
    /// The operator (`StringEquals`, `StringLike`, …).
    pub operator: String,
    /// In words.
    pub admits: String,
    /// True when the pattern names owner and repository without their immutable ids.
    pub name_only: bool,
    /// True for a wildcard under an operator that does not expand it (matched literally).
    pub literal_wildcard: bool,
}

/// An OIDC provider trust.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Oidc {
    /// Issuer host (`token.actions.githubusercontent.com`).
    pub provider: String,
    /// True for GitHub Actions.
    pub github: bool,
    /// Audiences required (`None`: the audience is not checked).
    pub audiences: Option<Vec<String>>,
    /// The `sub` patterns (empty: the subject is not checked).
    pub subjects: Vec<Subject>,
    /// Other claim conditions, `key op values`.
    pub other_claims: Vec<String>,
}

/// Who one statement lets assume the role.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatementTrust {
    /// Index in the policy.
    pub statement: usize,
    /// The actions (`sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`, …).
    pub actions: Vec<String>,
    /// The principals.
    pub principals: Vec<Principal>,
    /// External ids required (`None`: none).
    pub external_id: Option<Vec<String>>,
    /// True if MFA is required.
    pub mfa: bool,
    /// OIDC details, for web-identity statements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<Oidc>,
    /// Other conditions, `op key values`.
    pub other_conditions: Vec<String>,
    /// The whole statement in one sentence.
    pub summary: String,
}

fn values(c: &Condition) -> Vec<String> {
    c.values.iter().map(|v| v.value.clone()).collect()
}

fn base_op(op: &str) -> String {
    let l = op.to_ascii_lowercase();
    let l = l
        .strip_prefix("forallvalues:")
        .or_else(|| l.strip_prefix("foranyvalue:"))
        .map_or(l.clone(), str::to_string);
    l.trim_end_matches("ifexists").to_string()
}

/// True if `op` expands `*` and `?` (the `…Like` operators).
pub fn op_expands_wildcards(op: &str) -> bool {
    base_op(op).ends_with("like")
}

/// True if `op` is a positive equality or match (not negated).
fn positive(op: &str) -> bool {
    let b = base_op(op);
    !b.contains("not") && b != "null"
}

fn account_of(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    (parts.len() >= 5 && parts[0] == "arn").then(|| parts[4])
}

fn describe_principal(kind: &str, v: &str) -> String {
    let v = v.trim();
    if v == "*" {
        return "any AWS principal of any account (`*`)".into();
    }
    match kind.to_ascii_lowercase().as_str() {
        "aws" => {
            if v.chars().all(|c| c.is_ascii_digit()) && v.len() == 12 {
                format!("any principal of account {v} that its administrators allow")
            } else if let Some(acct) = account_of(v) {
                let rest = v.rsplit(':').next().unwrap_or(v);
                if rest == "root" {
                    format!("any principal of account {acct} that its administrators allow")
                } else {
                    format!("`{rest}` in account {acct}")
                }
            } else {
                format!("the AWS principal `{v}`")
            }
        }
        "service" => format!("the AWS service {v}"),
        "federated" => {
            if let Some(i) = v.find("oidc-provider/") {
                format!("tokens of the OIDC provider {}", &v[i + 14..])
            } else if v.contains(":saml-provider/") {
                format!(
                    "users of the SAML provider {}",
                    v.rsplit('/').next().unwrap_or(v)
                )
            } else {
                format!("tokens of the identity provider {v}")
            }
        }
        _ => format!("`{v}` ({kind})"),
    }
}

/// The provider host of a web-identity statement.
pub fn provider_host(s: &Statement) -> Option<String> {
    for (t, v) in &s.principals {
        if !t.eq_ignore_ascii_case("Federated") {
            continue;
        }
        if let Some(i) = v.value.find("oidc-provider/") {
            return Some(v.value[i + 14..].trim_end_matches('}').to_string());
        }
        if !v.value.starts_with("arn:") && !v.value.contains("${") {
            return Some(v.value.clone());
        }
    }
    None
}

/// True for a web-identity statement.
pub fn is_web_identity(s: &Statement) -> bool {
    s.allow
        && s.allows_action("sts:AssumeRoleWithWebIdentity")
        && s.principals
            .iter()
            .any(|(t, _)| t.eq_ignore_ascii_case("Federated"))
}

/// True for the GitHub Actions issuer (github.com or a GitHub Enterprise Server host).
pub fn is_github(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == GITHUB_HOST || h.ends_with("/_services/token") || h.starts_with("token.actions.")
}

fn part(s: &str, star_any: &str, what: &str) -> String {
    if s == "*" {
        star_any.to_string()
    } else if s.contains('*') || s.contains('?') {
        format!("{what} matching `{s}`")
    } else {
        format!("{what} {s}")
    }
}

/// A GitHub `sub` pattern in words (`like`: wildcards expand).
pub fn github_subject(pattern: &str, like: bool) -> (String, bool) {
    let p = pattern.trim();
    let wild = p.contains('*') || p.contains('?');
    if wild && !like {
        return (
            format!("only a subject that is literally `{p}` (the operator does not expand wildcards, so no real workflow matches)"),
            false,
        );
    }
    if p == "*" {
        return ("every workflow of every repository on GitHub".into(), false);
    }
    let Some(rest) = p.strip_prefix("repo:") else {
        return (
            format!("subjects matching `{p}` (a custom subject template)"),
            false,
        );
    };
    let (repo, ctx) = rest.split_once(':').unwrap_or((rest, "*"));
    let (owner, name) = repo.split_once('/').unwrap_or((repo, "*"));
    let name_only = !owner.contains('@') || !name.contains('@');
    let who = if owner.contains('*') && owner.len() <= 1 {
        "any repository of any owner".to_string()
    } else if owner.contains('*') {
        format!("repositories of owners matching `{owner}`")
    } else if name == "*" {
        format!("any repository of {owner}")
    } else {
        format!("{} of {owner}", part(name, "any repository", "repository"))
    };
    let ctx_words = if ctx == "*" || ctx.is_empty() {
        "any branch, tag, pull request or environment".to_string()
    } else if let Some(b) = ctx.strip_prefix("ref:refs/heads/") {
        part(b, "any branch", "branch")
    } else if let Some(t) = ctx.strip_prefix("ref:refs/tags/") {
        part(t, "any tag", "tag")
    } else if let Some(r) = ctx.strip_prefix("ref:") {
        part(r, "any ref", "ref")
    } else if let Some(e) = ctx.strip_prefix("environment:") {
        part(e, "any environment", "jobs in environment")
    } else if ctx == "pull_request" {
        "pull_request workflows (from any branch, including forks if the workflow runs for them)"
            .into()
    } else {
        format!("context matching `{ctx}`")
    };
    (format!("{who}, {ctx_words}"), name_only)
}

/// Who each Allow statement of a trust policy lets assume the role (empty for other kinds).
pub fn analyse(p: &Policy) -> Vec<StatementTrust> {
    if p.kind != PolicyKind::Trust {
        return Vec::new();
    }
    let mut out = Vec::new();
    for s in p.statements.iter().filter(|s| s.allow) {
        let actions: Vec<String> = s
            .actions
            .iter()
            .map(|a| a.value.clone())
            .filter(|a| {
                let l = a.to_ascii_lowercase();
                l.starts_with("sts:") || l == "*"
            })
            .collect();
        if actions.is_empty() {
            continue;
        }
        let principals: Vec<Principal> = s
            .principals
            .iter()
            .map(|(t, v)| Principal {
                kind: t.clone(),
                value: v.value.clone(),
                description: describe_principal(t, &v.value),
            })
            .collect();
        let external_id = {
            let ids: Vec<String> = s
                .condition("sts:ExternalId")
                .into_iter()
                .filter(|c| positive(&c.op))
                .flat_map(values)
                .collect();
            (!ids.is_empty()).then_some(ids)
        };
        let mfa = s
            .condition("aws:MultiFactorAuthPresent")
            .into_iter()
            .any(|c| base_op(&c.op) == "bool" && c.values.iter().any(|v| v.value == "true"));
        let oidc = is_web_identity(s).then(|| oidc(s));
        let mut other_conditions = Vec::new();
        for c in &s.conditions {
            let k = c.key.to_ascii_lowercase();
            if k == "sts:externalid" || k == "aws:multifactorauthpresent" {
                continue;
            }
            if oidc
                .as_ref()
                .is_some_and(|o| k.starts_with(&format!("{}:", o.provider.to_ascii_lowercase())))
            {
                continue;
            }
            other_conditions.push(format!("{} {} {}", c.op, c.key, values(c).join(" | ")));
        }
        let summary = summary(
            &principals,
            &external_id,
            mfa,
            oidc.as_ref(),
            &other_conditions,
        );
        out.push(StatementTrust {
            statement: s.index,
            actions,
            principals,
            external_id,
            mfa,
            oidc,
            other_conditions,
            summary,
        });
    }
    out
}

fn oidc(s: &Statement) -> Oidc {
    let provider = provider_host(s)
        .or_else(|| {
            s.conditions
                .iter()
                .find_map(|c| c.key.rsplit_once(':').map(|(h, _)| h.to_string()))
        })
        .unwrap_or_else(|| "<provider>".into());
    let github = is_github(&provider);
    let prefix = format!("{}:", provider.to_ascii_lowercase());
    let mut audiences: Option<Vec<String>> = None;
    let mut subjects = Vec::new();
    let mut other_claims = Vec::new();
    for c in &s.conditions {
        let k = c.key.to_ascii_lowercase();
        let Some(claim) = k.strip_prefix(&prefix) else {
            continue;
        };
        match claim {
            "aud" if positive(&c.op) => {
                audiences.get_or_insert_with(Vec::new).extend(values(c));
            }
            "sub" => {
                let like = op_expands_wildcards(&c.op);
                for v in &c.values {
                    let (admits, name_only) = if !positive(&c.op) {
                        (format!("every subject except `{}`", v.value), false)
                    } else if github {
                        github_subject(&v.value, like)
                    } else if like {
                        (format!("subjects matching `{}`", v.value), false)
                    } else {
                        (format!("the subject `{}`", v.value), false)
                    };
                    let wild = v.value.contains('*') || v.value.contains('?');
                    subjects.push(Subject {
                        pattern: v.value.clone(),
                        operator: c.op.clone(),
                        admits,
                        name_only: name_only && github,
                        literal_wildcard: wild && !like,
                    });
                }
            }
            _ => other_claims.push(format!("{} {} {}", c.op, c.key, values(c).join(" | "))),
        }
    }
    Oidc {
        provider,
        github,
        audiences,
        subjects,
        other_claims,
    }
}

fn summary(
    principals: &[Principal],
    external_id: &Option<Vec<String>>,
    mfa: bool,
    oidc: Option<&Oidc>,
    other: &[String],
) -> String {
    let mut parts = Vec::new();
    if let Some(o) = oidc {
        let who = if o.github {
            "GitHub Actions workflows".to_string()
        } else {
            format!("tokens of {}", o.provider)
        };
        let subs = if o.subjects.is_empty() {
            "with any subject (sub is not checked)".to_string()
        } else {
            format!(
                "admitting {}",
                o.subjects
                    .iter()
                    .map(|s| s.admits.clone())
                    .collect::<Vec<_>>()
                    .join("; or ")
            )
        };
        let aud = match &o.audiences {
            Some(a) => format!("audience {}", a.join(" | ")),
            None => "any audience (aud is not checked)".into(),
        };
        parts.push(format!("{who} {subs}; {aud}"));
        if !o.other_claims.is_empty() {
            parts.push(format!("also requires {}", o.other_claims.join(", ")));
        }
    } else {
        parts.push(
            principals
                .iter()
                .map(|p| p.description.clone())
                .collect::<Vec<_>>()
                .join("; "),
        );
    }
    match external_id {
        Some(ids) => parts.push(format!("ExternalId {} required", ids.join(" | "))),
        None if oidc.is_none()
            && principals
                .iter()
                .any(|p| p.kind.eq_ignore_ascii_case("AWS") || p.kind == "*") =>
        {
            parts.push("no ExternalId".into())
        }
        None => {}
    }
    if mfa {
        parts.push("MFA required".into());
    }
    if !other.is_empty() {
        parts.push(format!("if {}", other.join(", ")));
    }
    parts.join("; ")
}

/// The mistakes in one condition of a trust statement: a key that does not exist for the
/// statement's provider, a wildcard under an operator that matches it literally, a set operator
/// on a single-valued key. Each is `(condition, what is wrong, fix)`.
pub fn condition_mistakes(s: &Statement) -> Vec<(&Condition, String, String)> {
    let mut out = Vec::new();
    let host = if is_web_identity(s) {
        provider_host(s)
    } else {
        None
    };
    for c in &s.conditions {
        let key = c.key.trim();
        let lower = key.to_ascii_lowercase();
        // Typos in the key.
        if let Some(host) = &host {
            let global = GLOBAL_PREFIXES.iter().any(|p| lower.starts_with(p));
            if !global {
                let (khost, claim) = lower.rsplit_once(':').unwrap_or(("", lower.as_str()));
                let h = host.to_ascii_lowercase();
                if khost != h {
                    out.push((
                        c,
                        format!("the key `{key}` names the issuer `{khost}`, not this statement's provider `{host}`: AWS has no such key in this request, so the condition never matches (or, with …IfExists or ForAllValues:, is skipped)"),
                        format!("Use `{host}:{claim}`."),
                    ));
                } else if !(OIDC_KEYS.contains(&claim)
                    || (is_github(host) && GITHUB_CLAIMS.contains(&claim)))
                {
                    let guess = OIDC_KEYS
                        .iter()
                        .chain(GITHUB_CLAIMS.iter())
                        .min_by_key(|k| distance(k, claim))
                        .copied()
                        .unwrap_or("sub");
                    out.push((
                        c,
                        format!("the key `{key}` is not a claim of {host}: the condition never matches (or, with …IfExists or ForAllValues:, is skipped)"),
                        format!("Did you mean `{host}:{guess}`?"),
                    ));
                }
            }
        }
        // Wildcards the operator does not expand.
        let b = base_op(&c.op);
        if (b.starts_with("stringequals") || b.starts_with("stringnotequals"))
            && c.values
                .iter()
                .any(|v| v.value.contains('*') || v.value.contains('?'))
        {
            out.push((
                c,
                format!("`{}` under {} is matched literally: `*` and `?` are wildcards only under StringLike", key, c.op),
                format!("Use `StringLike` for the pattern, or an exact value under `{}`.", c.op),
            ));
        }
        // Set operators on single-valued keys.
        let op = c.op.to_ascii_lowercase();
        let single = (lower.starts_with(GITHUB_HOST) && !lower.ends_with(":amr"))
            || lower.ends_with(":sub")
            || lower.ends_with(":aud")
            || lower == "sts:externalid"
            || lower == "aws:multifactorauthpresent"
            || lower == "aws:principalarn"
            || lower == "aws:sourceaccount"
            || lower == "aws:principalaccount"
            || lower == "aws:principalorgid"
            || lower == "aws:sourcearn";
        if single && op.starts_with("forallvalues:") {
            out.push((
                c,
                format!("ForAllValues: on the single-valued key `{key}` is also true when the key is absent from the request, so the condition can be skipped"),
                format!("Drop the `ForAllValues:` prefix: `{}`.", &c.op["ForAllValues:".len()..]),
            ));
        } else if single && op.starts_with("foranyvalue:") {
            out.push((
                c,
                format!("ForAnyValue: on the single-valued key `{key}` is meant for multivalued keys (AWS treats the one value as a set; IAM Access Analyzer policy validation warns about it)"),
                format!("Drop the `ForAnyValue:` prefix: `{}`.", &c.op["ForAnyValue:".len()..]),
            ));
        }
    }
    out
}

/// Levenshtein distance (short strings only).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_subjects_in_words() {
        let (w, name_only) = github_subject("repo:acme/app:ref:refs/heads/main", false);
        assert_eq!(w, "repository app of acme, branch main");
        assert!(name_only);
        let (w, name_only) = github_subject("repo:acme@123/app@456:environment:production", false);
        assert_eq!(
            w,
            "repository app@456 of acme@123, jobs in environment production"
        );
        assert!(!name_only);
        let (w, _) = github_subject("repo:acme/*", true);
        assert_eq!(
            w,
            "any repository of acme, any branch, tag, pull request or environment"
        );
        let (w, _) = github_subject("repo:acme/app:*", false);
        assert!(w.starts_with("only a subject that is literally"), "{w}");
        assert_eq!(distance("subject", "sub"), 4);
    }
}
