//! Documents embedded in strings, with spans mapped back into the outer file.
//!
//! An [`EmbeddedText`] is the text a consumer would see (a `DefinitionString`, a `Fn::Sub`
//! template, the pieces of a `Fn::Join`, a policy string in a Terraform plan) together with,
//! for each of its bytes, the span in the outer file that produced it. String pieces are aligned
//! with their source through JSON and YAML double-quoted escapes, single-quote doubling, line
//! folding and block-scalar indentation; pieces with no text of their own (an intrinsic function
//! between `Fn::Join` pieces) map to the node they stand for. When a piece cannot be aligned its
//! bytes map to the whole piece: a span that cannot be narrowed falls back to the enclosing value.

use super::{Node, ParseError, Value, json};
use crate::source::Span;

#[derive(Debug, Default)]
pub struct EmbeddedText {
    pub text: String,
    map: Vec<Span>,
    /// Whether some text stands for a value unknown until deploy (an intrinsic function).
    pub synthetic: bool,
    /// Where the document sits in the file (the property's value): spans that cannot be
    /// narrowed, such as those of an empty document, fall back to it.
    fallback: Span,
}

impl EmbeddedText {
    /// An empty text for a document held by the value at `container`.
    #[must_use]
    pub fn new(container: Span) -> Self {
        Self { fallback: container, ..Self::default() }
    }

    /// Appends the value of a string node, aligned with its source in `file_text`.
    pub fn push_string_node(&mut self, file_text: &str, node: &Node) {
        let Some(value) = node.as_str() else { return };
        let raw = file_text.get(node.span.start()..node.span.end()).unwrap_or("");
        match align(raw, node.span.start(), value) {
            Some(map) => self.map.extend(map),
            None => self.map.extend(std::iter::repeat_n(node.span, value.len())),
        }
        self.text.push_str(value);
    }

    /// Appends text that has no source of its own, mapped to `span`.
    pub fn push_synthetic(&mut self, text: &str, span: Span) {
        self.synthetic = true;
        self.text.push_str(text);
        self.map.extend(std::iter::repeat_n(span, text.len()));
    }

    /// The file span of a byte range of [`Self::text`].
    #[must_use]
    pub fn map_span(&self, span: Span) -> Span {
        let Some(last) = self.map.last() else { return self.fallback };
        let at = |i: usize| self.map.get(i).copied().unwrap_or(*last);
        let start = at(span.start());
        if span.is_empty() {
            return Span { start: start.start, end: start.start };
        }
        let end = at(span.end() - 1);
        Span { start: start.start, end: end.end.max(start.start) }
    }

    /// Parses the text as JSON; spans in the tree and in the error point into the outer file.
    pub fn parse_json(&self, options: json::Options) -> Result<(Node, Vec<super::DuplicateKey>), ParseError> {
        match json::parse(&self.text, 0, options) {
            Ok((mut node, mut dups)) => {
                self.remap(&mut node);
                for dup in &mut dups {
                    dup.span = self.map_span(dup.span);
                    dup.first = self.map_span(dup.first);
                }
                Ok((node, dups))
            }
            Err(mut err) => {
                err.span = self.map_span(err.span);
                Err(err)
            }
        }
    }

    /// Rewrites every span of a tree parsed from [`Self::text`] into file spans.
    pub fn remap(&self, root: &mut Node) {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            node.span = self.map_span(node.span);
            match &mut node.value {
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(entries) => {
                    for entry in entries.iter_mut() {
                        entry.key_span = self.map_span(entry.key_span);
                        stack.push(&mut entry.value);
                    }
                }
                Value::Tagged(_, inner) => stack.push(inner),
                _ => {}
            }
        }
    }
}

