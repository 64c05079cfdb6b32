//! Infrastructure as code, Terraform and CloudFormation alike: a set of resources (one
//! Terraform module folder, or one CloudFormation template) with their type, name, properties
//! and spans, references between them resolved, and the IAM policy documents they embed.

use crate::error::ParseError;
use crate::finding::Location;
use crate::models::iam::{Policy, PolicyKind};
use crate::models::terraform::{self, TfBlock};
use crate::node::{self, Entry, Kind, Node};
use crate::source::SourceFile;
use std::ops::Range;
use std::sync::Arc;
use zerokey_core::Matcher;

/// Which language a resource was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terraform HCL (`resource "aws_s3_bucket" "x"`).
    Terraform,
    /// CloudFormation YAML or JSON (`Type: AWS::S3::Bucket`).
    CloudFormation,
}

/// One resource (or Terraform `data` block).
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its file.
    pub src: Arc<SourceFile>,
    /// `aws_s3_bucket` or `AWS::S3::Bucket`.
    pub rtype: String,
    /// `data` (Terraform) or the logical id (CloudFormation).
    pub name: String,
    /// Span of the whole block or resource entry.
    pub span: Range<usize>,
    /// Terraform body, or CloudFormation `Properties` (an empty mapping if absent).
    pub props: Node,
    /// `aws_s3_bucket.data`, `data.aws_iam_policy_document.x` or `Resources.DataBucket`.
    pub logical: String,
    /// A Terraform `data` block.
    pub data: bool,
}

impl Resource {
    /// A property (exact key).
    pub fn attr(&self, key: &str) -> Option<&Node> {
        self.props.get(key)
    }

    /// Location of the resource itself (its first line).
    pub fn loc(&self) -> Location {
        let end = self
            .src
            .slice(&self.span)
            .find('\n')
            .map_or(self.span.end, |i| self.span.start + i);
        Location::new(
            &self.src,
            &(self.span.start..end.max(self.span.start + 1)),
            self.logical.clone(),
        )
    }

    /// Location of a node inside the resource, with `path` appended to the logical path.
    pub fn loc_of(&self, n: &Node, path: &str) -> Location {
        let span = if n.span.is_empty() {
            self.span.clone()
        } else {
            n.span.clone()
        };
        let span = first_line(&self.src, &span);
        Location::new(&self.src, &span, format!("{}.{path}", self.logical))
    }

    /// True if `n` (anywhere in its subtree) refers to `target`: a Terraform
    /// `aws_s3_bucket.data.id` (or the target's literal name), a CloudFormation `Ref`/`GetAtt`.
    pub fn refers_to(n: &Node, target: &Resource) -> bool {
        let mut strings = Vec::new();
        n.strings(&mut strings);
        let tf = format!("{}.{}", target.rtype, target.name);
        let literal: Vec<&str> = [
            "bucket",
            "function_name",
            "name",
            "BucketName",
            "FunctionName",
        ]
        .iter()
        .filter_map(|k| target.attr(k).and_then(Node::as_str))
        .collect();
        strings.iter().any(|s| {
            let v = match &s.kind {
                Kind::Str(v) | Kind::Expr(v) => v.as_str(),
                _ => return false,
            };
            if target.src.path.ends_with(".tf") {
                v == tf
                    || v.contains(&format!("{tf}."))
                    || v.contains(&format!("{tf}["))
                    || literal.contains(&v)
            } else {
                v == target.name
                    || v.starts_with(&format!("{}.", target.name))
                    || v.contains(&format!("${{{}}}", target.name))
                    || v.contains(&format!("${{{}.", target.name))
            }
        })
    }
}

fn first_line(src: &SourceFile, span: &Range<usize>) -> Range<usize> {
    let end = src
        .slice(span)
        .find('\n')
        .map_or(span.end, |i| span.start + i);
    span.start..end.max(span.start + 1).min(span.end.max(span.start + 1))
}

/// The resources of one Terraform folder or one CloudFormation template.
#[derive(Clone)]
pub struct Infra {
    /// The language.
    pub format: Format,
    /// Resources in file order.
    pub resources: Vec<Resource>,
    /// The scanner engine, for audits that look for secrets in values.
    pub scanner: Arc<Matcher>,
}

