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

/// Places the characters of a value in the file: calls its argument with each character's
/// UTF-8 length and file span, in order; false when it cannot.
pub type Aligner<'a> = dyn FnMut(&mut dyn FnMut(usize, Span)) -> bool + 'a;

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
    /// Run indices by file offset, made on the first [`Self::text_offset`].
    by_file: std::cell::OnceCell<Vec<u32>>,
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
        self.push_aligned(value, node.span, &mut |emit| align_into(raw, node.span.start(), value, emit));
    }

    /// Appends `value`, whose characters `align` places in the file: it calls its argument with
    /// each character's UTF-8 length and file span, in order, and returns false when it cannot
    /// match them, in which case every byte maps to `fallback`.
    pub fn push_aligned(&mut self, value: &str, fallback: Span, align: &mut Aligner<'_>) {
        let (mark, text_start) = (self.runs.len(), self.text.len());
        let mut cursor = text_start;
        let aligned = align(&mut |len, span| {
            self.add_run(cursor, span, span.len() == len);
            cursor += len;
        });
        if !aligned {
            self.runs.truncate(mark);
            self.add_run(text_start, fallback, false);
        }
        self.text.push_str(value);
    }

    /// The text so far is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Appends the file's own text at `span`, byte for byte.
    pub fn push_source(&mut self, file_text: &str, span: Span) {
        let Some(text) = file_text.get(span.start()..span.end()) else { return };
        self.add_run(self.text.len(), span, true);
        self.text.push_str(text);
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

    /// The text offset of the byte that produced file offset `at` (the inverse of
    /// [`Self::map_span`] at the start of a node of the parsed document). Where one file byte
    /// produced several pieces of text (a `Fn::Join` delimiter), the last run at or before it.
    fn text_offset(&self, at: u32) -> Option<usize> {
        let order = self.by_file.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.runs.len() as u32).collect();
            order.sort_by_key(|&i| (self.runs[i as usize].file_start, i));
            order
        });
        let end = order.partition_point(|&i| self.runs[i as usize].file_start <= at);
        // A few runs back is enough: runs that start before `at` and still cover it are
        // escapes and placeholders, which cover a handful of bytes.
        for &i in order[..end].iter().rev().take(64) {
            let run = self.runs[i as usize];
            let text_end = self.runs.get(i as usize + 1).map_or(self.text.len() as u32, |r| r.text_start);
            let covered = if run.width == LINEAR { text_end - run.text_start } else { u32::from(at == run.file_start) };
            if at - run.file_start < covered {
                let offset = if run.width == LINEAR { at - run.file_start } else { 0 };
                return Some((run.text_start + offset) as usize);
            }
        }
        None
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

/// The file span of bytes `range` of a string node's value (see [`crate::model::Model::string_span`]):
/// the node's span when the characters cannot be placed.
#[must_use]
pub fn locate_in_string(file_text: &str, node: &Node, range: std::ops::Range<usize>, embedded: Option<&EmbeddedText>) -> Span {
    let Some(value) = node.as_str() else { return node.span };
    let (raw, base) = match embedded {
        None => (file_text.get(node.span.start()..node.span.end()).unwrap_or(""), node.span.start()),
        Some(text) => match text.text_offset(node.span.start) {
            Some(at) => (&text.text[at..], at),
            None => return node.span,
        },
    };
    let (start, end) = (range.start.min(value.len()), range.end.clamp(range.start.min(value.len()), value.len()));
    let (mut first, mut last, mut pos) = (None, None, 0);
    let aligned = align_into(raw, base, value, &mut |len, span| {
        if first.is_none() && (start < pos + len || (start == end && start == pos)) {
            first = Some(span);
        }
        if end > pos && end <= pos + len {
            last = Some(span);
        }
        pos += len;
    });
    let found = match (aligned, first, last) {
        (true, Some(first), _) if start == end => Span { start: first.start, end: first.start },
        (true, Some(first), Some(last)) => Span { start: first.start, end: last.end.max(first.start) },
        // The end of the value: just before its closing quote.
        (true, None, _) if start == value.len() => match embedded {
            None => Span::new(node.span.end().saturating_sub(1), node.span.end().saturating_sub(1)),
            Some(_) => return node.span,
        },
        _ => return node.span,
    };
    match embedded {
        None => found,
        Some(text) => {
            let mapped = text.map_span(found);
            if found.is_empty() { Span { start: mapped.start, end: mapped.start } } else { mapped }
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
    fn places_inside_strings() {
        let file = r#"{"A": "$.it\u0065ms[?(@.x", "D": "{\"P\": \"$.a\\\"b[0\"}"}"#;
        let (outer, _) = json::parse(file, 0, json::Options::default()).unwrap();
        let a = outer.get("A").unwrap();
        assert_eq!(a.as_str(), Some("$.items[?(@.x"));
        let at = |span: Span| &file[span.start()..span.end()];
        assert_eq!(at(locate_in_string(file, a, 4..5, None)), "\\u0065");
        assert_eq!(at(locate_in_string(file, a, 7..13, None)), "[?(@.x");
        let mut text = EmbeddedText::default();
        text.push_string_node(file, outer.get("D").unwrap());
        let (inner, _) = text.parse_json(json::Options::default()).unwrap();
        let p = inner.get("P").unwrap();
        assert_eq!(p.as_str(), Some("$.a\"b[0"));
        assert_eq!(at(locate_in_string(file, p, 4..7, Some(&text))), "b[0");
        assert_eq!(at(locate_in_string(file, p, 3..4, Some(&text))), r#"\\\""#);
        // A place between characters, and one past the end.
        assert_eq!(locate_in_string(file, p, 5..5, Some(&text)).len(), 0);
        assert_eq!(locate_in_string(file, a, 99..99, None).start(), a.span.end() - 1);
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
