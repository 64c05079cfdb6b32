//! A GitHub Actions workflow: triggers, permissions, env, jobs and steps, with spans, plus the
//! `${{ … }}` expressions in it.

use crate::error::ParseError;
use crate::node::{Kind, Node};
use crate::source::SourceFile;
use std::ops::Range;
use std::sync::Arc;

/// A parsed workflow.
#[derive(Debug)]
pub struct Workflow {
    /// The file.
    pub src: Arc<SourceFile>,
    /// The document.
    pub root: Node,
    /// Event names under `on:`.
    pub triggers: Vec<String>,
    /// Workflow-level `permissions:`.
    pub permissions: Option<Node>,
    /// Workflow-level `env:`.
    pub env: Option<Node>,
    /// Jobs in order.
    pub jobs: Vec<Job>,
}

/// One job.
#[derive(Debug)]
pub struct Job {
    /// Job id.
    pub id: String,
    /// The job mapping.
    pub node: Node,
    /// Its steps.
    pub steps: Vec<Step>,
}

/// One step.
#[derive(Debug)]
pub struct Step {
    /// Index in the job.
    pub index: usize,
    /// The step mapping.
    pub node: Node,
}

/// One `${{ … }}` expression (or an `if:` condition).
#[derive(Debug, Clone)]
pub struct Expression {
    /// The text inside the braces.
    pub text: String,
    /// Where it is in the file (best effort for block scalars).
    pub span: Range<usize>,
    /// Logical path of the value holding it.
    pub logical: String,
    /// True for an `if:` value.
    pub in_if: bool,
}

