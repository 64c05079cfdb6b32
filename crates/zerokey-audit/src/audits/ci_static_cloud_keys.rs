//! CI configuration (any CI system) that uses long-lived cloud keys.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::repo::Repo;
use crate::source::SourceFile;

/// The audit.
pub struct CiStaticCloudKeys;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "ci-static-cloud-keys",
    title: "CI uses static cloud keys",
    input: "repository",
    severity: Severity::High,
    confidence: Confidence::Medium,
    what: "In CI configuration files that are not GitHub workflows (those get `static-aws-keys-in-workflow`): GitLab, CircleCI, Azure Pipelines, Bitbucket, Jenkins, Travis, Buildkite, finds the variables of long-lived cloud keys: `AWS_SECRET_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`, `GOOGLE_APPLICATION_CREDENTIALS`, `GCP_SA_KEY`/`GCLOUD_SERVICE_KEY`, `AZURE_CLIENT_SECRET`, `ARM_CLIENT_SECRET`. One finding per file and variable.",
    why: "A static key stored in the CI system is valid until someone rotates it, works from anywhere, and leaks with any job log, fork or compromised runner. Every major CI system can get short-lived credentials by OIDC instead.",
    example: "deploy:\n  script: aws s3 sync . s3://site\n  variables:\n    AWS_SECRET_ACCESS_KEY: $AWS_SECRET_ACCESS_KEY",
    fix: "Use the CI system's OIDC token (GitLab `id_tokens`, CircleCI `CIRCLE_OIDC_TOKEN`, Bitbucket `oidc: true`) with `AssumeRoleWithWebIdentity` or `zerokey oidc`, then delete the stored key.",
};

const VARS: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GCP_SA_KEY",
    "GCLOUD_SERVICE_KEY",
    "AZURE_CLIENT_SECRET",
    "ARM_CLIENT_SECRET",
];

impl Audit for CiStaticCloudKeys {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn repository(&self, r: &Repo, out: &mut Vec<AuditFinding>) {
        for f in r
            .ci_files()
            .into_iter()
            .filter(|f| !f.starts_with(".github/"))
        {
            let Some(text) = r.read(f) else { continue };
            let src = SourceFile::new(f, text);
            for v in VARS {
                let Some(at) = src.text.find(v) else { continue };
                out.push(
                    FindingBuilder::new(&DOC)
                        .message(format!("`{f}` uses the static cloud key variable `{v}`"))
                        .location(Location::new(&src, &(at..at + v.len()), *v))
                        .key(*v)
                        .build(),
                );
            }
        }
    }
}
