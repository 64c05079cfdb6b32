//! Container and platform definitions and the environment variables they set: Kubernetes
//! manifests (any workload kind, multi-document YAML), docker-compose files, ECS task
//! definitions (JSON), App Runner `apprunner.yaml`, Elastic Beanstalk `.ebextensions/*.config`,
//! and inside Terraform/CloudFormation the ECS, Elastic Beanstalk, App Runner and Lightsail
//! resources. Each variable keeps its value node (and span); references are told apart.

use crate::models::infra::{Format, Infra, Resource};
use crate::models::terraform;
use crate::node::{self, Kind, Node};
use crate::source::SourceFile;
use std::sync::Arc;

/// Which platform a definition is for (decides the fix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformKind {
    /// Kubernetes workloads.
    Kubernetes,
    /// docker-compose.
    Compose,
    /// ECS task definitions.
    Ecs,
    /// App Runner.
    AppRunner,
    /// Elastic Beanstalk.
    Beanstalk,
    /// Lightsail container services.
    Lightsail,
}

impl PlatformKind {
    /// Name in messages.
    pub fn name(self) -> &'static str {
        match self {
            PlatformKind::Kubernetes => "Kubernetes manifest",
            PlatformKind::Compose => "docker-compose service",
            PlatformKind::Ecs => "ECS task definition",
            PlatformKind::AppRunner => "App Runner service",
            PlatformKind::Beanstalk => "Elastic Beanstalk environment",
            PlatformKind::Lightsail => "Lightsail container service",
        }
    }

    /// How to fix a literal credential on this platform.
    pub fn fix(self) -> &'static str {
        match self {
            PlatformKind::Kubernetes => "Move the value into a Secret (or an external secrets operator) and reference it with `valueFrom.secretKeyRef`; for AWS access use IAM Roles for Service Accounts (IRSA) or EKS Pod Identity instead of keys. Rotate the exposed credential.",
            PlatformKind::Compose => "Reference it as `${VAR}` from an untracked `.env` file or use compose `secrets:`; for AWS access on ECS/EC2 use the task or instance role. Rotate the exposed credential.",
            PlatformKind::Ecs => "Use the container definition's `secrets` (`valueFrom` a Secrets Manager secret or SSM parameter) and, for AWS access, the task role (`taskRoleArn`) instead of keys. Rotate the exposed credential.",
            PlatformKind::AppRunner => "Use `runtime_environment_secrets` (Secrets Manager or SSM ARNs) and, for AWS access, the instance role. Rotate the exposed credential.",
            PlatformKind::Beanstalk => "Store the value in Secrets Manager or SSM and read it at start-up; for AWS access use the environment's instance profile. Rotate the exposed credential.",
            PlatformKind::Lightsail => "Read the value from Secrets Manager or SSM at start-up instead of the deployment's `environment`; rotate the exposed credential.",
        }
    }
}

/// One environment variable set literally or by reference.
#[derive(Debug, Clone)]
pub struct EnvVar {
    /// The variable name.
    pub name: String,
    /// The value node (a scalar).
    pub value: Node,
    /// Logical path (`Deployment/api.containers[app].env.AWS_SECRET_ACCESS_KEY`).
    pub logical: String,
}

/// A definition file or resource and its environment variables.
#[derive(Debug, Clone)]
pub struct Platform {
    /// The file.
    pub src: Arc<SourceFile>,
    /// The platform.
    pub kind: PlatformKind,
    /// The variables.
    pub env: Vec<EnvVar>,
}

/// Keys whose value is a `{NAME: value}` map of environment variables.
const ENV_MAPS: &[&str] = &[
    "environment",
    "env",
    "variables",
    "runtime_environment_variables",
];

/// Keys naming a variable in a `{name, value}` object.
const NAME_KEYS: &[&str] = &["name", "Name", "option_name", "OptionName", "Variable"];

/// Beanstalk's namespace for environment properties.
const EB_ENV: &str = "aws:elasticbeanstalk:application:environment";

/// A literal value (not a reference such as `${VAR}`, `$(VAR)`, `var.x`, `!Ref`).
pub fn literal(n: &Node) -> Option<&str> {
    match &n.kind {
        Kind::Str(s) | Kind::Num(s) if !s.contains("${") && !s.contains("$(") => Some(s.as_str()),
        _ => None,
    }
}

/// Collects `{name, value}` objects, `{NAME: value}` maps under environment keys and compose
/// `NAME=value` lists anywhere under `n`.
fn collect(n: &Node, path: &str, out: &mut Vec<EnvVar>) {
    match &n.kind {
        Kind::Map(entries) => {
            let name = NAME_KEYS
                .iter()
                .find_map(|k| n.get(k).and_then(Node::as_str));
            let value = n.get("value").or_else(|| n.get("Value"));
            let ns = n
                .get("namespace")
                .or_else(|| n.get("Namespace"))
                .and_then(Node::as_str);
            if let (Some(name), Some(value)) = (name, value) {
                if ns.is_none_or(|ns| ns == EB_ENV) && !value.is_map() {
                    out.push(EnvVar {
                        name: name.to_string(),
                        value: value.clone(),
                        logical: format!("{path}.{name}"),
                    });
                    return;
                }
            }
            for e in entries {
                let p = if path.is_empty() {
                    e.key.clone()
                } else {
                    format!("{path}.{}", e.key)
                };
                let env_key =
                    ENV_MAPS.iter().any(|k| e.key.eq_ignore_ascii_case(k)) || e.key == EB_ENV;
                match &e.value.kind {
                    Kind::Map(vars) if env_key => {
                        for v in vars {
                            if v.value.is_map() {
                                collect(&v.value, &format!("{p}.{}", v.key), out);
                            } else {
                                out.push(EnvVar {
                                    name: v.key.clone(),
                                    value: v.value.clone(),
                                    logical: format!("{p}.{}", v.key),
                                });
                            }
                        }
                    }
                    Kind::Seq(items) if env_key => {
                        for it in items {
                            match &it.kind {
                                Kind::Str(s) => {
                                    if let Some((k, v)) = s.split_once('=') {
                                        // `NAME=value` (compose): the value's span is the item's.
                                        out.push(EnvVar {
                                            name: k.trim().to_string(),
                                            value: Node::new(
                                                it.span.clone(),
                                                Kind::Str(v.to_string()),
                                            ),
                                            logical: format!("{p}.{}", k.trim()),
                                        });
                                    }
                                }
                                _ => collect(it, &p, out),
                            }
                        }
                    }
                    _ => collect(&e.value, &p, out),
                }
            }
        }
        Kind::Seq(items) => {
            for (i, it) in items.iter().enumerate() {
                let label = it
                    .get("name")
                    .or_else(|| it.get("Name"))
                    .and_then(Node::as_str)
                    .map_or_else(|| i.to_string(), str::to_string);
                collect(it, &format!("{path}[{label}]"), out);
            }
        }
        Kind::Call(_, args) => {
            for a in args {
                collect(a, path, out);
            }
        }
        _ => {}
    }
}

