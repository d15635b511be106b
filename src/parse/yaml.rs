//! YAML 1.2 into the spanned [`Node`] tree, on granit-parser's event stream.
//!
//! Keeps CloudFormation short-form tags (`!Ref`, `!Sub`, `!GetAtt`, …) as [`Value::Tagged`],
//! collects comments (suppressions live in them), resolves plain scalars with the YAML 1.2
//! core schema, and expands aliases itself with a bound ([`MAX_ALIAS_NODES`]) so an alias bomb
//! is an error, not an out-of-memory. The builder keeps an explicit stack; granit-parser bounds
//! nesting at 255 flow and 255 block levels.

use std::collections::{HashMap, HashSet};

use granit_parser::{Event, Parser, ScalarStyle, ScanError, Span as YamlSpan, options};

use super::{DuplicateKey, Entry, KeyIndex, Node, ParseError, ParseErrorKind, Parsed, Text, Value};
use crate::source::Span;

/// Alias expansion may copy at most this many nodes per file ...
pub const MAX_ALIAS_NODES: usize = 100_000;
/// ... and at most this many bytes of scalar text.
pub const MAX_ALIAS_BYTES: usize = 16 * 1024 * 1024;

/// What a subtree costs to copy: nodes and scalar bytes.
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
    /// Nesting levels below the node (0 for a scalar): an alias must not deepen the tree past
    /// the limit the parser enforces on written nesting.
    height: usize,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.nodes += other.nodes;
        self.bytes += other.bytes;
    }

    fn add_child(&mut self, child: Size) {
        self.add(child);
        self.height = self.height.max(child.height + 1);
    }
}

/// Deepest tree the builder produces (the parser allows 255 flow plus 255 block levels).
const MAX_TREE_DEPTH: usize = super::MAX_DEPTH * 2;

/// Parses every document of a YAML stream; the first error fails the whole stream.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut parsed = parse_stream(text);
    match parsed.error.take() {
        Some(err) => Err(err),
        None => Ok(parsed),
    }
}

/// Parses a YAML stream as far as it goes: the documents completed before an error are kept
/// (a broken last document must not hide the findings of the ones before it), and the error
/// is in [`Parsed::error`].
#[must_use]
pub fn parse_stream(text: &str) -> Parsed {
    let mut builder = Builder {
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        aliased: aliased_anchors(text),
        budget: super::TreeBudget::for_text(text.len()),
        expanded: Size::default(),
        parsed: Parsed::default(),
        complete: 0,
    };
    let mut parser = new_parser(text);
    while let Some(next) = parser.next_event() {
        let result = next.map_err(|e| scan_error(text, &e)).and_then(|(event, span)| builder.event(&event, span));
        if let Err(err) = result {
            builder.parsed.documents.truncate(builder.complete);
            builder.parsed.error = Some(err);
            break;
        }
    }
    builder.parsed
}

fn new_parser(text: &str) -> Parser<'_, granit_parser::StrInput<'_>> {
    // Comments are buffered while the parser looks ahead; a commented-out block of a template
    // can be long, and the buffer is bounded by the file size anyway.
    Parser::new_from_str_with_options(text, options! { max_buffered_comment_events: usize::MAX })
}

/// The anchors some alias refers to. Only those are kept while the tree is built: copying
/// every anchored node (nested anchors copy their subtrees again at every level) is how a
/// 434 KB file took 1.9 GiB. The prescan parses the stream a second time, so it runs only
/// when the text may hold both an anchor and an alias: an `&` or `*` where a node can start
/// (after whitespace or a flow indicator), not inside `a&b` or `s3:*`.
fn aliased_anchors(text: &str) -> HashSet<usize> {
    let mut aliased = HashSet::new();
    if !(may_start_node(text, b'&') && may_start_node(text, b'*')) {
        return aliased;
    }
    let mut parser = new_parser(text);
    while let Some(Ok((event, _))) = parser.next_event() {
        if let Event::Alias(id) = event {
            aliased.insert(id);
        }
    }
    aliased
}

fn scan_error(text: &str, err: &ScanError) -> ParseError {
    let offset = err.marker().byte_offset().unwrap_or(0).min(text.len());
    let end = text[offset..].chars().next().map_or(offset, |c| offset + c.len_utf8());
    let kind = if format!("{:?}", err.kind()).contains("Limit") { ParseErrorKind::Limit } else { ParseErrorKind::Syntax };
    ParseError { kind, message: err.info(), span: Span::new(offset, end) }
}

fn byte_span(span: &YamlSpan) -> Span {
    span.byte_range().map_or_else(Span::default, |r| Span::new(r.start, r.end))
}