/// For each byte of `decoded`, the span of `raw` (at file offset `base`) that produced it; `None`
/// when the two cannot be matched. `raw` is the scalar's source: a JSON or YAML quoted string with
/// its quotes, a plain scalar, or a block scalar's content lines.
#[must_use]
pub fn align(raw: &str, base: usize, decoded: &str) -> Option<Vec<Span>> {
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
    let escapes = quote == Some('"');
    let mut p = usize::from(quote.is_some());
    let mut out = Vec::with_capacity(decoded.len());
    for c in decoded.chars() {
        loop {
            let Some(rc) = raw.get(p..).and_then(|s| s.chars().next()) else {
                // Chomping may add line breaks the source spells only as the end of the block.
                if c.is_whitespace() {
                    out.extend(std::iter::repeat_n(Span::new(base + raw.len(), base + raw.len()), c.len_utf8()));
                    break;
                }
                return None;
            };
            if escapes && rc == '\\' {
                match yaml_escape(raw, p) {
                    Escape::Char(ec, len) if ec == c => {
                        out.extend(std::iter::repeat_n(Span::new(base + p, base + p + len), c.len_utf8()));
                        p += len;
                        break;
                    }
                    Escape::LineContinuation(len) => {
                        p += len;
                        continue;
                    }
                    _ => return None,
                }
            }
            if rc == c {
                out.extend(std::iter::repeat_n(Span::new(base + p, base + p + rc.len_utf8()), c.len_utf8()));
                p += rc.len_utf8();
                break;
            }
            // Folding and indentation remove whitespace; single quotes are doubled.
            if rc.is_whitespace() || (quote == Some('\'') && rc == '\'') {
                p += rc.len_utf8();
                continue;
            }
            return None;
        }
    }
    Some(out)
}

enum Escape {
    Char(char, usize),
    LineContinuation(usize),
    Invalid,
}

/// A YAML double-quoted escape (a superset of JSON's) at `raw[p] == '\\'`.
fn yaml_escape(raw: &str, p: usize) -> Escape {
    if let Some((c, len)) = json::decode_escape(raw, p) {
        return Escape::Char(c, len);
    }
    let b = raw.as_bytes();
    let hex = |len: usize| {
        raw.get(p + 2..p + 2 + len)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
            .map_or(Escape::Invalid, |c| Escape::Char(c, 2 + len))
    };
    match b.get(p + 1) {
        Some(b'0') => Escape::Char('\0', 2),
        Some(b'a') => Escape::Char('\u{7}', 2),
        Some(b'v') => Escape::Char('\u{b}', 2),
        Some(b'e') => Escape::Char('\u{1b}', 2),
        Some(b' ') => Escape::Char(' ', 2),
        Some(b'\t') => Escape::Char('\t', 2),
        Some(b'N') => Escape::Char('\u{85}', 2),
        Some(b'_') => Escape::Char('\u{a0}', 2),
        Some(b'L') => Escape::Char('\u{2028}', 2),
        Some(b'P') => Escape::Char('\u{2029}', 2),
        Some(b'x') => hex(2),
        Some(b'U') => hex(8),
        Some(b'\n') => Escape::LineContinuation(2),
        Some(b'\r') if b.get(p + 2) == Some(&b'\n') => Escape::LineContinuation(3),
        _ => Escape::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, decoded: &str) {
        let map = align(raw, 0, decoded).unwrap_or_else(|| panic!("no alignment for {raw:?}"));
        assert_eq!(map.len(), decoded.len());
        for (i, c) in decoded.char_indices() {
            let piece = &raw[map[i].start()..map[i].end()];
            if !c.is_whitespace() {
                assert!(piece == c.to_string() || piece.starts_with('\\'), "{c:?} mapped to {piece:?}");
            }
        }
    }

    #[test]
    fn aligns_through_escapes_and_folding() {
        check(r#""{\"StartAt\": \"A\u00e9\"}""#, "{\"StartAt\": \"Aé\"}");
        check("'it''s'", "it's");
        check("{\n    \"a\": 1}\n  ", "{\n  \"a\": 1}\n");
        check("\"a\\\n   b\"", "ab");
        check("a\n  b", "a b");
    }

    #[test]
    fn embedded_json_maps_back() {
        let file = r#"{"D": "{\"StartAt\": \"A\", \"States\": {}}"}"#;
        let (outer, _) = json::parse(file, 0, json::Options::default()).unwrap();
        let mut text = EmbeddedText::default();
        text.push_string_node(file, outer.get("D").unwrap());
        let (inner, _) = text.parse_json(json::Options::default()).unwrap();
        let start_at = inner.entry("StartAt").unwrap();
        assert_eq!(&file[start_at.key_span.start()..start_at.key_span.end()], r#"\"StartAt\""#);
        assert_eq!(&file[start_at.value.span.start()..start_at.value.span.end()], r#"\"A\""#);
    }
}
