//! Terraform (HCL) files read with `hcl-edit` into the span-keeping [`Node`] tree: each
//! top-level block (`resource`, `data`, …) with its labels; nested blocks become mapping
//! entries (repeated keys kept), references and operations stay unevaluated expressions.

use crate::error::ParseError;
use crate::node::{Entry, Kind, Node};
use crate::source::SourceFile;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span;
use std::ops::Range;

/// A top-level block: `resource "aws_s3_bucket" "data" { … }`.
#[derive(Debug, Clone)]
pub struct TfBlock {
    /// `resource`, `data`, `module`, `variable`, …
    pub kind: String,
    /// The labels (`["aws_s3_bucket", "data"]`).
    pub labels: Vec<String>,
    /// The block's span.
    pub span: Range<usize>,
    /// The body as a mapping (attributes and nested blocks, in order).
    pub body: Node,
}

/// Parses a `.tf` file.
pub fn parse(src: &SourceFile) -> Result<Vec<TfBlock>, ParseError> {
    let body = hcl_edit::parser::parse_body(&src.text).map_err(|e| {
        let loc = e.location();
        ParseError {
            path: src.path.clone(),
            line: loc.line().max(1),
            column: loc.column().max(1),
            message: format!("invalid HCL: {}", e.message()),
        }
    })?;
    let mut out = Vec::new();
    for s in body.iter() {
        if let Structure::Block(b) = s {
            let span = b.span().unwrap_or(0..0);
            out.push(TfBlock {
                kind: b.ident.value().as_str().to_string(),
                labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                body: body_node(src, &b.body, span.clone()),
                span,
            });
        }
    }
    Ok(out)
}

fn body_node(src: &SourceFile, body: &Body, span: Range<usize>) -> Node {
    let mut entries = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key_span = a.key.span().unwrap_or(0..0);
                entries.push(Entry {
                    key: a.key.value().as_str().to_string(),
                    key_span,
                    value: expr_node(src, &a.value),
                });
            }
            Structure::Block(b) => {
                let bspan = b.span().unwrap_or(0..0);
                entries.push(Entry {
                    key: b.ident.value().as_str().to_string(),
                    key_span: b.ident.span().unwrap_or(bspan.clone()),
                    value: body_node(src, &b.body, bspan),
                });
            }
        }
    }
    Node::new(span, Kind::Map(entries))
}

fn expr_node(src: &SourceFile, e: &Expression) -> Node {
    let span = e.span().unwrap_or(0..0);
    let kind = match e {
        Expression::Null(_) => Kind::Null,
        Expression::Bool(b) => Kind::Bool(*b.value()),
        Expression::Number(_) => Kind::Num(src.slice(&span).trim().to_string()),
        Expression::String(s) => Kind::Str(s.value().clone()),
        Expression::StringTemplate(_) => {
            let t = src.slice(&span).trim();
            let t = t.strip_prefix('"').unwrap_or(t);
            Kind::Str(t.strip_suffix('"').unwrap_or(t).to_string())
        }
        Expression::HeredocTemplate(_) => Kind::Str(heredoc_body(src, &span).1),
        Expression::Array(a) => Kind::Seq(a.iter().map(|x| expr_node(src, x)).collect()),
        Expression::Object(o) => Kind::Map(
            o.iter()
                .map(|(k, v)| {
                    let key_span = k.span().unwrap_or(0..0);
                    let key = match k {
                        ObjectKey::Ident(i) => i.value().as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        ObjectKey::Expression(x) => {
                            src.slice(&x.span().unwrap_or(0..0)).trim().to_string()
                        }
                    };
                    Entry {
                        key,
                        key_span,
                        value: expr_node(src, v.expr()),
                    }
                })
                .collect(),
        ),
        Expression::Parenthesis(p) => return expr_node(src, p.inner()),
        Expression::FuncCall(f) => Kind::Call(
            f.name.name.value().as_str().to_string(),
            (&f.args).into_iter().map(|x| expr_node(src, x)).collect(),
        ),
        _ => Kind::Expr(src.slice(&span).trim().to_string()),
    };
    Node::new(span, kind)
}

/// The byte range and text of a heredoc's content (between the `<<EOF` line and the closing
/// delimiter line).
pub fn heredoc_body(src: &SourceFile, span: &Range<usize>) -> (Range<usize>, String) {
    let text = src.slice(span);
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let end = text
        .trim_end()
        .rfind('\n')
        .map_or(start, |i| i + 1)
        .max(start);
    let range = span.start + start..span.start + end;
    (range.clone(), src.slice(&range).to_string())
}

/// True for a heredoc (the node's source text starts with `<<`).
pub fn is_heredoc(src: &SourceFile, n: &Node) -> bool {
    src.slice(&n.span).trim_start().starts_with("<<")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_attributes_and_spans() {
        let src = SourceFile::new(
            "main.tf",
            "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"x\"\n  versioning {\n    enabled = true\n  }\n  tags = { a = var.b }\n}\n"
                .to_string(),
        );
        let blocks = parse(&src).unwrap_or_default();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].labels, ["aws_s3_bucket", "data"]);
        let b = &blocks[0].body;
        assert_eq!(b.get("bucket").and_then(Node::as_str), Some("x"));
        let v = b.get("versioning").and_then(|v| v.get("enabled"));
        assert_eq!(v.and_then(Node::as_bool), Some(true));
        let line = v.map(|v| src.line_col(v.span.start).0);
        assert_eq!(line, Some(4));
        let tag = b
            .get("tags")
            .and_then(|t| t.get("a"))
            .map(|n| n.kind.clone());
        assert_eq!(tag, Some(Kind::Expr("var.b".into())));
    }

    #[test]
    fn malformed_names_the_line() {
        let src = SourceFile::new("bad.tf", "resource \"a\" \"b\" {\n  x = \n}\n".to_string());
        let e = parse(&src)
            .err()
            .map(|e| (e.line, e.message.starts_with("invalid HCL")));
        assert_eq!(e.map(|e| e.1), Some(true));
    }
}