impl std::fmt::Debug for Infra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Infra")
            .field("format", &self.format)
            .field("resources", &self.resources.len())
            .finish()
    }
}

impl Infra {
    /// Resources of one of these types (Terraform `resource` blocks only, not `data`).
    pub fn of_type<'a>(&'a self, types: &'a [&str]) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .iter()
            .filter(move |r| !r.data && types.contains(&r.rtype.as_str()))
    }

    /// Resources of type `rtype` whose property `attr` refers to `target`.
    pub fn linked<'a>(&'a self, rtype: &str, attr: &str, target: &Resource) -> Vec<&'a Resource> {
        self.resources
            .iter()
            .filter(|r| r.rtype == rtype && !r.data)
            .filter(|r| r.attr(attr).is_some_and(|n| Resource::refers_to(n, target)))
            .collect()
    }

    /// Terraform folder from parsed files.
    pub fn terraform(files: &[(Arc<SourceFile>, Vec<TfBlock>)], scanner: Arc<Matcher>) -> Infra {
        let mut resources = Vec::new();
        for (src, blocks) in files {
            for b in blocks {
                let data = b.kind == "data";
                if b.kind == "terraform" {
                    // Settings (backend, required providers) as a pseudo-resource `terraform`.
                    resources.push(Resource {
                        src: src.clone(),
                        rtype: "terraform".into(),
                        name: String::new(),
                        span: b.span.clone(),
                        props: b.body.clone(),
                        logical: "terraform".into(),
                        data: false,
                    });
                    continue;
                }
                if (b.kind != "resource" && !data) || b.labels.len() < 2 {
                    continue;
                }
                let logical = if data {
                    format!("data.{}.{}", b.labels[0], b.labels[1])
                } else {
                    format!("{}.{}", b.labels[0], b.labels[1])
                };
                resources.push(Resource {
                    src: src.clone(),
                    rtype: b.labels[0].clone(),
                    name: b.labels[1].clone(),
                    span: b.span.clone(),
                    props: b.body.clone(),
                    logical,
                    data,
                });
            }
        }
        Infra {
            format: Format::Terraform,
            resources,
            scanner,
        }
    }

    /// A CloudFormation template (YAML or JSON, already parsed).
    pub fn cloudformation(src: Arc<SourceFile>, doc: &Node, scanner: Arc<Matcher>) -> Infra {
        let mut resources = Vec::new();
        if let Some(res) = doc.get("Resources") {
            for e in res.entries() {
                let Some(t) = e.value.get("Type").and_then(Node::as_str) else {
                    continue;
                };
                let props = e
                    .value
                    .get("Properties")
                    .cloned()
                    .unwrap_or_else(|| Node::new(e.value.span.clone(), Kind::Map(Vec::new())));
                resources.push(Resource {
                    src: src.clone(),
                    rtype: t.to_string(),
                    name: e.key.clone(),
                    span: e.key_span.start..e.value.span.end.max(e.key_span.end),
                    props,
                    logical: format!("Resources.{}", e.key),
                    data: false,
                });
            }
        }
        Infra {
            format: Format::CloudFormation,
            resources,
            scanner,
        }
    }

    /// The IAM policy documents the resources embed, each with its kind; malformed heredoc
    /// JSON is an error.
    pub fn policies(&self) -> (Vec<Policy>, Vec<ParseError>) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for r in &self.resources {
            match self.format {
                Format::Terraform => self.tf_policies(r, &mut out, &mut errors),
                Format::CloudFormation => cfn_policies(r, &mut out),
            }
        }
        (out, errors)
    }

    fn tf_policies(&self, r: &Resource, out: &mut Vec<Policy>, errors: &mut Vec<ParseError>) {
        if r.data {
            if r.rtype != "aws_iam_policy_document" {
                return;
            }
            let doc = policy_document_node(&r.props);
            let me = format!("data.aws_iam_policy_document.{}", r.name);
            let trusted = self.resources.iter().any(|o| {
                o.rtype == "aws_iam_role"
                    && o.attr("assume_role_policy").is_some_and(|n| {
                        let mut s = Vec::new();
                        n.strings(&mut s);
                        s.iter().any(
                            |x| matches!(&x.kind, Kind::Expr(v) | Kind::Str(v) if v.contains(&me)),
                        )
                    })
            });
            let kind = trusted.then_some(PolicyKind::Trust);
            if let Some(p) = Policy::from_node(r.src.clone(), &doc, &r.logical, kind) {
                out.push(p);
            }
            return;
        }
        if r.rtype == "aws_iam_role" {
            for (k, b) in r.props.get_all("inline_policy").enumerate() {
                if let Some(Kind::Call(name, args)) = b.get("policy").map(|v| &v.kind) {
                    if let (true, Some(doc)) = (name == "jsonencode", args.first()) {
                        let logical = format!("{}.inline_policy[{k}].policy", r.logical);
                        if let Some(p) = Policy::from_node(
                            r.src.clone(),
                            doc,
                            &logical,
                            Some(PolicyKind::Identity),
                        ) {
                            out.push(p);
                        }
                    }
                }
            }
        }
        let (attr, kind) = match r.rtype.as_str() {
            "aws_iam_role" => ("assume_role_policy", PolicyKind::Trust),
            "aws_iam_policy"
            | "aws_iam_role_policy"
            | "aws_iam_user_policy"
            | "aws_iam_group_policy" => ("policy", PolicyKind::Identity),
            "aws_s3_bucket_policy"
            | "aws_sqs_queue_policy"
            | "aws_sns_topic_policy"
            | "aws_ecr_repository_policy"
            | "aws_kms_key" => ("policy", PolicyKind::Resource),
            _ => return,
        };
        let Some(v) = r.attr(attr) else { return };
        let logical = format!("{}.{attr}", r.logical);
        let doc = match &v.kind {
            Kind::Call(name, args) if name == "jsonencode" => args.first().cloned(),
            Kind::Str(_) if terraform::is_heredoc(&r.src, v) => {
                let (range, body) = terraform::heredoc_body(&r.src, &v.span);
                if !body.contains("Statement") {
                    None
                } else {
                    match node::parse_json(&r.src, range.start, range.end) {
                        Ok(n) => Some(n),
                        Err(e) => {
                            errors.push(e);
                            None
                        }
                    }
                }
            }
            _ => None,
        };
        if let Some(doc) = doc {
            if let Some(p) = Policy::from_node(r.src.clone(), &doc, &logical, Some(kind)) {
                out.push(p);
            }
        }
    }
}

