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

/// A selector, compiled at most once.
#[derive(Clone, Debug)]
pub struct Selector {
    text: String,
    query: std::sync::OnceLock<Option<JpQuery>>,
}

impl Selector {
    /// Compiles it now.
    pub fn compile(text: &str) -> Result<Self, String> {
        let query = parse_json_path(text).map_err(|e| e.to_string())?;
        Ok(Self { text: text.to_string(), query: std::sync::OnceLock::from(Some(query)) })
    }

    /// Compiles it when it first selects; a selector that does not compile selects nothing
    /// (for a bundled rule's, which the tests compile with [`Selector::compile`]).
    #[must_use]
    pub fn deferred(text: &str) -> Self {
        Self { text: text.to_string(), query: std::sync::OnceLock::new() }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The nodes the selector picks, with their normalized paths (`$['States']['A']`).
    #[must_use]
    pub fn select<'n>(&self, root: &'n Node) -> Vec<(&'n Node, String)> {
        // Bare `$` is the most common selector: skip the engine.
        if self.text == "$" {
            return vec![(root, "$".to_string())];
        }
        let Some(query) = self.query.get_or_init(|| parse_json_path(&self.text).ok()) else { return Vec::new() };
        js_path_process(query, root).map(|refs| refs.into_iter().map(|r| (r.val, r.path)).collect()).unwrap_or_default()
    }
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
}
