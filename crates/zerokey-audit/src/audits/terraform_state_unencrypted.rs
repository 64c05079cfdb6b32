//! Terraform S3 backends that do not encrypt the state.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Severity};
use crate::models::infra::{is_true_or_unknown, Infra};

/// The audit.
pub struct TerraformStateUnencrypted;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "terraform-state-unencrypted",
    title: "Terraform S3 backend without state encryption",
    input: "terraform",
    severity: Severity::High,
    confidence: Confidence::High,
    what: "Finds `terraform { backend \"s3\" { … } }` blocks with neither `encrypt = true` nor a `kms_key_id` (a value set through a variable or expression counts as set).",
    why: "Terraform state holds every attribute of every resource in clear text, including generated passwords, private keys and access keys; an unencrypted state object is as sensitive as the secrets themselves.",
    example: "backend \"s3\" { bucket = \"tf-state\", key = \"prod.tfstate\" }",
    fix: "Set `encrypt = true` and `kms_key_id = \"<a customer-managed key>\"` in the backend, and restrict the state bucket's policy to the deploy roles.",
};

impl Audit for TerraformStateUnencrypted {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn infra(&self, i: &Infra, out: &mut Vec<AuditFinding>) {
        for t in i.resources.iter().filter(|r| r.rtype == "terraform") {
            for b in t.props.get_all("backend") {
                let head = t.src.slice(&b.span);
                let head = head.split('{').next().unwrap_or("");
                if !head.contains("\"s3\"") {
                    continue;
                }
                if is_true_or_unknown(b.get("encrypt")) || b.get("kms_key_id").is_some() {
                    continue;
                }
                let (loc, why) = match b.get("encrypt") {
                    Some(e) => (t.loc_of(e, "backend.s3.encrypt"), "sets `encrypt = false`"),
                    None => (
                        t.loc_of(b, "backend.s3"),
                        "has no `encrypt = true` or `kms_key_id`",
                    ),
                };
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!(
                            "the S3 backend {why}: the state is stored unencrypted"
                        ))
                        .location(loc)
                        .build(),
                );
            }
        }
    }
}
