//! A job that assumes a role with GitHub's OIDC token but is not granted `id-token: write`.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::workflow::{effective_permissions, grants_write, Workflow};

/// The audit.
pub struct OidcWithoutIdTokenPermission;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "oidc-without-id-token-permission",
    title: "OIDC used without `id-token: write`",
    input: "workflow",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Finds jobs that use `role-to-assume` (without keys), `zerokey oidc`, or Google/Azure workload identity while the job's effective permissions (its own `permissions:`, else the workflow's) do not grant `id-token: write`.",
    why: "Without the permission the runner cannot request an OIDC token and the step fails; the usual workaround people reach for is a static key.",
    example: "permissions:\n  contents: read\njobs:\n  deploy:\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with: { role-to-assume: arn:aws:iam::123456789012:role/deploy }",
    fix: "Add `permissions: { id-token: write, contents: read }` to the job that assumes the role.",
};

impl Audit for OidcWithoutIdTokenPermission {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn workflow(&self, wf: &Workflow, out: &mut Vec<AuditFinding>) {
        for job in &wf.jobs {
            let Some(step) = job.steps.iter().find(|s| {
                let action = s.action().unwrap_or("").to_ascii_lowercase();
                (action == "aws-actions/configure-aws-credentials"
                    && s.input("role-to-assume").is_some()
                    && s.input("aws-access-key-id").is_none()
                    && s.input("web-identity-token-file").is_none())
                    || (action == "google-github-actions/auth"
                        && s.input("workload_identity_provider").is_some())
                    || (action == "azure/login"
                        && s.input("client-id").is_some()
                        && s.input("creds").is_none())
                    || s.run()
                        .and_then(|r| r.as_str())
                        .is_some_and(|r| r.contains("zerokey oidc"))
            }) else {
                continue;
            };
            let perms = effective_permissions(wf, job);
            if perms.is_some_and(|p| grants_write(p, "id-token")) {
                continue;
            }
            let why = match perms {
                None => "no `permissions:` is set, and the default token never includes `id-token: write`".to_string(),
                Some(_) if job.node.get("permissions").is_none() => {
                    "the workflow's `permissions:` (inherited by the job) lacks `id-token: write`".to_string()
                }
                Some(_) => "the job's `permissions:` lacks `id-token: write`".to_string(),
            };
            let mut b = FindingBuilder::new(&DOC)
                .message(format!(
                    "job `{}` assumes a role with the OIDC token ({}) but {why}",
                    job.id,
                    step.action().unwrap_or("zerokey oidc")
                ))
                .location(Location::new(&wf.src, &step.node.span, step.path(job)))
                .key(job.id.clone());
            if let Some(p) = perms {
                b = b.location(
                    Location::new(&wf.src, &p.span, "permissions")
                        .with_note("effective permissions"),
                );
            }
            out.push(b.build());
        }
    }
}
