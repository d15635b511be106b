//! Parsing: text → one spanned tree.
//!
//! JSON ([`json`]) and YAML ([`yaml`]) both produce [`Node`]s whose spans are byte ranges in
//! the file's original text; documents embedded in strings ([`embedded`]) are parsed into the
//! same tree with their spans mapped back through escapes and block indentation. Limits: nesting
//! depth [`MAX_DEPTH`], YAML alias expansion [`yaml::MAX_ALIAS_NODES`].

pub mod embedded;
pub mod hcl;
pub mod json;
pub mod yaml;

use crate::source::Span;

/// Nesting deeper than this is refused (recursion must never depend on input depth alone).
pub const MAX_DEPTH: usize = 256;

/// Text in the tree (keys, strings): up to 24 bytes inline, so the short keys and values that
/// make up most of a plan or template cost no allocation of their own.
pub type Text = compact_str::CompactString;

/// A value with its byte range in the original file. Equality compares values only (spans
/// and tags are ignored, object member order too), as JSONPath comparisons need.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(Text),
    Array(Vec<Node>),
    /// Entries in source order; duplicates are kept (and reported by the parser), lookups
    /// see the last one, as most JSON consumers do.
    Object(Vec<Entry>),
    /// A YAML local tag such as `!Ref`, `!Sub`, `!GetAtt`: the name without `!`, and the
    /// tagged node. The outer node's span covers the tag and the value.
    Tagged(Box<str>, Box<Node>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Text,
    pub key_span: Span,
    pub value: Node,
}

/// A syntax or limit error, with the place the parser stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub message: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    Syntax,
    Limit,
}

/// Memory a parsed tree may take, as a multiple of the text it comes from: real documents take
/// two to five times their size (a minified plan is the densest), but `[0,0,0,…]` makes a
/// 40-byte node of every two bytes. A document over the budget is a `parse/limit` finding,
/// not an out-of-memory abort.
pub const TREE_BYTES_PER_TEXT_BYTE: usize = 12;
/// Small documents may always take this much ...
pub const MIN_TREE_BYTES: usize = 16 * 1024 * 1024;
/// ... and no document more than this (a real 64 MiB plan takes about 200 MiB).
pub const MAX_TREE_BYTES: usize = 320 * 1024 * 1024;

#[derive(Clone, Copy, Debug)]
pub(crate) struct TreeBudget {
    used: usize,
    limit: usize,
}

impl TreeBudget {
    pub(crate) fn for_text(len: usize) -> Self {
        Self { used: 0, limit: len.saturating_mul(TREE_BYTES_PER_TEXT_BYTE).clamp(MIN_TREE_BYTES, MAX_TREE_BYTES) }
    }

    /// Counts a node (its size and the length of the text it owns); true once over the budget.
    pub(crate) fn charge(&mut self, size: usize, text: usize) -> bool {
        // Short text is inline (see [`Text`]); a longer one is an allocation with bookkeeping.
        let heap = if text <= 24 { 0 } else { text + 16 };
        self.used = self.used.saturating_add(size + heap);
        self.used > self.limit
    }

    pub(crate) fn error(&self, span: Span) -> ParseError {
        ParseError {
            kind: ParseErrorKind::Limit,
            message: format!(
                "its values would take more than {} MiB of memory, far more for its size than any real document",
                self.limit >> 20
            ),
            span,
        }
    }
}

/// Something the parser accepted but that is worth a finding (duplicate keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    pub span: Span,
    pub first: Span,
}

/// Finds duplicate keys while an object is built: a linear scan for small objects, a hash
/// index once an object is large (a 100,000-key object must not take quadratic time).
#[derive(Debug, Default)]
pub(crate) struct KeyIndex {
    index: Option<std::collections::HashMap<Text, Span>>,
}

impl KeyIndex {
    const LINEAR: usize = 32;

    /// The span of an earlier entry with this key, before `key` is pushed after `entries`.
    pub(crate) fn earlier(&mut self, entries: &[Entry], key: &str, key_span: Span) -> Option<Span> {
        if self.index.is_none() && entries.len() < Self::LINEAR {
            return entries.iter().find(|e| &*e.key == key).map(|e| e.key_span);
        }
        let index = self.index.get_or_insert_with(|| {
            let mut map = std::collections::HashMap::with_capacity(entries.len() * 2);
            for e in entries {
                map.entry(e.key.clone()).or_insert(e.key_span);
            }
            map
        });
        if let Some(first) = index.get(key) {
            return Some(*first);
        }
        index.insert(key.into(), key_span);
        None
    }
}

