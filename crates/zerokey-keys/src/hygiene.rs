//! Key hygiene analysis, I/O-free: given every user's access keys (from IAM or a credential
//! report) and the time now, flags keys over the maximum age, active keys not used for a while,
//! users with two active keys and root access keys.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// One access key as seen by IAM or in a credential report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// `AKIA…`; a credential report does not name keys, only slots.
    pub access_key_id: Option<String>,
    /// Slot 1 or 2 in a credential report.
    pub slot: Option<u8>,
    /// True if Active.
    pub active: bool,
    /// `Active`, `Inactive` or whatever IAM said.
    pub status: String,
    /// Created (IAM) or last rotated (credential report).
    pub created: Option<OffsetDateTime>,
    /// Last use, if ever.
    pub last_used: Option<OffsetDateTime>,
    /// Service of the last use.
    pub last_used_service: Option<String>,
    /// Region of the last use.
    pub last_used_region: Option<String>,
}

/// A user and their keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserKeys {
    /// User name (`<root_account>` for the root user in a credential report).
    pub user: String,
    /// User ARN.
    pub arn: Option<String>,
    /// Their access keys.
    pub keys: Vec<KeyRecord>,
}

/// Thresholds.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Keys older than this must be rotated.
    pub max_age: Duration,
    /// Active keys not used (or, if never used, created) for this long should be disabled.
    pub unused_after: Duration,
}

/// Finding severity, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Root keys.
    Critical,
    /// Over the maximum age.
    High,
    /// Unused or doubled keys.
    Medium,
    /// Clean-up.
    Low,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// One problem with one key or user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFinding {
    /// Stable id: `root-access-key`, `access-key-too-old`, `access-key-unused`,
    /// `two-active-keys`, `inactive-access-key`.
    pub id: &'static str,
    /// Severity.
    pub severity: Severity,
    /// The user.
    pub user: String,
    /// The key, when known.
    pub access_key_id: Option<String>,
    /// The credential-report slot, when the key id is not known.
    pub slot: Option<u8>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: String,
}

/// The root user's name in a credential report.
pub const ROOT_USER: &str = "<root_account>";

/// Whole days from `then` to `now` (never negative).
pub fn days_between(then: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (now - then).whole_days().max(0)
}

fn key_label(k: &KeyRecord) -> String {
    match (&k.access_key_id, k.slot) {
        (Some(id), _) => id.clone(),
        (None, Some(slot)) => format!("access key {slot}"),
        (None, None) => "access key".to_string(),
    }
}

fn disable_fix(user: &str, k: &KeyRecord) -> String {
    match &k.access_key_id {
        Some(id) => format!("zerokey keys disable {id} --user {user} --yes"),
        None => format!(
            "disable {} of user {user} (zerokey keys disable <KEY_ID> --user {user} --yes; \
             `aws iam list-access-keys --user-name {user}` names it)",
            key_label(k)
        ),
    }
}

