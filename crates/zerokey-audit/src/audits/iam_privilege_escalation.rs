//! Actions that let a principal grant itself more rights, allowed on `Resource: "*"`.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::iam::{glob_match, Policy, PolicyKind};

/// The audit.
pub struct IamPrivilegeEscalation;

/// The short list of privilege-escalation actions.
pub const ESCALATION: &[&str] = &[
    "iam:PassRole",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:UpdateAssumeRolePolicy",
    "iam:AddUserToGroup",
    "sts:AssumeRole",
    "lambda:UpdateFunctionCode",
    "lambda:CreateFunction",
    "ec2:RunInstances",
    "cloudformation:CreateStack",
    "glue:UpdateDevEndpoint",
    "ssm:SendCommand",
];

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "iam-privilege-escalation",
    title: "privilege-escalation action on every resource",
    input: "iam",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "In identity policies, finds Allow statements on `Resource: \"*\"` whose actions (wildcards expanded, e.g. `iam:Put*`) include one of a short list of privilege-escalation actions: iam:PassRole, iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion, iam:Attach{User,Group,Role}Policy, iam:Put{User,Group,Role}Policy, iam:CreateAccessKey, iam:CreateLoginProfile, iam:UpdateLoginProfile, iam:UpdateAssumeRolePolicy, iam:AddUserToGroup, sts:AssumeRole, lambda:UpdateFunctionCode, lambda:CreateFunction, ec2:RunInstances, cloudformation:CreateStack, glue:UpdateDevEndpoint, ssm:SendCommand. `Action: \"*\"` is left to `iam-wildcard-action`.",
    why: "Each of these lets the principal obtain rights it was not given: attach an admin policy to itself, mint keys for another user, pass an admin role to code it controls, or run commands as another role.",
    example: "{\"Effect\": \"Allow\", \"Action\": [\"iam:PassRole\", \"lambda:CreateFunction\"], \"Resource\": \"*\"}",
    fix: "Scope these actions to named ARNs (e.g. `iam:PassRole` on the one role a service needs, with an `iam:PassedToService` condition).",
};

impl Audit for IamPrivilegeEscalation {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn iam_policy(&self, p: &Policy, out: &mut Vec<AuditFinding>) {
        if p.kind != PolicyKind::Identity {
            return;
        }
        for s in p.statements.iter().filter(|s| s.allow) {
            if !s.resources.iter().any(|r| r.value.trim() == "*") {
                continue;
            }
            for a in s.actions.iter().filter(|a| a.value.trim() != "*") {
                let hits: Vec<&str> = ESCALATION
                    .iter()
                    .copied()
                    .filter(|e| glob_match(a.value.trim(), e))
                    .collect();
                if hits.is_empty() {
                    continue;
                }
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!(
                            "statement {} allows `{}` on every resource ({})",
                            s.index,
                            a.value,
                            hits.join(", ")
                        ))
                        .location(Location::new(
                            &p.src,
                            &a.span,
                            format!("{}.Action", s.logical),
                        ))
                        .key(a.value.clone())
                        .build(),
                );
            }
        }
    }
}
