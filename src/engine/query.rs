//! JSONPath (RFC 9535, jsonpath-rust) over our own tree, so matches are our nodes with spans.
//!
//! A YAML tag reads as the intrinsic function object it stands for: `!Sub x` answers the path
//! `$['Fn::Sub']` just as `{"Fn::Sub": x}` does.

use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use jsonpath_rust::query::queryable::Queryable;

use crate::extract::long_intrinsic_name;
use crate::parse::{Entry, Node, Value};
use crate::source::Span;

/// A selector, compiled at most once. Plain paths (`$.a.b[*]`, `$['a'][0]`, most rules'
/// selectors) are walked directly; filters, slices, unions and descendants go to the engine.
#[derive(Clone, Debug)]
pub struct Selector {
    text: String,
    plain: Option<Box<[Step]>>,
    query: std::sync::OnceLock<Option<JpQuery>>,
}

/// One step of a plain path.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// `.a`, `['a']`, `['a','b']`: each name over all the nodes, in turn.
    Names(Box<[Box<str>]>),
    Index(usize),
    Wildcard,
}

impl Selector {
    /// Compiles it now.
    pub fn compile(text: &str) -> Result<Self, String> {
        if let Some(steps) = plain_steps(text) {
            return Ok(Self { text: text.to_string(), plain: Some(steps), query: std::sync::OnceLock::new() });
        }
        let query = parse_json_path(text).map_err(|e| e.to_string())?;
        Ok(Self { text: text.to_string(), plain: None, query: std::sync::OnceLock::from(Some(query)) })
    }

    /// Compiles it when it first selects; a selector that does not compile selects nothing
    /// (for a bundled rule's, which the tests compile with [`Selector::compile`]).
    #[must_use]
    pub fn deferred(text: &str) -> Self {
        Self { text: text.to_string(), plain: plain_steps(text), query: std::sync::OnceLock::new() }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The nodes the selector picks, with their normalized paths (`$['States']['A']`).
    #[must_use]
    pub fn select<'n>(&self, root: &'n Node) -> Vec<(&'n Node, String)> {
        if let Some(steps) = &self.plain {
            return walk(steps, root);
        }
        let Some(query) = self.query.get_or_init(|| parse_json_path(&self.text).ok()) else { return Vec::new() };
        js_path_process(query, root).map(|refs| refs.into_iter().map(|r| (r.val, r.path)).collect()).unwrap_or_default()
    }
}

/// The steps of a plain path, or `None` for anything else (which the engine then parses):
/// `.name` (ASCII shorthand), `['name']` and `["name"]` without escapes, `[n]` with n ≥ 0,
/// `.*` and `[*]`. Each is valid RFC 9535 with the meaning the engine gives it.
fn plain_steps(text: &str) -> Option<Box<[Step]>> {
    let mut rest = text.strip_prefix('$')?.as_bytes();
    let mut steps = Vec::new();
    while let Some((&first, after)) = rest.split_first() {
        match first {
            b'.' => {
                if let Some(after) = after.strip_prefix(b"*") {
                    steps.push(Step::Wildcard);
                    rest = after;
                    continue;
                }
                let len = after.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
                if len == 0 || after[0].is_ascii_digit() {
                    return None;
                }
                steps.push(Step::Names(Box::new([std::str::from_utf8(&after[..len]).ok()?.into()])));
                rest = &after[len..];
            }
            b'[' => {
                let close = after.iter().position(|b| *b == b']')?;
                rest = &after[close + 1..];
                steps.push(bracket(&after[..close])?);
            }
            _ => return None,
        }
    }
    Some(steps.into_boxed_slice())
}