/// Runs every check; findings are ordered by severity, then user, then key.
pub fn analyze(users: &[UserKeys], now: OffsetDateTime, policy: Policy) -> Vec<KeyFinding> {
    let max_days = policy.max_age.whole_days();
    let unused_days = policy.unused_after.whole_days();
    let mut out = Vec::new();
    for u in users {
        let root = u.user == ROOT_USER;
        let mut active = 0;
        for k in &u.keys {
            let finding = |id, severity, message: String, fix: String| KeyFinding {
                id,
                severity,
                user: u.user.clone(),
                access_key_id: k.access_key_id.clone(),
                slot: if k.access_key_id.is_none() {
                    k.slot
                } else {
                    None
                },
                message,
                fix,
            };
            let age = k.created.map(|c| days_between(c, now));
            if !k.active {
                if let Some(age) = age.filter(|&a| a > max_days) {
                    out.push(finding(
                        "inactive-access-key",
                        Severity::Low,
                        format!(
                            "{} is inactive and {age} days old; an inactive key can be re-activated by anyone allowed to",
                            key_label(k)
                        ),
                        format!(
                            "delete it once nothing needs it: aws iam delete-access-key --user-name {} --access-key-id {}",
                            u.user,
                            k.access_key_id.as_deref().unwrap_or("<KEY_ID>")
                        ),
                    ));
                }
                continue;
            }
            active += 1;
            if root {
                out.push(finding(
                    "root-access-key",
                    Severity::Critical,
                    format!("the root user has an active access key ({})", key_label(k)),
                    "delete root access keys (IAM console, signed in as root) and use roles or IAM users instead".into(),
                ));
            }
            if let Some(age) = age.filter(|&a| a > max_days) {
                out.push(finding(
                    "access-key-too-old",
                    Severity::High,
                    format!(
                        "{} is {age} days old (maximum {max_days} days)",
                        key_label(k)
                    ),
                    if root {
                        "delete it; root should have no access keys".into()
                    } else {
                        format!("zerokey keys rotate {} --yes", u.user)
                    },
                ));
            }
            let idle = match (k.last_used, k.created) {
                (Some(used), _) => Some((days_between(used, now), true)),
                (None, Some(created)) => Some((days_between(created, now), false)),
                (None, None) => None,
            };
            if let Some((days, used)) = idle.filter(|&(d, _)| d > unused_days) {
                let message = if used {
                    format!(
                        "{} is active but was last used {days} days ago (limit {unused_days} days)",
                        key_label(k)
                    )
                } else {
                    format!(
                        "{} is active but has never been used in the {days} days since it was created (limit {unused_days} days)",
                        key_label(k)
                    )
                };
                out.push(finding(
                    "access-key-unused",
                    Severity::Medium,
                    message,
                    disable_fix(&u.user, k),
                ));
            }
        }
        if active >= 2 {
            out.push(KeyFinding {
                id: "two-active-keys",
                severity: Severity::Medium,
                user: u.user.clone(),
                access_key_id: None,
                slot: None,
                message: format!(
                    "user {} has two active access keys: finish the rotation and disable the one no longer used",
                    u.user
                ),
                fix: "see which key is in use (last used), then zerokey keys disable <OLD_KEY_ID> --yes"
                    .into(),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.severity, &a.user, &a.access_key_id, a.slot).cmp(&(
            b.severity,
            &b.user,
            &b.access_key_id,
            b.slot,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-02 12:00 UTC);

    fn key(id: &str, active: bool, age_days: i64, used_days_ago: Option<i64>) -> KeyRecord {
        KeyRecord {
            access_key_id: Some(id.into()),
            slot: None,
            active,
            status: if active { "Active" } else { "Inactive" }.into(),
            created: Some(NOW - Duration::days(age_days)),
            last_used: used_days_ago.map(|d| NOW - Duration::days(d)),
            last_used_service: None,
            last_used_region: None,
        }
    }

    fn user(name: &str, keys: Vec<KeyRecord>) -> UserKeys {
        UserKeys {
            user: name.into(),
            arn: None,
            keys,
        }
    }

    const POLICY: Policy = Policy {
        max_age: Duration::days(90),
        unused_after: Duration::days(45),
    };

    fn ids(f: &[KeyFinding]) -> Vec<(&str, &str)> {
        f.iter().map(|f| (f.id, f.user.as_str())).collect()
    }

    #[test]
    fn fresh_used_key_is_clean() {
        let users = [user("ok", vec![key("AKIA1", true, 10, Some(1))])];
        assert!(analyze(&users, NOW, POLICY).is_empty());
    }

    #[test]
    fn age_boundary_is_strictly_greater() {
        let at = [user("a", vec![key("AKIA1", true, 90, Some(1))])];
        assert!(analyze(&at, NOW, POLICY).is_empty());
        let over = [user("a", vec![key("AKIA1", true, 91, Some(1))])];
        let f = analyze(&over, NOW, POLICY);
        assert_eq!(ids(&f), [("access-key-too-old", "a")]);
        assert!(f[0].message.contains("91 days old"), "{}", f[0].message);
        assert_eq!(f[0].fix, "zerokey keys rotate a --yes");
    }

    #[test]
    fn unused_and_never_used() {
        let users = [
            user("idle", vec![key("AKIA1", true, 60, Some(50))]),
            user("never", vec![key("AKIA2", true, 46, None)]),
            user("new", vec![key("AKIA3", true, 3, None)]),
        ];
        let f = analyze(&users, NOW, POLICY);
        assert_eq!(
            ids(&f),
            [
                ("access-key-unused", "idle"),
                ("access-key-unused", "never")
            ]
        );
        assert!(f[0].message.contains("last used 50 days ago"));
        assert!(f[1].message.contains("never been used"));
        assert_eq!(f[0].fix, "zerokey keys disable AKIA1 --user idle --yes");
    }

    #[test]
    fn two_active_keys_and_inactive_ones() {
        let users = [
            user(
                "two",
                vec![
                    key("AKIA1", true, 5, Some(1)),
                    key("AKIA2", true, 2, Some(1)),
                ],
            ),
            user(
                "one",
                vec![
                    key("AKIA3", true, 5, Some(1)),
                    key("AKIA4", false, 200, None),
                ],
            ),
        ];
        let f = analyze(&users, NOW, POLICY);
        assert_eq!(
            ids(&f),
            [("two-active-keys", "two"), ("inactive-access-key", "one")]
        );
    }

    #[test]
    fn root_keys_are_critical_and_first() {
        let users = [
            user("a", vec![key("AKIA1", true, 100, Some(1))]),
            user(ROOT_USER, vec![key("AKIA2", true, 1, Some(1))]),
        ];
        let f = analyze(&users, NOW, POLICY);
        assert_eq!(
            ids(&f),
            [("root-access-key", ROOT_USER), ("access-key-too-old", "a")]
        );
        assert_eq!(f[0].severity, Severity::Critical);
    }
}
