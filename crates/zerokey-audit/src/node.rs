//! A document tree with byte spans, shared by the YAML, JSON and HCL readers: scalars, sequences,
//! mappings (duplicate keys kept, as HCL blocks repeat), unevaluated expressions and calls.

use crate::error::ParseError;
use crate::source::SourceFile;
use std::borrow::Cow;
use std::ops::Range;

/// One node and where it is in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Byte span in the file.
    pub span: Range<usize>,
    /// The value.
    pub kind: Kind,
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key is.
    pub key_span: Range<usize>,
    /// The value.
    pub value: Node,
}

/// Node values.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`, `~`, or nothing.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, as written.
    Num(String),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<Entry>),
    /// An expression that is not evaluated (an HCL reference or operation), as written.
    Expr(String),
    /// A function call (HCL), e.g. `jsonencode({...})`.
    Call(String, Vec<Node>),
}

impl Node {
    /// A node.
    pub fn new(span: Range<usize>, kind: Kind) -> Self {
        Node { span, kind }
    }

    /// The entries of a mapping (empty otherwise).
    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map(e) => e,
            _ => &[],
        }
    }

    /// The first value under `key` (exact).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// The first entry under `key`, ASCII case-insensitive.
    pub fn entry_ci(&self, key: &str) -> Option<&Entry> {
        self.entries()
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// The first value under `key`, ASCII case-insensitive.
    pub fn get_ci(&self, key: &str) -> Option<&Node> {
        self.entry_ci(key).map(|e| &e.value)
    }

    /// Every value under `key` (HCL blocks repeat).
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.entries()
            .iter()
            .filter(move |e| e.key == key)
            .map(|e| &e.value)
    }

    /// A scalar as text: strings, numbers and booleans.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) | Kind::Num(s) => Some(s),
            Kind::Bool(true) => Some("true"),
            Kind::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// A boolean, also from the strings `true`/`false`.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            Kind::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Kind::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// Items of a sequence, or the node itself (IAM allows a string or a list).
    pub fn items(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::Seq(v) => v.iter().collect(),
            Kind::Null => Vec::new(),
            _ => vec![self],
        }
    }

    /// True for mappings.
    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }

    /// Every string scalar in the subtree, with its node.
    pub fn strings<'a>(&'a self, out: &mut Vec<&'a Node>) {
        match &self.kind {
            Kind::Str(_) | Kind::Expr(_) => out.push(self),
            Kind::Seq(v) | Kind::Call(_, v) => v.iter().for_each(|n| n.strings(out)),
            Kind::Map(es) => es.iter().for_each(|e| e.value.strings(out)),
            _ => {}
        }
    }
}

fn perr(src: &SourceFile, offset: usize, message: impl Into<String>) -> ParseError {
    let (line, column) = src.line_col(offset);
    ParseError {
        path: src.path.clone(),
        line,
        column,
        message: message.into(),
    }
}

/// Parses JSON text starting at byte `base` of `src` (the whole file: `base` 0, `end` len).
pub fn parse_json(src: &SourceFile, base: usize, end: usize) -> Result<Node, ParseError> {
    let bytes = src.text.as_bytes();
    let mut p = Json {
        b: &bytes[..end.min(bytes.len())],
        i: base,
        src,
        depth: 0,
    };
    p.ws();
    let n = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(perr(src, p.i, "invalid JSON: trailing characters"));
    }
    Ok(n)
}

struct Json<'a> {
    b: &'a [u8],
    i: usize,
    src: &'a SourceFile,
    depth: usize,
}