/// Parses a file's text by its extension (`.template` and others by their first character):
/// JSON or YAML. Errors say which format was expected; a YAML stream keeps the documents
/// before its error.
#[must_use]
pub fn parse_source(source: &crate::source::Source) -> Parsed {
    let ext = source.path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let name = source.path.file_name().and_then(|n| n.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    if ext == "tf" {
        return match hcl::parse_body(&source.text) {
            Ok((body, duplicates)) => {
                Parsed { hcl: Some(Box::new(body)), duplicates, comments: hcl::comments(&source.text), ..Parsed::default() }
            }
            Err(mut error) => {
                error.message = format!("invalid HCL: {}", error.message);
                Parsed { error: Some(error), comments: hcl::comments(&source.text), ..Parsed::default() }
            }
        };
    }
    if is_template_name(&name) {
        return parse_template_file(source);
    }
    let start = source.content_start();
    let is_json = match ext.as_str() {
        "json" => true,
        "yaml" | "yml" => false,
        _ => source.text[start..].trim_start().starts_with(['{', '[']),
    };
    let result: Parsed = if is_json {
        let parse = |placeholders| json::parse(&source.text, start, json::Options { placeholders });
        // A definition file used with SAM `DefinitionSubstitutions` may hold `${Name}` where a
        // value goes (`"TimeoutSeconds": ${Timeout}`): CloudFormation substitutes the text first.
        parse(false).or_else(|err| if source.text.contains("${") { parse(true).map_err(|_| err) } else { Err(err) }).map_or_else(
            |error| Parsed { error: Some(error), ..Parsed::default() },
            |(node, duplicates)| Parsed { documents: vec![node], duplicates, ..Parsed::default() },
        )
    } else {
        yaml::parse_stream(&source.text)
    };
    let format = if is_json { "JSON" } else { "YAML" };
    let mut parsed = result;
    if let Some(err) = &mut parsed.error {
        err.message = match err.kind {
            ParseErrorKind::Syntax => format!("invalid {format}: {}", err.message),
            ParseErrorKind::Limit => format!("{format} not checked: {}", err.message),
        };
    }
    parsed
}

/// Whether a file name is one of a Terraform template that renders JSON (`*.tftpl`,
/// `*.json.tpl`, `*.asl.json.tpl`).
#[must_use]
pub fn is_template_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    std::path::Path::new(&name).extension().is_some_and(|e| e == "tftpl") || name.ends_with(".json.tpl")
}

/// A template file (`templatefile()`): the JSON it renders with every interpolation a
/// placeholder and every directive's first branch, spans in the file. A template that does not
/// render JSON is none of ours (a `user_data.tftpl` shell script); one whose directives keep
/// it from parsing is [`Parsed::unchecked_template`], not an error.
fn parse_template_file(source: &crate::source::Source) -> Parsed {
    let template = match hcl::parse_template(&source.text) {
        Ok(template) => template,
        Err(mut error) => {
            if !source.text[source.content_start()..].trim_start().starts_with(['{', '[']) {
                return Parsed::default();
            }
            error.message = format!("invalid template: {}", error.message);
            return Parsed { error: Some(error), ..Parsed::default() };
        }
    };
    let mut text = embedded::EmbeddedText::new(Span::new(0, source.text.len()));
    let mut directives = Vec::new();
    hcl::render(&source.text, &template, false, &mut |_| None, &mut text, &mut directives);
    if !text.text.trim_start_matches('\u{feff}').trim_start().starts_with(['{', '[']) {
        return Parsed::default();
    }
    match text.parse_json(json::Options { placeholders: true }) {
        Ok((node, duplicates)) => Parsed { documents: vec![node], duplicates, ..Parsed::default() },
        Err(_) if !directives.is_empty() => Parsed { unchecked_template: directives.first().copied(), ..Parsed::default() },
        Err(mut error) => {
            error.message = format!("invalid JSON (the template rendered with placeholders): {}", error.message);
            Parsed { error: Some(error), ..Parsed::default() }
        }
    }
}

