//! Who can assume each role: one info finding per Allow statement of a trust policy, naming the
//! principals, the identity provider and, for GitHub Actions OIDC, the repositories, refs,
//! environments and events the `sub` patterns admit, whether `aud` is checked and whether an
//! ExternalId or MFA is required (structured in `details` of the JSON output).

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::Policy;
use crate::models::trust::analyse;

/// The audit.
pub struct RoleTrust;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "role-trust",
    title: "who can assume this role",
    input: "iam",
    severity: Severity::Info,
    confidence: Confidence::High,
    what: "For every Allow statement of a role trust policy (raw IAM JSON, Terraform `assume_role_policy` and `aws_iam_policy_document`, CloudFormation `AssumeRolePolicyDocument`), states who can assume the role: the principals (accounts, roles, services, identity providers, anyone), whether an ExternalId or MFA is required, and for OIDC whether the audience is checked and what each `sub` pattern admits — for GitHub Actions the owners, repositories, branches, tags, environments and pull-request events, in words. `--format json` carries the same facts in the finding's `details`.",
    why: "A trust policy is the door to the role; reviewing it means answering \"who exactly gets in?\", which the JSON does not say plainly (a wildcard under `StringEquals`, a name-only subject or a missing `aud` all read alike at a glance).",
    example: "\"StringLike\": {\"token.actions.githubusercontent.com:sub\": \"repo:acme/app:ref:refs/heads/*\"} → repository app of acme, branch matching `*`",
    fix: "Nothing to fix by itself: read the sentence and check it is who you meant. The other trust audits flag the dangerous cases.",
};

impl Audit for RoleTrust {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        for t in analyse(p) {
            let Some(s) = p.statements.iter().find(|s| s.index == t.statement) else {
                continue;
            };
            let details = serde_json::to_value(&t).unwrap_or_default();
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!("statement {}: {}", t.statement, t.summary))
                    .location(Location::new(
                        &p.src,
                        &first_line(p, &s.span),
                        s.logical.clone(),
                    ))
                    .key(t.statement.to_string())
                    .details(details)
                    .build(),
            );
        }
    }
}

fn first_line(p: &Policy, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let end = p
        .src
        .slice(span)
        .find('\n')
        .map_or(span.end, |i| span.start + i);
    span.start..end.max(span.start + 1)
}
