//! IAM policy documents, normalised: statements with effect, actions, resources, principals and
//! conditions, each value with its span; trust, identity and resource policies told apart.

use crate::node::{Kind, Node};
use crate::source::SourceFile;
use std::ops::Range;
use std::sync::Arc;

/// What the policy is attached as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A role's trust (assume-role) policy.
    Trust,
    /// An identity policy (user, group, role).
    Identity,
    /// A resource policy (bucket, queue, key…).
    Resource,
}

/// A string value and where it is.
#[derive(Debug, Clone)]
pub struct Val {
    /// The value (references rendered as `${…}`).
    pub value: String,
    /// Span.
    pub span: Range<usize>,
}

/// A condition entry: operator, key, values.
#[derive(Debug, Clone)]
pub struct Condition {
    /// e.g. `StringLike`.
    pub op: String,
    /// e.g. `token.actions.githubusercontent.com:sub`.
    pub key: String,
    /// Values.
    pub values: Vec<Val>,
    /// Span of the key.
    pub span: Range<usize>,
}

/// One statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Index in the policy.
    pub index: usize,
    /// Span.
    pub span: Range<usize>,
    /// Logical path.
    pub logical: String,
    /// `Effect: Allow`.
    pub allow: bool,
    /// `Action`.
    pub actions: Vec<Val>,
    /// `NotAction`.
    pub not_actions: Vec<Val>,
    /// `Resource`.
    pub resources: Vec<Val>,
    /// `NotResource`.
    pub not_resources: Vec<Val>,
    /// `(type, value)`: type is `*`, `AWS`, `Service`, `Federated`, `CanonicalUser`.
    pub principals: Vec<(String, Val)>,
    /// Conditions.
    pub conditions: Vec<Condition>,
}

/// A policy document.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The file.
    pub src: Arc<SourceFile>,
    /// Span of the document.
    pub span: Range<usize>,
    /// Logical path of the document.
    pub logical: String,
    /// Trust, identity or resource.
    pub kind: PolicyKind,
    /// Statements.
    pub statements: Vec<Statement>,
}

/// Renders a scalar or an intrinsic as text.
pub fn val(n: &Node) -> Val {
    let value = match &n.kind {
        Kind::Str(s) | Kind::Num(s) => s.clone(),
        Kind::Bool(b) => b.to_string(),
        Kind::Expr(e) => format!("${{{e}}}"),
        Kind::Map(es) if es.len() == 1 => {
            let e = &es[0];
            match (e.key.as_str(), &e.value.kind) {
                ("Ref", _) => format!("${{{}}}", val(&e.value).value),
                ("Fn::Sub", Kind::Seq(v)) => v.first().map(|x| val(x).value).unwrap_or_default(),
                ("Fn::Sub", _) => val(&e.value).value,
                ("Fn::GetAtt", Kind::Seq(v)) => format!(
                    "${{{}}}",
                    v.iter().map(|x| val(x).value).collect::<Vec<_>>().join(".")
                ),
                (k, _) => format!("${{{k}}}"),
            }
        }
        _ => "${…}".to_string(),
    };
    Val {
        value,
        span: n.span.clone(),
    }
}

fn vals(n: Option<&Node>) -> Vec<Val> {
    n.map(|n| n.items().into_iter().map(val).collect())
        .unwrap_or_default()
}

impl Policy {
    /// Reads a JSON-shaped policy (`{"Statement": …}`). `kind` None: classified by content.
    pub fn from_node(
        src: Arc<SourceFile>,
        doc: &Node,
        logical: &str,
        kind: Option<PolicyKind>,
    ) -> Option<Policy> {
        let st = doc.get_ci("Statement")?;
        let statements: Vec<Statement> = st
            .items()
            .into_iter()
            .enumerate()
            .filter(|(_, s)| s.is_map())
            .map(|(index, s)| {
                let mut principals = Vec::new();
                if let Some(p) = s.get_ci("Principal") {
                    match &p.kind {
                        Kind::Map(es)
                            if !es
                                .iter()
                                .any(|e| e.key.starts_with("Fn::") || e.key == "Ref") =>
                        {
                            for e in es {
                                for v in e.value.items() {
                                    principals.push((e.key.clone(), val(v)));
                                }
                            }
                        }
                        _ => {
                            let v = val(p);
                            let t = if v.value == "*" { "*" } else { "AWS" };
                            principals.push((t.to_string(), v));
                        }
                    }
                }
                let mut conditions = Vec::new();
                if let Some(c) = s.get_ci("Condition") {
                    for op in c.entries() {
                        for k in op.value.entries() {
                            conditions.push(Condition {
                                op: op.key.clone(),
                                key: k.key.clone(),
                                values: vals(Some(&k.value)),
                                span: k.key_span.clone(),
                            });
                        }
                    }
                }
                let path = match &st.kind {
                    Kind::Seq(_) => format!("{logical}.Statement[{index}]"),
                    _ => format!("{logical}.Statement"),
                };
                Statement {
                    index,
                    span: s.span.clone(),
                    logical: path,
                    allow: s
                        .get_ci("Effect")
                        .and_then(Node::as_str)
                        .is_none_or(|e| e.eq_ignore_ascii_case("allow")),
                    actions: vals(s.get_ci("Action")),
                    not_actions: vals(s.get_ci("NotAction")),
                    resources: vals(s.get_ci("Resource")),
                    not_resources: vals(s.get_ci("NotResource")),
                    principals,
                    conditions,
                }
            })
            .collect();
        let kind = kind.unwrap_or_else(|| classify(&statements));
        Some(Policy {
            src,
            span: doc.span.clone(),
            logical: logical.to_string(),
            kind,
            statements,
        })
    }
}

/// Trust if a statement has a principal and an `sts:AssumeRole*` action; resource if it has a
/// principal; identity otherwise.
pub fn classify(statements: &[Statement]) -> PolicyKind {
    let has_principal = statements.iter().any(|s| !s.principals.is_empty());
    let assume = statements.iter().any(|s| {
        !s.principals.is_empty()
            && s.actions
                .iter()
                .any(|a| a.value.to_ascii_lowercase().starts_with("sts:assumerole"))
    });
    if assume {
        PolicyKind::Trust
    } else if has_principal {
        PolicyKind::Resource
    } else {
        PolicyKind::Identity
    }
}

/// IAM wildcard match, case-insensitive (`*` any run, `?` one char).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

impl Statement {
    /// True if an action pattern of this statement covers `action`.
    pub fn allows_action(&self, action: &str) -> bool {
        self.actions.iter().any(|a| glob_match(&a.value, action))
    }
    /// True if the statement names principals and every one is the policy owner's own account
    /// as a whole (`arn:…:iam::${AWS::AccountId}:root`, the bare account id, or the Terraform
    /// caller identity). In a resource policy such a grant only delegates to that account's IAM
    /// policies (the default KMS key policy is `kms:*` to the account root); no one gains access.
    pub fn only_own_account_root(&self) -> bool {
        !self.principals.is_empty()
            && self.principals.iter().all(|(t, v)| {
                let v = v.value.trim();
                let own = v.contains("AWS::AccountId") || v.contains("aws_caller_identity");
                let whole_account = v.ends_with(":root") || !v.starts_with("arn:");
                t.eq_ignore_ascii_case("AWS") && own && whole_account
            })
    }
    /// Conditions whose key matches (case-insensitive).
    pub fn condition(&self, key: &str) -> Vec<&Condition> {
        self.conditions
            .iter()
            .filter(|c| c.key.eq_ignore_ascii_case(key))
            .collect()
    }
}