/// The step of a bracket's content: `*`, an index, or quoted names separated by commas.
fn bracket(inner: &[u8]) -> Option<Step> {
    match inner {
        b"*" => return Some(Step::Wildcard),
        b"0" => return Some(Step::Index(0)),
        [b'1'..=b'9', digits @ ..] if digits.len() < 15 && digits.iter().all(u8::is_ascii_digit) => {
            return Some(Step::Index(std::str::from_utf8(inner).ok()?.parse().ok()?));
        }
        _ => {}
    }
    let mut names = Vec::new();
    let mut rest = inner;
    loop {
        let (&quote, after) = rest.split_first()?;
        if quote != b'\'' && quote != b'"' {
            return None;
        }
        let len = after.iter().position(|b| *b == quote)?;
        let name = &after[..len];
        if name.iter().any(|b| *b == b'\'' || *b == b'"' || *b == b'\\' || *b < 0x20) {
            return None;
        }
        names.push(Box::<str>::from(std::str::from_utf8(name).ok()?));
        rest = after[len + 1..].trim_ascii_start();
        match rest.split_first() {
            None => break,
            Some((b',', after)) => rest = after.trim_ascii_start(),
            Some(_) => return None,
        }
    }
    Some(Step::Names(names.into()))
}

/// Walks a plain path as the engine would, in document order.
fn walk<'n>(steps: &[Step], root: &'n Node) -> Vec<(&'n Node, String)> {
    let mut found = vec![(root, "$".to_string())];
    for step in steps {
        let mut next = Vec::new();
        match step {
            Step::Names(names) => {
                for name in names {
                    for (node, path) in &found {
                        if let Some(child) = Queryable::get(*node, name) {
                            next.push((child, key_path(path, name)));
                        }
                    }
                }
            }
            Step::Index(i) => {
                for (node, path) in &found {
                    if let Some(child) = node.as_array().and_then(|items| items.get(*i)) {
                        next.push((child, format!("{path}[{i}]")));
                    }
                }
            }
            Step::Wildcard => {
                for (node, path) in &found {
                    match &node.value {
                        Value::Array(items) => {
                            next.extend(items.iter().enumerate().map(|(i, child)| (child, format!("{path}[{i}]"))));
                        }
                        Value::Object(_) => next.extend(node.unique_entries().map(|e| (&e.value, key_path(path, &e.key)))),
                        Value::Tagged(tag, inner) => next.push((&**inner, key_path(path, tag_name(tag)))),
                        _ => {}
                    }
                }
            }
        }
        found = next;
    }
    found
}

/// `path['name']`, the name escaped as a normalized path's (RFC 9535 §2.7).
fn key_path(path: &str, name: &str) -> String {
    let mut out = String::with_capacity(path.len() + name.len() + 4);
    out.push_str(path);
    out.push_str("['");
    for c in name.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("']");
    out
}

fn tag_name(tag: &str) -> &str {
    long_intrinsic_name(tag).unwrap_or(tag)
}