impl Workflow {
    /// Parses a workflow file.
    pub fn parse(src: SourceFile) -> Result<Self, ParseError> {
        let root = crate::node::parse_yaml(&src)?;
        if !root.is_map() {
            let (line, column) = src.line_col(root.span.start);
            return Err(ParseError {
                path: src.path.clone(),
                line,
                column,
                message: "not a workflow: the document is not a mapping".into(),
            });
        }
        // `on` may be read as the key "on" or, by YAML 1.1 readers, "true".
        let on = root.get("on").or_else(|| root.get("true"));
        let triggers = match on.map(|n| &n.kind) {
            Some(Kind::Str(s)) => vec![s.clone()],
            Some(Kind::Seq(v)) => v
                .iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect(),
            Some(Kind::Map(es)) => es.iter().map(|e| e.key.clone()).collect(),
            _ => Vec::new(),
        };
        let jobs = root
            .get("jobs")
            .map(|j| {
                j.entries()
                    .iter()
                    .map(|e| Job {
                        id: e.key.clone(),
                        steps: e
                            .value
                            .get("steps")
                            .map(|s| {
                                s.items()
                                    .into_iter()
                                    .enumerate()
                                    .map(|(index, n)| Step {
                                        index,
                                        node: n.clone(),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        node: e.value.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Workflow {
            permissions: root.get("permissions").cloned(),
            env: root.get("env").cloned(),
            triggers,
            jobs,
            root,
            src: Arc::new(src),
        })
    }

    /// Every expression in the workflow, with its logical path.
    pub fn expressions(&self) -> Vec<Expression> {
        let mut out = Vec::new();
        walk(&self.src, &self.root, String::new(), false, &mut out);
        out
    }
}

impl Job {
    /// Logical path `jobs.<id>`.
    pub fn path(&self) -> String {
        format!("jobs.{}", self.id)
    }
}

impl Step {
    /// `uses:` without the version.
    pub fn action(&self) -> Option<&str> {
        self.node
            .get("uses")
            .and_then(Node::as_str)
            .map(|u| u.split('@').next().unwrap_or(u))
    }
    /// A `with:` input.
    pub fn input(&self, name: &str) -> Option<&Node> {
        self.node.get("with").and_then(|w| w.get(name))
    }
    /// The `run:` script.
    pub fn run(&self) -> Option<&Node> {
        self.node.get("run")
    }
    /// Logical path of the step in `job`.
    pub fn path(&self, job: &Job) -> String {
        format!("jobs.{}.steps[{}]", job.id, self.index)
    }
}

fn walk(src: &SourceFile, n: &Node, path: String, in_if: bool, out: &mut Vec<Expression>) {
    match &n.kind {
        Kind::Map(es) => {
            for e in es {
                let p = if path.is_empty() {
                    e.key.clone()
                } else {
                    format!("{path}.{}", e.key)
                };
                walk(src, &e.value, p, e.key == "if", out);
            }
        }
        Kind::Seq(v) => {
            for (i, c) in v.iter().enumerate() {
                walk(src, c, format!("{path}[{i}]"), false, out);
            }
        }
        Kind::Str(s) => {
            let raw = src.slice(&n.span);
            let mut found = false;
            let mut from = 0;
            while let Some(i) = s[from..].find("${{") {
                let start = from + i;
                let (text, end) = match s[start + 3..].find("}}") {
                    Some(j) => (s[start + 3..start + 3 + j].to_string(), start + 5 + j),
                    None => (s[start + 3..].to_string(), s.len()),
                };
                let whole = &s[start..end];
                let span = raw
                    .find(whole)
                    .map(|k| n.span.start + k..n.span.start + k + whole.len())
                    .unwrap_or_else(|| n.span.clone());
                let unterminated = !whole.ends_with("}}");
                out.push(Expression {
                    text: if unterminated {
                        format!("\u{0}{text}")
                    } else {
                        text
                    },
                    span,
                    logical: path.clone(),
                    in_if,
                });
                found = true;
                from = end;
            }
            if in_if && !found {
                out.push(Expression {
                    text: s.clone(),
                    span: n.span.clone(),
                    logical: path,
                    in_if,
                });
            }
        }
        _ => {}
    }
}

/// The names of secrets an expression reads (`secrets.X`, `secrets['X']`), upper-cased.
pub fn secret_names(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (root, prop, _) in context_refs(expr) {
        if root.eq_ignore_ascii_case("secrets") {
            if let Some(p) = prop {
                out.push(p.to_ascii_uppercase());
            }
        }
    }
    out
}

/// Context references in an expression: (root identifier, first property, byte offset).
pub fn context_refs(expr: &str) -> Vec<(String, Option<String>, usize)> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            i += 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                i += 1;
            }
            let ident = &expr[start..i];
            let prev = expr[..start].trim_end().chars().last();
            let next = expr[i..].trim_start().chars().next();
            if prev == Some('.') || next == Some('(') {
                continue;
            }
            if matches!(
                ident.to_ascii_lowercase().as_str(),
                "true" | "false" | "null"
            ) {
                continue;
            }
            let rest = &expr[i..];
            let prop = if let Some(r) = rest.strip_prefix('.') {
                let p: String = r
                    .chars()
                    .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-')
                    .collect();
                Some(p)
            } else {
                rest.strip_prefix("['")
                    .or_else(|| rest.strip_prefix("[\""))
                    .map(|r| {
                        r.chars()
                            .take_while(|ch| *ch != '\'' && *ch != '"')
                            .collect()
                    })
            };
            out.push((ident.to_string(), prop, start));
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Effective permissions of a job: its own, else the workflow's. `None`: not set anywhere.
pub fn effective_permissions<'a>(wf: &'a Workflow, job: &'a Job) -> Option<&'a Node> {
    job.node.get("permissions").or(wf.permissions.as_ref())
}

/// True if `perms` grants `scope: write` (directly or through `write-all`).
pub fn grants_write(perms: &Node, scope: &str) -> bool {
    match &perms.kind {
        Kind::Str(s) => s == "write-all",
        Kind::Map(_) => perms.get(scope).and_then(Node::as_str) == Some("write"),
        _ => false,
    }
}

/// Env mappings that apply to a step: workflow, job, step (later wins).
pub fn env_chain<'a>(
    wf: &'a Workflow,
    job: &'a Job,
    step: Option<&'a Step>,
) -> Vec<&'a crate::node::Entry> {
    let mut out: Vec<&crate::node::Entry> = Vec::new();
    let scopes = [
        wf.env.as_ref(),
        job.node.get("env"),
        step.and_then(|s| s.node.get("env")),
    ];
    for e in scopes.into_iter().flatten().flat_map(|n| n.entries()) {
        out.retain(|x| x.key != e.key);
        out.push(e);
    }
    out
}
