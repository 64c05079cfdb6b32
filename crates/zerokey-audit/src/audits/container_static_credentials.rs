//! Literal credentials in the environment of container and platform definitions (ECS task
//! definitions, Kubernetes workloads, docker-compose services, Elastic Beanstalk option
//! settings, App Runner, Lightsail container services), found with the scanner engine.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::platform::{literal, Platform};

/// The audit.
pub struct ContainerStaticCredentials;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "container-static-credentials",
    title: "credential in a container or platform environment",
    input: "container",
    severity: Severity::Critical,
    confidence: Confidence::High,
    what: "Runs zerokey's scanner rules (the engine of `zerokey scan`) over each literal environment value, as `NAME=value`, of ECS task definitions (JSON `containerDefinitions`, Terraform `container_definitions` as `jsonencode` or heredoc, CloudFormation `ContainerDefinitions`), Kubernetes workloads (`env` of containers and init containers in any kind, multi-document YAML), docker-compose `environment` (list and map forms), Elastic Beanstalk option settings (`.ebextensions/*.config`, Terraform `setting`, CloudFormation `OptionSettings` in the `aws:elasticbeanstalk:application:environment` namespace), App Runner (`apprunner.yaml`, `runtime_environment_variables`) and Lightsail container services. References — `valueFrom`, `secretKeyRef`, `secrets`, `${VAR}`, `$(VAR)`, Terraform and CloudFormation expressions — are not values. The message names the variable and rule, never the secret.",
    why: "A key in a task definition, manifest or compose file is readable by everyone who can read the repository, the orchestrator's API (`ecs:DescribeTaskDefinition`, `kubectl get -o yaml`) or the deployment history, and it never rotates.",
    example: "environment: [{\"name\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"<40 characters>\"}]",
    fix: "Reference a secret store (ECS `secrets`/`valueFrom`, Kubernetes `secretKeyRef`, compose `${VAR}`) and give AWS access through a role (ECS task role, IRSA or EKS Pod Identity, instance profile); rotate the exposed credential.",
};

impl Audit for ContainerStaticCredentials {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn platform(&self, p: &Platform, scanner: &zerokey_core::Matcher, out: &mut Vec<AuditFinding>) {
        for v in &p.env {
            let Some(value) = literal(&v.value) else {
                continue;
            };
            let hay = format!("{}={value}", v.name);
            let start = v.name.len() + 1;
            let hit = scanner.scan(hay.as_bytes()).into_iter().find(|m| {
                m.end > start
                    && !m.allowlisted
                    && zerokey_core::filters::placeholder_reason(&hay.as_bytes()[m.start..m.end])
                        .is_none()
            });
            let Some(m) = hit else { continue };
            let rule = scanner.rule(m.rule);
            let span = if v.value.span.is_empty() {
                0..1
            } else {
                v.value.span.clone()
            };
            out.push(
                FindingBuilder::new(&DOC)
                    .confidence(m.confidence)
                    .message(format!(
                        "{} sets `{}` to a literal credential ({}: {})",
                        p.kind.name(),
                        v.name,
                        rule.id,
                        zerokey_core::redact(&hay.as_bytes()[m.start..m.end])
                    ))
                    .location(Location::new(&p.src, &span, v.logical.clone()))
                    .remediation(p.kind.fix())
                    .key(v.name.clone())
                    .build(),
            );
        }
    }
}