impl Default for Node {
    fn default() -> Self {
        Node::new(Value::Null, Span::default())
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Self {
        Node::new(Value::String(s.into()), Span::default())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Self {
        Node::new(Value::String(s.into()), Span::default())
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Self {
        Node::new(Value::Bool(b), Span::default())
    }
}

impl From<i64> for Node {
    #[allow(clippy::cast_precision_loss)]
    fn from(v: i64) -> Self {
        Node::new(Value::Number(v as f64), Span::default())
    }
}

impl From<f64> for Node {
    fn from(v: f64) -> Self {
        Node::new(Value::Number(v), Span::default())
    }
}

impl From<Vec<Node>> for Node {
    fn from(items: Vec<Node>) -> Self {
        Node::new(Value::Array(items), Span::default())
    }
}

impl Queryable for Node {
    fn get(&self, key: &str) -> Option<&Self> {
        match &self.value {
            Value::Object(_) => Node::get(self, key),
            Value::Tagged(tag, inner) => (tag_name(tag) == key).then_some(&**inner),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&Vec<Self>> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_object(&self) -> Option<Vec<(&str, &Self)>> {
        match &self.value {
            Value::Object(_) => Some(self.unique_entries().map(|e| (&*e.key, &e.value)).collect()),
            Value::Tagged(tag, inner) => Some(vec![(tag_name(tag), &**inner)]),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        Node::as_str(self)
    }

    #[allow(clippy::cast_possible_truncation)]
    fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Number(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Some(v as i64),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Number(v) => Some(v),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn null() -> Self {
        Node::default()
    }
}

/// Follows a normalized path (`$['a'][0]`) from `root`: the node, and its entry (key and key
/// span) when the last step is an object member.
#[must_use]
pub fn resolve<'n>(root: &'n Node, path: &str) -> Option<(&'n Node, Option<&'n Entry>)> {
    let mut node = root;
    let mut last_entry = None;
    let mut rest = path.strip_prefix('$')?;
    while !rest.is_empty() {
        rest = rest.strip_prefix('[')?;
        if let Some(quoted) = rest.strip_prefix('\'') {
            let (name, after) = read_quoted(quoted)?;
            rest = after.strip_prefix(']')?;
            match &node.value {
                Value::Object(_) => {
                    let entry = node.entry(&name)?;
                    last_entry = Some(entry);
                    node = &entry.value;
                }
                Value::Tagged(tag, inner) if tag_name(tag) == name => {
                    last_entry = None;
                    node = inner;
                }
                _ => return None,
            }
        } else {
            let close = rest.find(']')?;
            let index: usize = rest[..close].parse().ok()?;
            rest = &rest[close + 1..];
            node = node.as_array()?.get(index)?;
            last_entry = None;
        }
    }
    Some((node, last_entry))
}

/// Reads a single-quoted name of a normalized path; gives the name and the text after the quote.
fn read_quoted(s: &str) -> Option<(String, &str)> {
    let mut name = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => return Some((name, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                'b' => name.push('\u{8}'),
                'f' => name.push('\u{c}'),
                'n' => name.push('\n'),
                'r' => name.push('\r'),
                't' => name.push('\t'),
                'u' => {
                    let hex: String = (0..4).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
                    name.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => name.push(other),
            },
            c => name.push(c),
        }
    }
    None
}

/// A normalized path as a short dotted locator: `$['States']['A b'][0]` → `States.A b[0]`.
#[must_use]
pub fn dotted(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    while let Some(after) = rest.strip_prefix('[') {
        if let Some(quoted) = after.strip_prefix('\'') {
            let Some((name, tail)) = read_quoted(quoted) else { break };
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&crate::finding::locator_part(&name));
            rest = tail.strip_prefix(']').unwrap_or(tail);
        } else {
            let Some(close) = after.find(']') else { break };
            out.push_str(&rest[..close + 2]);
            rest = &after[close + 1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::json;

    #[test]
    fn selects_with_spans_and_resolves_paths() {
        let text = r#"{"States": {"A": {"Type": "Task", "Retry": [{"ErrorEquals": ["States.ALL"]}]}, "B": {"Type": "Pass"}}}"#;
        let (root, _) = json::parse(text, 0, json::Options::default()).unwrap();
        let tasks = Selector::compile("$.States[?@.Type == 'Task']").unwrap().select(&root);
        assert_eq!(tasks.len(), 1);
        let (node, entry) = resolve(&root, &tasks[0].1).unwrap();
        assert!(std::ptr::eq(node, tasks[0].0));
        let key = entry.unwrap().key_span;
        assert_eq!(&text[key.start()..key.end()], "\"A\"");
        let errs = Selector::compile("$.Retry[*].ErrorEquals[*]").unwrap().select(node);
        assert_eq!(errs[0].0.as_str(), Some("States.ALL"));
        assert_eq!(dotted(&errs[0].1), "Retry[0].ErrorEquals[0]");
    }

    #[test]
    fn tags_read_as_intrinsics() {
        let parsed = crate::parse::yaml::parse("R: !GetAtt Fn.Arn\n").unwrap();
        let hits = Selector::compile("$.R['Fn::GetAtt']").unwrap().select(&parsed.documents[0]);
        assert_eq!(hits[0].0.as_str(), Some("Fn.Arn"));
    }

    /// The plain-path walk gives what the engine gives, node for node and path for path.
    #[test]
    fn plain_paths_walk_as_the_engine_does() {
        let yaml = "a: {b: [1, {c: x}], 'q''t': {d: 1}, \"e\\\\f\": 2, \"n\\tl\": 3}\nR: !GetAtt F.Arn\nS: !Sub ['${x}', {x: 1}]\nl: [[1, 2], [3]]\nd: 1\nd: 2\nz: [{k: 1}, {k: 2}, {j: 3}]\n";
        let parsed = crate::parse::yaml::parse(yaml).unwrap();
        let json_text = r#"{"a": {"b": [1, {"c": "x"}]}, "d": 1, "d": 2, "": {"x y": [true]}}"#;
        let (json_root, _) = json::parse(json_text, 0, json::Options::default()).unwrap();
        let selectors = [
            "$",
            "$.a",
            "$.a.b",
            "$.a.b[*]",
            "$.a.b[1].c",
            "$.a.b[2]",
            "$.a.*",
            "$.*",
            "$[*]",
            "$.*.*",
            "$.*[*]",
            "$['a']['b'][0]",
            "$[\"a\"].b",
            "$.R['Fn::GetAtt']",
            "$.R.*",
            "$.S['Fn::Sub'][1].x",
            "$.S.*[0]",
            "$.l[*][*]",
            "$.l[0][1]",
            "$.d",
            "$.z[*].k",
            "$['']['x y'][0]",
            "$.missing.b",
            "$.a.b.c",
            "$.d[0]",
            "$.a_1",
            "$._",
            "$['a','d'].b",
            "$.*['b', 'missing','c']",
            "$['l','z'][0]",
            "$['d','d']",
            "$.a['b' ,'e\\\\f']",
            "$.*['q''t']",
            "$.*[\"q't\"]",
            "$.a['e\\\\f']",
        ];
        for root in [&parsed.documents[0], &json_root] {
            for text in selectors {
                let Ok(query) = parse_json_path(text) else {
                    assert!(plain_steps(text).is_none(), "{text}: the engine rejects it, so the fast lane must too");
                    continue;
                };
                let fast = Selector::compile(text).unwrap();
                let engine: Vec<(&Node, String)> = js_path_process(&query, root).unwrap().into_iter().map(|r| (r.val, r.path)).collect();
                let ours = fast.select(root);
                assert_eq!(ours.len(), engine.len(), "{text}");
                for ((a, pa), (b, pb)) in ours.iter().zip(&engine) {
                    assert!(std::ptr::eq(*a, *b), "{text}: {pa} vs {pb}");
                    assert_eq!(pa, pb, "{text}");
                }
            }
        }
    }

    #[test]
    fn only_plain_paths_take_the_fast_lane() {
        for plain in [
            "$",
            "$.a.b",
            "$.a[*].b",
            "$['a b'][0]",
            "$.*",
            "$[\"x\"]",
            "$.Condition.*['iam:PassedToService']",
            "$.P['A','B'][*]",
            "$['a' , \"b\"]",
        ] {
            assert!(plain_steps(plain).is_some(), "{plain}");
        }
        for other in [
            "$..a",
            "$.a[?@.b]",
            "$.a[0:2]",
            "$.a[-1]",
            "$['a',]",
            "$['a' 'b']",
            "$[ 'a' ]",
            "$['a',0]",
            "$['a\\'b']",
            "$.1a",
            "$.a.",
            "$[01]",
            "a.b",
            "$.é",
            "$['a]b']",
        ] {
            assert!(plain_steps(other).is_none(), "{other}");
        }
    }
}
