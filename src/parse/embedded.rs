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
    /// Runs of text bytes with where they came from, by `text_start`. A run is either linear
    /// (byte `i` of the text is byte `file_start + i - text_start` of the file: copied text) or
    /// not (every byte maps to the whole `file_start..file_start + width`: an escape, a
    /// placeholder). A run map costs a few bytes per escape, not eight per byte of text.
    runs: Vec<Run>,
    /// Whether some text stands for a value unknown until deploy (an intrinsic function).
    pub synthetic: bool,
    /// Where the document sits in the file (the property's value): spans that cannot be
    /// narrowed, such as those of an empty document, fall back to it.
    fallback: Span,
}

#[derive(Clone, Copy, Debug)]
struct Run {
    text_start: u32,
    file_start: u32,
    /// [`LINEAR`] for copied text, else the width of the file span every byte maps to.
    width: u32,
}

const LINEAR: u32 = u32::MAX;

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
        let (mark, text_start) = (self.runs.len(), self.text.len());
        let mut cursor = text_start;
        let aligned = align_into(raw, node.span.start(), value, &mut |len, span| {
            self.add_run(cursor, span, span.len() == len);
            cursor += len;
        });
        if !aligned {
            self.runs.truncate(mark);
            self.add_run(text_start, node.span, false);
        }
        self.text.push_str(value);
    }

    /// Appends text that has no source of its own, mapped to `span`.
    pub fn push_synthetic(&mut self, text: &str, span: Span) {
        self.synthetic = true;
        self.add_run(self.text.len(), span, false);
        self.text.push_str(text);
    }

    fn add_run(&mut self, text_start: usize, span: Span, linear: bool) {
        let text_start = u32::try_from(text_start).unwrap_or(u32::MAX);
        if let Some(last) = self.runs.last() {
            if last.text_start == text_start {
                self.runs.pop();
            } else if linear && last.width == LINEAR && last.file_start + (text_start - last.text_start) == span.start {
                return;
            }
        }
        let width = if linear { LINEAR } else { span.end - span.start };
        self.runs.push(Run { text_start, file_start: span.start, width });
    }

    /// The file span of one text byte.
    fn byte_span(&self, i: usize) -> Option<Span> {
        let i = u32::try_from(i).ok()?.min(u32::try_from(self.text.len().saturating_sub(1)).ok()?);
        let run = self.runs[..self.runs.partition_point(|r| r.text_start <= i)].last()?;
        Some(if run.width == LINEAR {
            let at = run.file_start + (i - run.text_start);
            Span { start: at, end: at + 1 }
        } else {
            Span { start: run.file_start, end: run.file_start + run.width }
        })
    }

    /// The file span of a byte range of [`Self::text`].
    #[must_use]
    pub fn map_span(&self, span: Span) -> Span {
        let Some(start) = self.byte_span(span.start()) else { return self.fallback };
        if span.is_empty() {
            return Span { start: start.start, end: start.start };
        }
        let end = self.byte_span(span.end() - 1).unwrap_or(start);
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

/// Walks `decoded` against `raw` (at file offset `base`), calling `emit(bytes, span)` for each
/// character: its UTF-8 length and the file span that produced it. False when the two cannot
/// be matched. `raw` is the scalar's source: a JSON or YAML quoted string with its quotes, a
/// plain scalar, or a block scalar's content lines.
fn align_into(raw: &str, base: usize, decoded: &str, emit: &mut dyn FnMut(usize, Span)) -> bool {
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
    let escapes = quote == Some('"');
    let mut p = usize::from(quote.is_some());
    for c in decoded.chars() {
        loop {
            let Some(rc) = raw.get(p..).and_then(|s| s.chars().next()) else {
                // Chomping may add line breaks the source spells only as the end of the block.
                if c.is_whitespace() {
                    emit(c.len_utf8(), Span::new(base + raw.len(), base + raw.len()));
                    break;
                }
                return false;
            };
            if escapes && rc == '\\' {
                match yaml_escape(raw, p) {
                    Escape::Char(ec, len) if ec == c => {
                        emit(c.len_utf8(), Span::new(base + p, base + p + len));
                        p += len;
                        break;
                    }
                    Escape::LineContinuation(len) => {
                        p += len;
                        continue;
                    }
                    _ => return false,
                }
            }
            if rc == c {
                emit(c.len_utf8(), Span::new(base + p, base + p + rc.len_utf8()));
                p += rc.len_utf8();
                break;
            }
            // Folding and indentation remove whitespace; single quotes are doubled.
            if rc.is_whitespace() || (quote == Some('\'') && rc == '\'') {
                p += rc.len_utf8();
                continue;
            }
            return false;
        }
    }
    true
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

    /// For each byte of `decoded`, the span of `raw` that produced it.
    fn align(raw: &str, base: usize, decoded: &str) -> Option<Vec<Span>> {
        let mut out = Vec::with_capacity(decoded.len());
        align_into(raw, base, decoded, &mut |len, span| out.extend(std::iter::repeat_n(span, len))).then_some(out)
    }

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