/// A parsed file: its documents (YAML may hold several), with what the parser noticed.
#[derive(Debug, Default)]
pub struct Parsed {
    /// A Terraform configuration file's syntax tree (`.tf`), instead of documents.
    pub hcl: Option<Box<hcl::Body>>,
    /// A template whose directives keep it from rendering a document: the first directive.
    pub unchecked_template: Option<Span>,
    pub documents: Vec<Node>,
    pub duplicates: Vec<DuplicateKey>,
    /// Comments (YAML and HCL) with their spans, text without the comment marker.
    pub comments: Vec<(Span, String)>,
    /// Where parsing stopped, if it did: the documents before it are complete and kept.
    pub error: Option<ParseError>,
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        match (&self.untagged().value, &other.untagged().value) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            #[allow(clippy::float_cmp)]
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|e| b.iter().any(|f| e.key == f.key && e.value == f.value))
            }
            _ => false,
        }
    }
}

impl Node {
    #[must_use]
    pub fn new(value: Value, span: Span) -> Self {
        Self { value, span }
    }

    /// The node under any YAML tags.
    #[must_use]
    pub fn untagged(&self) -> &Node {
        let mut node = self;
        while let Value::Tagged(_, inner) = &node.value {
            node = inner;
        }
        node
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value when it is a number.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_object(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The entry for `key` in an object (the last one when the key is duplicated).
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_object()?.iter().rev().find(|e| &*e.key == key)
    }

    /// Calls `f` on this node and every node below it, depth first, with an explicit stack;
    /// `f` returns whether to go below the node it was given.
    pub fn visit_mut(&mut self, mut f: impl FnMut(&mut Node) -> bool) {
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            if !f(node) {
                continue;
            }
            match &mut node.value {
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(entries) => stack.extend(entries.iter_mut().map(|e| &mut e.value)),
                Value::Tagged(_, inner) => stack.push(inner),
                _ => {}
            }
        }
    }

    /// The entry for `key`, to change (the last one when the key is duplicated).
    pub fn entry_mut(&mut self, key: &str) -> Option<&mut Entry> {
        match &mut self.value {
            Value::Object(entries) => entries.iter_mut().rev().find(|e| &*e.key == key),
            _ => None,
        }
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The node a JSON pointer names (RFC 6901: `/Resources/Flow/Properties`, `~1` for `/`,
    /// `~0` for `~`, array items by index), or, when the rest of the pointer is not in the
    /// tree (a path into a value another tool derived from this one), the deepest node on its
    /// way. A tagged value (`!GetAtt x.Arn`) stands for an object of one key: a step into it
    /// lands on the tagged node. Returns the node and whether the whole pointer was found.
    #[must_use]
    pub fn pointer(&self, pointer: &str) -> (&Node, bool) {
        let mut node = self;
        let mut parts = pointer.split('/');
        // A pointer starts with `/` (or is empty: the whole document).
        if parts.next().is_some_and(|first| !first.is_empty()) {
            return (node, false);
        }
        for part in parts {
            let key = part.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                Value::Object(_) => node.get(&key),
                Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
                Value::Tagged(..) => return (node, true),
                _ => None,
            };
            match next {
                Some(next) => node = next,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// The value of `key` as a string.
    #[must_use]
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// Entries with distinct keys, last one wins, in source order of the winners.
    pub fn unique_entries(&self) -> impl Iterator<Item = &Entry> {
        let entries = self.as_object().unwrap_or(&[]);
        let winners: Vec<&Entry> = if entries.len() <= 32 {
            entries.iter().enumerate().filter(|(i, e)| !entries[i + 1..].iter().any(|later| later.key == e.key)).map(|(_, e)| e).collect()
        } else {
            let mut last = std::collections::HashMap::with_capacity(entries.len());
            for (i, e) in entries.iter().enumerate() {
                last.insert(&*e.key, i);
            }
            entries.iter().enumerate().filter(|(i, e)| last.get(&*e.key) == Some(i)).map(|(_, e)| e).collect()
        };
        winners.into_iter()
    }

    /// Short type name for messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Tagged(..) => "intrinsic function",
        }
    }
}
