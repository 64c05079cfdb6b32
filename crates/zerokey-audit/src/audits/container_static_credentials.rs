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
    what: "Runs zerokey's scanner rules (the engine of `zerokey scan`) over each literal environment value, as `NAME=value`, of ECS task definitions (JSON `containerDefinitions`, Terraform `container_definitions` as `jsonencode` or heredoc, CloudFormation `ContainerDefinitions`), Kubernetes workloads (`env` of containers and init containers in any kind, multi-document YAML), docker-compose `environment` (list and map forms), Elastic Beanstalk option settings (`.ebextensions/*.config`, Terraform `setting`, CloudFormation `OptionSettings` in the `aws:elasticbeanstalk:application:environment` namespace), App Runner (`apprunner.yaml`, `runtime_environment_variables`) and Lightsail container services. A connection URL with a literal password (`postgres://app:…@db/…`) is a finding too (high, medium confidence) even when the password is a plain word, unless it is a reference, a placeholder or the user name repeated. References — `valueFrom`, `secretKeyRef`, `secrets`, `${VAR}`, `$(VAR)`, Terraform and CloudFormation expressions — are not values. The message names the variable and rule, never the secret.",
    why: "A key in a task definition, manifest or compose file is readable by everyone who can read the repository, the orchestrator's API (`ecs:DescribeTaskDefinition`, `kubectl get -o yaml`) or the deployment history, and it never rotates.",
    example: "environment: [{\"name\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"<40 characters>\"}]",
    fix: "Reference a secret store (ECS `secrets`/`valueFrom`, Kubernetes `secretKeyRef`, compose `${VAR}`) and give AWS access through a role (ECS task role, IRSA or EKS Pod Identity, instance profile); rotate the exposed credential.",
};

/// Passwords that only say "a password goes here" or are the stock defaults of local
/// development images; the scanner's placeholder filter catches the rest.
const NOT_A_PASSWORD: &[&str] = &["password", "pass", "secret", "pwd", "passwd"];

/// The password of a connection URL (`scheme://user:password@host…`) in `value`, when it is a
/// literal: not empty, not a reference (`$…`, `{{…}}`, `<…>`), not a placeholder.
fn url_password(value: &str) -> Option<&str> {
    let rest = &value[value.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    let (user, password) = userinfo.split_once(':')?;
    // `postgres:postgres@`, `root:root@`: the stock default of a local development image.
    if password == user {
        return None;
    }
    let reference = password.starts_with(['$', '{', '<', '%']) || password.contains("${");
    let placeholder = zerokey_core::filters::placeholder_reason(password.as_bytes()).is_some()
        || NOT_A_PASSWORD.contains(&password.to_ascii_lowercase().as_str());
    (password.len() >= 4 && !reference && !placeholder).then_some(password)
}

/// A finding for a connection URL with a literal password: the engine's URL rule asks for
/// more than a word (it must tell passwords from prose in code); in a service's environment
/// any literal password is one.
fn url_finding(p: &Platform, v: &crate::models::platform::EnvVar, password: &str) -> AuditFinding {
    let span = if v.value.span.is_empty() {
        0..1
    } else {
        v.value.span.clone()
    };
    FindingBuilder::new(&DOC)
        .severity(Severity::High)
        .confidence(Confidence::Medium)
        .message(format!(
            "{} sets `{}` to a connection URL with a literal password (url-embedded-password: {})",
            p.kind.name(),
            v.name,
            zerokey_core::redact(password.as_bytes())
        ))
        .location(Location::new(&p.src, &span, v.logical.clone()))
        .remediation(p.kind.fix())
        .key(v.name.clone())
        .build()
}

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
            let Some(m) = hit else {
                if let Some(pw) = url_password(value) {
                    out.push(url_finding(p, v, pw));
                }
                continue;
            };
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