fn cfn_policies(r: &Resource, out: &mut Vec<Policy>) {
    let mut push = |n: &Node, path: String, kind: PolicyKind| {
        if n.is_map() {
            if let Some(p) = Policy::from_node(
                r.src.clone(),
                n,
                &format!("{}.{path}", r.logical),
                Some(kind),
            ) {
                out.push(p);
            }
        }
    };
    match r.rtype.as_str() {
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            if let Some(d) = r.attr("AssumeRolePolicyDocument") {
                push(
                    d,
                    "Properties.AssumeRolePolicyDocument".into(),
                    PolicyKind::Trust,
                );
            }
            if let Some(ps) = r.attr("Policies") {
                for (i, p) in ps.items().into_iter().enumerate() {
                    if let Some(d) = p.get("PolicyDocument") {
                        push(
                            d,
                            format!("Properties.Policies[{i}].PolicyDocument"),
                            PolicyKind::Identity,
                        );
                    }
                }
            }
        }
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            if let Some(d) = r.attr("PolicyDocument") {
                push(d, "Properties.PolicyDocument".into(), PolicyKind::Identity);
            }
        }
        "AWS::S3::BucketPolicy" | "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" => {
            if let Some(d) = r.attr("PolicyDocument") {
                push(d, "Properties.PolicyDocument".into(), PolicyKind::Resource);
            }
        }
        "AWS::KMS::Key" => {
            if let Some(d) = r.attr("KeyPolicy") {
                push(d, "Properties.KeyPolicy".into(), PolicyKind::Resource);
            }
        }
        _ => {}
    }
}

fn entry(key: &str, span: &Range<usize>, value: Node) -> Entry {
    Entry {
        key: key.to_string(),
        key_span: span.clone(),
        value,
    }
}