/// What a YAML or JSON file (not a workflow, not CloudFormation) is, from its path and text.
pub fn recognise(rel: &str, text: &str) -> Option<PlatformKind> {
    let lower = rel.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if lower.contains(".ebextensions/") && name.ends_with(".config") {
        return Some(PlatformKind::Beanstalk);
    }
    if name == "apprunner.yaml" || name == "apprunner.yml" {
        return Some(PlatformKind::AppRunner);
    }
    if name.ends_with(".json") {
        return text
            .contains("\"containerDefinitions\"")
            .then_some(PlatformKind::Ecs);
    }
    if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
        return None;
    }
    if (name.starts_with("docker-compose") || name.starts_with("compose"))
        && text.contains("services")
    {
        return Some(PlatformKind::Compose);
    }
    // Helm templates (`{{ … }}`) are not YAML until rendered.
    if text.contains("apiVersion") && text.contains("kind") && !text.contains("{{") {
        return Some(PlatformKind::Kubernetes);
    }
    None
}

/// Reads a recognised file into its platform definition.
pub fn parse(
    src: Arc<SourceFile>,
    kind: PlatformKind,
) -> Result<Platform, crate::error::ParseError> {
    let docs = if src.path.to_ascii_lowercase().ends_with(".json") {
        vec![node::parse_json(&src, 0, src.text.len())?]
    } else {
        node::parse_yaml_docs(&src)?
    };
    let mut env = Vec::new();
    for d in &docs {
        match kind {
            PlatformKind::Kubernetes => {
                let k = d.get("kind").and_then(Node::as_str).unwrap_or("object");
                let name = d
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str)
                    .unwrap_or("");
                let mut found = Vec::new();
                collect(d, "", &mut found);
                for mut v in found {
                    // Only container `env` lists, not ConfigMap data or labels.
                    if v.logical.contains("ontainers[") && v.logical.contains(".env.") {
                        v.logical = format!("{k}/{name}.{}", v.logical.replace("spec.", ""));
                        env.push(v);
                    }
                }
            }
            PlatformKind::Compose => {
                if let Some(services) = d.get("services") {
                    collect(services, "services", &mut env);
                }
            }
            _ => collect(d, "", &mut env),
        }
    }
    Ok(Platform { src, kind, env })
}

/// The container and platform resources of a Terraform folder or CloudFormation template.
pub fn from_infra(i: &Infra) -> (Vec<Platform>, Vec<crate::error::ParseError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in &i.resources {
        if r.data {
            continue;
        }
        let kind = match r.rtype.as_str() {
            "aws_ecs_task_definition" | "AWS::ECS::TaskDefinition" => PlatformKind::Ecs,
            "aws_elastic_beanstalk_environment"
            | "aws_elastic_beanstalk_configuration_template"
            | "AWS::ElasticBeanstalk::Environment"
            | "AWS::ElasticBeanstalk::ConfigurationTemplate" => PlatformKind::Beanstalk,
            "aws_apprunner_service" | "AWS::AppRunner::Service" => PlatformKind::AppRunner,
            "aws_lightsail_container_service_deployment_version" | "AWS::Lightsail::Container" => {
                PlatformKind::Lightsail
            }
            _ => continue,
        };
        let mut env = Vec::new();
        if i.format == Format::Terraform && kind == PlatformKind::Ecs {
            if let Some(v) = r.attr("container_definitions") {
                ecs_definitions(r, v, &mut env, &mut errors);
            }
        } else {
            collect(&r.props, &r.logical, &mut env);
        }
        if !env.is_empty() {
            out.push(Platform {
                src: r.src.clone(),
                kind,
                env,
            });
        }
    }
    (out, errors)
}

fn ecs_definitions(
    r: &Resource,
    v: &Node,
    env: &mut Vec<EnvVar>,
    errors: &mut Vec<crate::error::ParseError>,
) {
    let path = format!("{}.container_definitions", r.logical);
    match &v.kind {
        Kind::Call(name, args) if name == "jsonencode" => {
            for a in args {
                collect(a, &path, env);
            }
        }
        Kind::Str(_) if terraform::is_heredoc(&r.src, v) => {
            let (range, body) = terraform::heredoc_body(&r.src, &v.span);
            if body.contains("${") {
                return;
            }
            match node::parse_json(&r.src, range.start, range.end) {
                Ok(n) => collect(&n, &path, env),
                Err(e) => errors.push(e),
            }
        }
        _ => {}
    }
}