/// A collection being built.
struct Frame {
    kind: FrameKind,
    start: usize,
    /// End of the last child (block collections have no closing token).
    end: usize,
    tag: Option<(Box<str>, usize)>,
    anchor: usize,
    /// Size of this subtree, for the alias budget.
    size: Size,
}

enum FrameKind {
    Sequence(Vec<Node>),
    Mapping { entries: Vec<Entry>, key: Option<(Text, Span)>, keys: KeyIndex },
}

struct Builder<'t> {
    text: &'t str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, Size)>,
    /// Anchor ids that an alias refers to (only these are copied).
    aliased: HashSet<usize>,
    /// Memory of the tree built so far (aliases included).
    budget: super::TreeBudget,
    /// Nodes copied for anchors and aliases so far, against the alias budget.
    expanded: Size,
    parsed: Parsed,
    /// Documents completed (an error drops a document still being built).
    complete: usize,
}

/// How a tag changes a node: kept as a CloudFormation-style tag, or a core-schema override.
enum TagUse {
    Keep(Box<str>, usize),
    ForceString,
    None,
}

fn tag_use(event: &Event<'_>, span: &YamlSpan) -> TagUse {
    let Some(tag) = event.tag() else { return TagUse::None };
    if tag.original_handle() == "!!" {
        return if tag.suffix() == "str" { TagUse::ForceString } else { TagUse::None };
    }
    let start = span.tag_span().map_or_else(|| byte_span(span).start(), |t| byte_span(&t).start());
    let name = tag.suffix().trim_start_matches('!');
    TagUse::Keep(name.into(), start)
}

impl Builder<'_> {
    fn event(&mut self, event: &Event<'_>, span: YamlSpan) -> Result<(), ParseError> {
        let bytes = byte_span(&span);
        match event {
            Event::Comment(text, _) => self.parsed.comments.push((bytes, text.to_string())),
            Event::Scalar(value, style, anchor, _) => {
                let tag = tag_use(event, &span);
                let span = if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) { self.trim_end(bytes) } else { bytes };
                let size = Size { nodes: 1, bytes: value.len(), height: 0 };
                let value = match (&tag, style) {
                    (TagUse::ForceString, _)
                    | (_, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted | ScalarStyle::Literal | ScalarStyle::Folded) => {
                        Value::String(value.as_ref().into())
                    }
                    _ => resolve_plain(value),
                };
                let node = with_tag(Node::new(value, span), tag);
                self.finish_node(node, *anchor, size)?;
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                let tag = match tag_use(event, &span) {
                    TagUse::Keep(name, start) => Some((name, start)),
                    _ => None,
                };
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    FrameKind::Sequence(Vec::new())
                } else {
                    FrameKind::Mapping { entries: Vec::new(), key: None, keys: KeyIndex::default() }
                };
                if self.stack.len() > MAX_TREE_DEPTH {
                    return Err(ParseError { kind: ParseErrorKind::Limit, message: "nesting too deep".into(), span: bytes });
                }
                self.stack.push(Frame {
                    kind,
                    start: bytes.start(),
                    end: bytes.end(),
                    tag,
                    anchor: *anchor,
                    size: Size { nodes: 1, bytes: 0, height: 0 },
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return Ok(()) };
                // Flow collections end at their closing bracket; block ones at their last child.
                let closing = self.text.as_bytes().get(bytes.start()).is_some_and(|b| matches!(b, b']' | b'}'));
                let end = if closing { bytes.end() } else { frame.end.max(frame.start) };
                let span = Span::new(frame.start, end);
                let value = match frame.kind {
                    FrameKind::Sequence(mut items) => {
                        items.shrink_to_fit();
                        Value::Array(items)
                    }
                    FrameKind::Mapping { entries, .. } => {
                        let mut entries = merge_keys(entries);
                        entries.shrink_to_fit();
                        Value::Object(entries)
                    }
                };
                let tag = frame.tag.map_or(TagUse::None, |(name, start)| TagUse::Keep(name, start));
                let node = with_tag(Node::new(value, span), tag);
                self.finish_node(node, frame.anchor, frame.size)?;
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(id) else {
                    return Err(ParseError { kind: ParseErrorKind::Syntax, message: "unknown alias".into(), span: bytes });
                };
                self.expanded.add(*size);
                if self.stack.len() + size.height > MAX_TREE_DEPTH {
                    return Err(ParseError {
                        kind: ParseErrorKind::Limit,
                        message: "an alias nests the document too deep".into(),
                        span: bytes,
                    });
                }
                self.check_budget(bytes)?;
                let (mut node, size) = (node.clone(), *size);
                node.span = bytes;
                self.finish_node(node, 0, size)?;
            }
            Event::DocumentEnd => {
                self.stack.clear();
                self.complete = self.parsed.documents.len();
            }
            _ => {}
        }
        Ok(())
    }

    /// Block scalars' spans run on to the next token; end them at their last non-blank byte.
    fn trim_end(&self, span: Span) -> Span {
        let raw = self.text.get(span.start()..span.end()).unwrap_or("");
        Span::new(span.start(), span.start() + raw.trim_end().len())
    }

    fn finish_node(&mut self, node: Node, anchor: usize, size: Size) -> Result<(), ParseError> {
        if anchor != 0 && self.aliased.contains(&anchor) {
            // The copy kept for later aliases counts against the same budget as their expansion.
            self.expanded.add(size);
            self.check_budget(node.span)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        // A value completing a mapping entry also costs the entry and its key.
        let key = match self.stack.last() {
            Some(Frame { kind: FrameKind::Mapping { key: Some((key, _)), .. }, .. }) => Some(key.len()),
            _ => None,
        };
        let text = node.as_str().map_or(0, str::len) + key.unwrap_or(0);
        let extra = key.map_or(0, |_| std::mem::size_of::<Entry>() - std::mem::size_of::<Node>());
        // An alias's copy costs its whole subtree, counted by the alias budget; here its root.
        if self.budget.charge(std::mem::size_of::<Node>() + extra, text) {
            return Err(self.budget.error(Span::new(node.span.start(), node.span.start())));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.parsed.documents.push(node);
            return Ok(());
        };
        parent.end = parent.end.max(node.span.end());
        parent.size.add_child(size);
        match &mut parent.kind {
            FrameKind::Sequence(items) => items.push(node),
            FrameKind::Mapping { entries, key, keys } => match key.take() {
                None => *key = Some((key_text(self.text, &node), node.span)),
                Some((key, key_span)) => {
                    if let Some(first) = keys.earlier(entries, &key, key_span) {
                        self.parsed.duplicates.push(DuplicateKey { key: key.to_string(), span: key_span, first });
                    }
                    entries.push(Entry { key, key_span, value: node });
                }
            },
        }
        Ok(())
    }

    fn check_budget(&self, span: Span) -> Result<(), ParseError> {
        if self.expanded.nodes > MAX_ALIAS_NODES || self.expanded.bytes > MAX_ALIAS_BYTES {
            return Err(ParseError {
                kind: ParseErrorKind::Limit,
                message: format!("aliases expand to more than {MAX_ALIAS_NODES} nodes or {} MiB of text", MAX_ALIAS_BYTES >> 20),
                span,
            });
        }
        Ok(())
    }
}