/// `data "aws_iam_policy_document"` turned into the JSON shape (`Statement`, `Effect`,
/// `Action`, `Principal`, `Condition`), keeping each value's span.
pub fn policy_document_node(body: &Node) -> Node {
    let mut statements = Vec::new();
    for s in body.get_all("statement") {
        let mut es = Vec::new();
        for (from, to) in [
            ("effect", "Effect"),
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(v) = s.get(from) {
                es.push(entry(to, &v.span, v.clone()));
            }
        }
        let mut principals: Vec<Entry> = Vec::new();
        for p in s.get_all("principals") {
            let t = p
                .get("type")
                .and_then(Node::as_str)
                .unwrap_or("AWS")
                .to_string();
            if let Some(ids) = p.get("identifiers") {
                principals.push(entry(&t, &p.span, ids.clone()));
            }
        }
        if !principals.is_empty() {
            es.push(entry(
                "Principal",
                &s.span,
                Node::new(s.span.clone(), Kind::Map(principals)),
            ));
        }
        let mut ops: Vec<Entry> = Vec::new();
        for c in s.get_all("condition") {
            let (Some(test), Some(var)) = (
                c.get("test").and_then(Node::as_str),
                c.get("variable").and_then(Node::as_str),
            ) else {
                continue;
            };
            let values = c
                .get("values")
                .cloned()
                .unwrap_or_else(|| Node::new(c.span.clone(), Kind::Seq(Vec::new())));
            let key_span = c.get("variable").map_or(c.span.clone(), |v| v.span.clone());
            let inner = Entry {
                key: var.to_string(),
                key_span,
                value: values,
            };
            if let Some(op) = ops.iter_mut().find(|o| o.key == test) {
                if let Kind::Map(v) = &mut op.value.kind {
                    v.push(inner);
                }
            } else {
                ops.push(entry(
                    test,
                    &c.span,
                    Node::new(c.span.clone(), Kind::Map(vec![inner])),
                ));
            }
        }
        if !ops.is_empty() {
            es.push(entry(
                "Condition",
                &s.span,
                Node::new(s.span.clone(), Kind::Map(ops)),
            ));
        }
        statements.push(Node::new(s.span.clone(), Kind::Map(es)));
    }
    Node::new(
        body.span.clone(),
        Kind::Map(vec![entry(
            "Statement",
            &body.span,
            Node::new(body.span.clone(), Kind::Seq(statements)),
        )]),
    )
}

/// True if a YAML/JSON text looks like a CloudFormation template.
pub fn looks_like_cloudformation(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources")
            && (text.contains("Type: AWS::")
                || text.contains("\"AWS::")
                || text.contains("Type: 'AWS::")
                || text.contains("Type: \"AWS::")))
}

/// True if `n` is `true` (or the string `"true"`).
pub fn is_true(n: Option<&Node>) -> bool {
    n.and_then(Node::as_bool) == Some(true)
}

/// True if `n` is `true` or an unevaluated expression (`var.x`, a conditional, a call, a
/// CloudFormation `Ref`/`Fn::If`): a value zerokey cannot know is not reported as off.
pub fn is_true_or_unknown(n: Option<&Node>) -> bool {
    is_true(n) || n.is_some_and(is_unknown)
}

/// True for an unevaluated expression or intrinsic.
pub fn is_unknown(n: &Node) -> bool {
    match &n.kind {
        Kind::Expr(_) | Kind::Call(..) => true,
        Kind::Str(s) => s.contains("${"),
        Kind::Map(es) => es.len() == 1 && (es[0].key == "Ref" || es[0].key.starts_with("Fn::")),
        _ => false,
    }
}

/// The S3 buckets (Terraform `aws_s3_bucket`, CloudFormation `AWS::S3::Bucket`).
pub fn buckets(i: &Infra) -> impl Iterator<Item = &Resource> {
    i.of_type(&["aws_s3_bucket", "AWS::S3::Bucket"])
}

/// A scalar or an unevaluated expression as written (`-1` in HCL is an expression).
pub fn text(n: &Node) -> &str {
    match &n.kind {
        Kind::Str(s) | Kind::Num(s) | Kind::Expr(s) => s.trim(),
        Kind::Bool(true) => "true",
        Kind::Bool(false) => "false",
        _ => "",
    }
}