impl Json<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }
    fn err<T>(&self, m: &str) -> Result<T, ParseError> {
        Err(perr(self.src, self.i, format!("invalid JSON: {m}")))
    }
    fn value(&mut self) -> Result<Node, ParseError> {
        self.depth += 1;
        if self.depth > 256 {
            return self.err("nested too deeply");
        }
        let start = self.i;
        let r = match self.b.get(self.i) {
            None => self.err("unexpected end of input"),
            Some(b'{') => {
                self.i += 1;
                let mut entries = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let ks = self.i;
                        if self.b.get(self.i) != Some(&b'"') {
                            return self.err("expected a string key");
                        }
                        let key = self.string()?;
                        let key_span = ks..self.i;
                        self.ws();
                        if self.b.get(self.i) != Some(&b':') {
                            return self.err("expected ':'");
                        }
                        self.i += 1;
                        self.ws();
                        let value = self.value()?;
                        entries.push(Entry {
                            key,
                            key_span,
                            value,
                        });
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.err("expected ',' or '}'"),
                        }
                    }
                }
                Ok(Node::new(start..self.i, Kind::Map(entries)))
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value()?);
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.err("expected ',' or ']'"),
                        }
                    }
                }
                Ok(Node::new(start..self.i, Kind::Seq(items)))
            }
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node::new(start..self.i, Kind::Str(s)))
            }
            Some(_) => {
                let rest = &self.b[self.i..];
                for (word, kind) in [
                    (&b"true"[..], Kind::Bool(true)),
                    (b"false", Kind::Bool(false)),
                    (b"null", Kind::Null),
                ] {
                    if rest.starts_with(word) {
                        self.i += word.len();
                        return Ok(Node::new(start..self.i, kind));
                    }
                }
                let n = rest
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
                    .count();
                if n == 0 {
                    return self.err("unexpected character");
                }
                self.i += n;
                let text = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
                Ok(Node::new(start..self.i, Kind::Num(text)))
            }
        };
        self.depth -= 1;
        r
    }
    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.b.get(self.i) {
                None => return self.err("unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    let c = self.b.get(self.i + 1).copied();
                    self.i += 2;
                    match c {
                        Some(b'n') => out.push(b'\n'),
                        Some(b't') => out.push(b'\t'),
                        Some(b'r') => out.push(b'\r'),
                        Some(b'b') => out.push(8),
                        Some(b'f') => out.push(12),
                        Some(b'u') => {
                            let hex = self
                                .b
                                .get(self.i..self.i + 4)
                                .and_then(|h| std::str::from_utf8(h).ok())
                                .and_then(|h| u32::from_str_radix(h, 16).ok());
                            let Some(cp) = hex else {
                                return self.err("bad \\u escape");
                            };
                            self.i += 4;
                            let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut buf = [0; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        Some(c @ (b'"' | b'\\' | b'/')) => out.push(c),
                        _ => return self.err("bad escape"),
                    }
                }
                Some(&c) => {
                    if c < 0x20 && c != b'\t' {
                        return self.err("control character in string");
                    }
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// Parses the first YAML document of `src`. CloudFormation short forms (`!Ref X`,
/// `!GetAtt A.B`, `!Sub …`) become their long form (`{"Ref": "X"}`, `{"Fn::GetAtt": …}`).
pub fn parse_yaml(src: &SourceFile) -> Result<Node, ParseError> {
    Ok(parse_yaml_inner(src, false)?
        .into_iter()
        .next()
        .unwrap_or_else(|| Node::new(0..0, Kind::Null)))
}

/// Parses every document of a multi-document YAML stream (`---` separated), as
/// [`parse_yaml`] does the first.
pub fn parse_yaml_docs(src: &SourceFile) -> Result<Vec<Node>, ParseError> {
    parse_yaml_inner(src, true)
}

fn parse_yaml_inner(src: &SourceFile, multi: bool) -> Result<Vec<Node>, ParseError> {
    use saphyr_parser::{Event, Parser, SpannedEventReceiver};
    // Char index -> byte offset (saphyr counts chars).
    let offsets: Option<Vec<usize>> = (!src.text.is_ascii()).then(|| {
        let mut v: Vec<usize> = src.text.char_indices().map(|(i, _)| i).collect();
        v.push(src.text.len());
        v
    });
    let to_byte = |ci: usize| -> usize {
        match &offsets {
            Some(v) => v.get(ci).copied().unwrap_or(src.text.len()),
            None => ci.min(src.text.len()),
        }
    };
    enum Frame {
        Seq(usize, Vec<Node>, Option<String>),
        Map(
            usize,
            Vec<Entry>,
            Option<(String, Range<usize>)>,
            Option<String>,
        ),
    }
    struct Recv<'s, F: Fn(usize) -> usize> {
        stack: Vec<Frame>,
        anchors: std::collections::HashMap<usize, Node>,
        docs: Vec<Node>,
        to_byte: F,
        _s: std::marker::PhantomData<&'s ()>,
    }
    fn tag_name(tag: Option<Cow<'_, saphyr_parser::Tag>>) -> Option<String> {
        tag.filter(|t| t.handle == "!").map(|t| t.suffix.clone())
    }
    fn wrap(tag: Option<String>, node: Node) -> Node {
        match tag {
            Some(t) => {
                let key = if t == "Ref" || t == "Condition" {
                    t
                } else {
                    format!("Fn::{t}")
                };
                let value = match (&key[..], &node.kind) {
                    ("Fn::GetAtt", Kind::Str(s)) => {
                        let parts: Vec<Node> = s
                            .splitn(2, '.')
                            .map(|p| Node::new(node.span.clone(), Kind::Str(p.to_string())))
                            .collect();
                        Node::new(node.span.clone(), Kind::Seq(parts))
                    }
                    _ => node.clone(),
                };
                Node::new(
                    node.span.clone(),
                    Kind::Map(vec![Entry {
                        key,
                        key_span: node.span.clone(),
                        value,
                    }]),
                )
            }
            None => node,
        }
    }
    impl<F: Fn(usize) -> usize> Recv<'_, F> {
        fn push(&mut self, node: Node, anchor: usize) {
            if anchor > 0 {
                self.anchors.insert(anchor, node.clone());
            }
            match self.stack.last_mut() {
                None => self.docs.push(node),
                Some(Frame::Seq(_, v, _)) => v.push(node),
                Some(Frame::Map(_, entries, key, _)) => match key.take() {
                    None => {
                        let k = match &node.kind {
                            Kind::Str(s) | Kind::Num(s) => s.clone(),
                            Kind::Bool(b) => b.to_string(),
                            Kind::Null => String::new(),
                            _ => "<complex key>".to_string(),
                        };
                        *key = Some((k, node.span));
                    }
                    Some((k, ks)) => entries.push(Entry {
                        key: k,
                        key_span: ks,
                        value: node,
                    }),
                },
            }
        }
    }
    impl<'input, F: Fn(usize) -> usize> SpannedEventReceiver<'input> for Recv<'_, F> {
        fn on_event(&mut self, ev: Event<'input>, span: saphyr_parser::Span) {
            let start = (self.to_byte)(span.start.index());
            let end = (self.to_byte)(span.end.index());
            match ev {
                Event::Scalar(v, style, anchor, tag) => {
                    let tag = tag_name(tag);
                    let kind = if style != saphyr_parser::ScalarStyle::Plain {
                        Kind::Str(v.into_owned())
                    } else {
                        match &*v {
                            "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
                            "true" | "True" | "TRUE" => Kind::Bool(true),
                            "false" | "False" | "FALSE" => Kind::Bool(false),
                            s if s.parse::<f64>().is_ok() && !s.starts_with('.') => {
                                Kind::Num(s.to_string())
                            }
                            s => Kind::Str(s.to_string()),
                        }
                    };
                    let kind = if tag.is_some() && matches!(kind, Kind::Null) {
                        Kind::Str(String::new())
                    } else {
                        kind
                    };
                    let node = wrap(tag, Node::new(start..end, kind));
                    self.push(node, anchor);
                }
                Event::SequenceStart(anchor, tag) => {
                    self.stack
                        .push(Frame::Seq(start, Vec::new(), tag_name(tag)));
                    let _ = anchor;
                }
                Event::MappingStart(_anchor, tag) => {
                    self.stack
                        .push(Frame::Map(start, Vec::new(), None, tag_name(tag)));
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let node = match self.stack.pop() {
                        Some(Frame::Seq(s, v, tag)) => {
                            wrap(tag, Node::new(s..end.max(s), Kind::Seq(v)))
                        }
                        Some(Frame::Map(s, v, _, tag)) => {
                            wrap(tag, Node::new(s..end.max(s), Kind::Map(v)))
                        }
                        None => return,
                    };
                    self.push(node, 0);
                }
                Event::Alias(id) => {
                    let n = self
                        .anchors
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| Node::new(start..end, Kind::Null));
                    self.push(n, 0);
                }
                _ => {}
            }
        }
    }
    let mut recv = Recv {
        stack: Vec::new(),
        anchors: std::collections::HashMap::new(),
        docs: Vec::new(),
        to_byte,
        _s: std::marker::PhantomData,
    };
    let mut parser = Parser::new_from_str(&src.text);
    parser.load(&mut recv, multi).map_err(|e| {
        let m = e.marker();
        ParseError {
            path: src.path.clone(),
            line: m.line().max(1),
            column: m.col() + 1,
            message: format!("invalid YAML: {}", e.info()),
        }
    })?;
    Ok(recv.docs)
}