/// Whether `marker` occurs where YAML allows a node property to start: at the start of the
/// text (after a byte-order mark too), or after whitespace or a flow indicator.
fn may_start_node(text: &str, marker: u8) -> bool {
    let bytes = text.as_bytes();
    let content = if text.starts_with('\u{feff}') { 3 } else { 0 };
    bytes.iter().enumerate().any(|(i, b)| {
        *b == marker && (i == content || (i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',')))
    })
}

/// Resolves YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`) as PyYAML and the SAM CLI do:
/// keys written in the mapping win, then earlier merged mappings over later ones.
fn merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| &*e.key == "<<") {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| &*e.key == "<<");
    let mut present: std::collections::HashSet<Text> = own.iter().map(|e| e.key.clone()).collect();
    for merge in merges {
        let sources: Vec<Node> = match merge.value.value {
            Value::Object(_) => vec![merge.value],
            Value::Array(items) => items,
            // Not a mapping: keep it as an ordinary key.
            _ => {
                own.push(merge);
                continue;
            }
        };
        for source in sources {
            if let Value::Object(inherited) = source.value {
                for entry in inherited {
                    if present.insert(entry.key.clone()) {
                        own.push(entry);
                    }
                }
            }
        }
    }
    own
}

fn with_tag(node: Node, tag: TagUse) -> Node {
    match tag {
        TagUse::Keep(name, start) => {
            let span = Span::new(start.min(node.span.start()), node.span.end());
            Node::new(Value::Tagged(name, Box::new(node)), span)
        }
        _ => node,
    }
}

/// A mapping key as text: scalars by value, anything else by its source.
fn key_text(text: &str, node: &Node) -> Text {
    match &node.value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string().into(),
        _ => text.get(node.span.start()..node.span.end()).unwrap_or("").into(),
    }
}

