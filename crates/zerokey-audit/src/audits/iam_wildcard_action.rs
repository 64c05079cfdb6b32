//! `Allow` statements with `Action: "*"` or `service:*`.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{Policy, PolicyKind};

/// The audit.
pub struct IamWildcardAction;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "iam-wildcard-action",
    title: "wildcard IAM action",
    input: "iam",
    severity: Severity::Critical,
    confidence: Confidence::High,
    what: "Finds Allow statements whose Action is `*` (critical; with Resource `*` this is administrator access) or a whole service `svc:*` (high). In resource policies (bucket, key, queue policies), statements whose only principal is the owner's own account root (`arn:…:iam::${AWS::AccountId}:root`) are skipped: they delegate to the account's IAM policies and grant no one anything (the default KMS key policy).",
    why: "A wildcard grants every current and future action, including ones that change IAM itself.",
    example: "{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}",
    fix: "List the actions the principal needs (IAM Access Analyzer can generate them from CloudTrail).",
};

impl Audit for IamWildcardAction {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        let delegates = |s: &&crate::models::iam::Statement| {
            p.kind == PolicyKind::Resource && s.only_own_account_root()
        };
        for s in p.statements.iter().filter(|s| s.allow && !delegates(s)) {
            for a in &s.actions {
                let v = a.value.trim();
                let sev = if v == "*" {
                    Severity::Critical
                } else if v.ends_with(":*") {
                    Severity::High
                } else {
                    continue;
                };
                out.push(
                    FindingBuilder::new(&DOC)
                        .severity(sev)
                        .message(format!("statement {} allows action `{v}`", s.index))
                        .location(Location::new(
                            &p.src,
                            &a.span,
                            format!("{}.Action", s.logical),
                        ))
                        .key(v.to_string())
                        .build(),
                );
            }
        }
    }
}