/// YAML 1.2 core schema for plain scalars: null, booleans, integers (decimal, `0x`, `0o`) and
/// floats; anything else is a string (`2012-10-17` stays a string, as in YAML 1.2).
fn resolve_plain(raw: &str) -> Value {
    match raw {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Number(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Number(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Number(f64::NAN),
        _ => {}
    }
    let radix = raw.strip_prefix("0x").map(|d| (d, 16)).or_else(|| raw.strip_prefix("0o").map(|d| (d, 8)));
    if let Some((digits, radix)) = radix
        && let Ok(v) = i64::from_str_radix(digits, radix)
    {
        #[allow(clippy::cast_precision_loss)]
        return Value::Number(v as f64);
    }
    if is_core_number(raw)
        && let Ok(v) = raw.parse::<f64>()
    {
        return Value::Number(v);
    }
    Value::String(raw.into())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_number(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - s
    };
    let int = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac = digits(&mut i);
        if int == 0 && frac == 0 {
            return false;
        }
    } else if int == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Intrinsics;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start()..span.end()]
    }

    #[test]
    fn tags_spans_and_scalars() {
        let text = "# deploylint:ignore x\nA: !Ref B\nC: !GetAtt a.b\nD: [1, \"x\", true, ~]\nE: !Sub |\n  {\"a\": 1}\nF: 2012-10-17\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.comments.len(), 1);
        let doc = &parsed.documents[0];
        let a = doc.get("A").unwrap();
        assert_eq!(slice(text, a.span), "!Ref B");
        assert_eq!(a.intrinsic().map(|(n, v)| (n, v.as_str())), Some(("Ref", Some("B"))));
        let d = doc.get("D").unwrap().as_array().unwrap();
        assert_eq!(d[0].value, Value::Number(1.0));
        assert_eq!(d[2].value, Value::Bool(true));
        assert_eq!(d[3].value, Value::Null);
        let Value::Tagged(_, e) = &doc.get("E").unwrap().value else { panic!() };
        assert_eq!(slice(text, e.span), "{\"a\": 1}");
        assert_eq!(doc.get_str("F"), Some("2012-10-17"));
        let c = doc.entry("C").unwrap();
        assert_eq!(slice(text, c.key_span), "C");
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='k' {
            text.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        let err = parse(&text).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::Limit);
    }

    #[test]
    fn long_scalar_alias_bomb_is_bounded() {
        let text = format!("a: &a \"{}\"\nb: [{}]\n", "x".repeat(200_000), vec!["*a"; 500].join(", "));
        assert_eq!(parse(&text).unwrap_err().kind, ParseErrorKind::Limit);
    }

    #[test]
    fn aliases_cannot_deepen_past_the_limit() {
        let mut text = String::from("a0: &a0 [x]\n");
        for i in 1..40 {
            let open = "[".repeat(200);
            let close = "]".repeat(200);
            text.push_str(&format!("a{i}: &a{i} {open}*a{}{close}\n", i - 1));
        }
        assert_eq!(parse(&text).unwrap_err().kind, ParseErrorKind::Limit);
    }

    #[test]
    fn errors_carry_byte_offsets() {
        let err = parse("é: [1, 2\n").unwrap_err();
        assert_eq!(err.span.start(), 4);
    }

    #[test]
    fn long_comment_blocks_parse() {
        let mut text = String::from("A:\n");
        for i in 0..500 {
            text.push_str(&format!("  # line {i}\n"));
        }
        text.push_str("  B: 1\n");
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.comments.len(), 500);
    }

    #[test]
    fn aliases_resolve_wherever_yaml_allows_an_anchor() {
        for text in [
            "\u{feff}- &a x\n- *a\n",
            "a: &a x\nb: *a\n",
            "a: [&a x, *a]\n",
            "a: {k: &a x}\nb: *a\n",
            "a: !Sub &a x\nb: *a\n",
            "- &a x\n- *a\n",
            "a:\t&a x\nb:\t*a\n",
        ] {
            let parsed = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
            assert_eq!(parsed.documents.len(), 1, "{text:?}");
        }
        assert!(!may_start_node("url: a?b=1&c=2\nAction: s3:*\n", b'&'));
        assert!(!may_start_node("Action: 's3:*'\n", b'*'));
    }

    #[test]
    fn merge_keys_resolve() {
        let text = "d: &d {TimeoutSeconds: 30, Type: Pass}\ns:\n  <<: *d\n  Type: Task\n";
        let doc = &parse(text).unwrap().documents[0];
        let s = doc.get("s").unwrap();
        assert_eq!(s.get_str("Type"), Some("Task"));
        assert_eq!(s.get("TimeoutSeconds").map(|n| n.value.clone()), Some(Value::Number(30.0)));
        assert!(s.get("<<").is_none());
    }

    #[test]
    fn duplicate_keys_found() {
        let parsed = parse("a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(parsed.duplicates.len(), 1);
    }
}
