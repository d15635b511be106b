//! A small, fast JSON parser into the spanned [`Node`] tree.
//!
//! Strict RFC 8259 (no comments, no trailing commas), every key and value with its byte range,
//! duplicate keys collected, nesting bounded by [`MAX_DEPTH`]. One option serves embedded
//! CloudFormation templates: with `placeholders`, a `${Name}` at a value position (as in
//! `"TimeoutSeconds": ${Timeout}` inside a `Fn::Sub` or `DefinitionSubstitutions` definition)
//! parses as the string `${Name}`.

use super::{DuplicateKey, Entry, KeyIndex, MAX_DEPTH, Node, ParseError, ParseErrorKind, Value};
use crate::source::Span;

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub placeholders: bool,
}

/// Parses one JSON document from `text[start..]`; spans are offsets into `text`.
pub fn parse(text: &str, start: usize, options: Options) -> Result<(Node, Vec<DuplicateKey>), ParseError> {
    let budget = super::TreeBudget::for_text(text.len() - start.min(text.len()));
    let mut parser = Parser { bytes: text.as_bytes(), text, pos: start, options, duplicates: Vec::new(), depth: 0, budget };
    parser.skip_ws();
    let node = parser.value()?;
    parser.skip_ws();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error_here("unexpected content after the JSON value"));
    }
    Ok((node, parser.duplicates))
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    options: Options,
    duplicates: Vec<DuplicateKey>,
    depth: usize,
    budget: super::TreeBudget,
}

impl Parser<'_> {
    fn error_at(&self, pos: usize, message: impl Into<String>) -> ParseError {
        let end = self.text.get(pos..).and_then(|s| s.chars().next()).map_or(pos, |c| pos + c.len_utf8());
        ParseError { kind: ParseErrorKind::Syntax, message: message.into(), span: Span::new(pos, end) }
    }

    fn error_here(&self, message: &str) -> ParseError {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            None => self.error_at(self.pos, format!("{message}: unexpected end of input")),
            Some(c) => self.error_at(self.pos, format!("{message}, found {}", describe_char(c))),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Result<Node, ParseError> {
        let node = self.unbudgeted_value()?;
        let heap = node.as_str().map_or(0, str::len);
        if self.budget.charge(std::mem::size_of::<Node>(), heap) {
            return Err(self.budget.error(Span::new(node.span.start(), node.span.start())));
        }
        Ok(node)
    }

    fn unbudgeted_value(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node::new(Value::String(s.into()), Span::new(start, self.pos)))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'$') if self.options.placeholders && self.bytes.get(self.pos + 1) == Some(&b'{') => self.placeholder(),
            _ => Err(self.error_here("expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::new(value, Span::new(start, self.pos)))
        } else {
            Err(self.error_here("expected a JSON value"))
        }
    }

    fn placeholder(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        match self.bytes[start..].iter().position(|b| *b == b'}') {
            Some(close) => {
                self.pos = start + close + 1;
                Ok(Node::new(Value::String(self.text[start..self.pos].into()), Span::new(start, self.pos)))
            }
            None => Err(self.error_at(start, "unterminated `${` placeholder")),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let mut err = self.error_at(self.pos, format!("nesting deeper than {MAX_DEPTH} levels"));
            err.kind = ParseErrorKind::Limit;
            return Err(err);
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        let mut keys = KeyIndex::default();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                if self.bytes.get(self.pos) != Some(&b'"') {
                    return Err(self.error_here("expected a string key"));
                }
                let key_start = self.pos;
                let key = self.string()?;
                let key_span = Span::new(key_start, self.pos);
                self.skip_ws();
                if self.bytes.get(self.pos) != Some(&b':') {
                    return Err(self.error_here("expected `:` after the key"));
                }
                self.pos += 1;
                self.skip_ws();
                let value = self.value()?;
                if let Some(first) = keys.earlier(&entries, &key, key_span) {
                    self.duplicates.push(DuplicateKey { key: key.clone(), span: key_span, first });
                }
                if self.budget.charge(std::mem::size_of::<Entry>() - std::mem::size_of::<Node>(), key.len()) {
                    return Err(self.budget.error(key_span));
                }
                entries.push(Entry { key: key.into(), key_span, value });
                self.skip_ws();
                match self.bytes.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error_here("expected `,` or `}` in the object")),
                }
            }
        }
        self.depth -= 1;
        entries.shrink_to_fit();
        Ok(Node::new(Value::Object(entries), Span::new(start, self.pos)))
    }

    fn array(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                items.push(self.value()?);
                self.skip_ws();
                match self.bytes.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error_here("expected `,` or `]` in the array")),
                }
            }
        }
        self.depth -= 1;
        items.shrink_to_fit();
        Ok(Node::new(Value::Array(items), Span::new(start, self.pos)))
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        let b = self.bytes;
        let mut p = self.pos;
        if b.get(p) == Some(&b'-') {
            p += 1;
        }
        match b.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => {
                while b.get(p).is_some_and(u8::is_ascii_digit) {
                    p += 1;
                }
            }
            _ => {
                self.pos = p;
                return Err(self.error_here("expected a digit"));
            }
        }
        if b.get(p) == Some(&b'.') {
            p += 1;
            if !b.get(p).is_some_and(u8::is_ascii_digit) {
                self.pos = p;
                return Err(self.error_here("expected a digit after the decimal point"));
            }
            while b.get(p).is_some_and(u8::is_ascii_digit) {
                p += 1;
            }
        }
        if matches!(b.get(p), Some(b'e' | b'E')) {
            p += 1;
            if matches!(b.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            if !b.get(p).is_some_and(u8::is_ascii_digit) {
                self.pos = p;
                return Err(self.error_here("expected a digit in the exponent"));
            }
            while b.get(p).is_some_and(u8::is_ascii_digit) {
                p += 1;
            }
        }
        self.pos = p;
        let number = self.text[start..p].parse::<f64>().unwrap_or(f64::NAN);
        Ok(Node::new(Value::Number(number), Span::new(start, p)))
    }

    /// Reads a string starting at the opening quote; leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run_start = self.pos;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.error_at(open, "unterminated string"));
            };
            match b {
                b'"' => {
                    out.push_str(&self.text[run_start..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run_start..self.pos]);
                    let (c, len) =
                        decode_escape(self.text, self.pos).ok_or_else(|| self.error_at(self.pos, "invalid escape sequence in string"))?;
                    out.push(c);
                    self.pos += len;
                    run_start = self.pos;
                }
                0..=0x1f => return Err(self.error_at(self.pos, "control character in string (escape it, e.g. `\\n`)")),
                _ => self.pos += 1,
            }
        }
    }
}

/// Decodes the JSON escape at `text[pos]` (a backslash). Gives the character and the length of
/// the escape in bytes. A lone surrogate decodes as U+FFFD, as most JSON consumers do.
#[must_use]
pub fn decode_escape(text: &str, pos: usize) -> Option<(char, usize)> {
    let b = text.as_bytes();
    let c = match b.get(pos + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(text, pos + 2)?;
            if (0xD800..0xDC00).contains(&hi) {
                if b.get(pos + 6) == Some(&b'\\')
                    && b.get(pos + 7) == Some(&b'u')
                    && let Some(lo) = hex4(text, pos + 8).filter(|lo| (0xDC00..0xE000).contains(lo))
                {
                    let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return Some((char::from_u32(code)?, 12));
                }
                return Some(('\u{fffd}', 6));
            }
            return Some((char::from_u32(hi).unwrap_or('\u{fffd}'), 6));
        }
        _ => return None,
    };
    Some((c, 2))
}

fn hex4(text: &str, pos: usize) -> Option<u32> {
    let digits = text.get(pos..pos + 4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() { format!("{c:?}") } else { format!("`{c}`") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Node, ParseError> {
        parse(s, 0, Options::default()).map(|(n, _)| n)
    }

    #[test]
    fn spans_cover_keys_and_values() {
        let text = r#"{"a": [1, "x\"y"], "b": null}"#;
        let node = parse_str(text).unwrap();
        let a = node.entry("a").unwrap();
        assert_eq!(&text[a.key_span.start()..a.key_span.end()], "\"a\"");
        let items = a.value.as_array().unwrap();
        assert_eq!(&text[items[1].span.start()..items[1].span.end()], r#""x\"y""#);
        assert_eq!(items[1].as_str(), Some("x\"y"));
    }

    #[test]
    fn errors_have_places() {
        let err = parse_str("{\"a\": }").unwrap_err();
        assert_eq!(err.span.start(), 6);
        assert!(parse_str("[1,]").is_err());
        assert!(parse_str("{\"a\":1} x").is_err());
        assert!(parse_str("\"\u{1}\"").is_err());
        let deep = "[".repeat(10_000);
        assert_eq!(parse_str(&deep).unwrap_err().kind, ParseErrorKind::Limit);
    }

    #[test]
    fn duplicates_are_collected() {
        let (_, dups) = parse("{\"a\":1,\"a\":2}", 0, Options::default()).unwrap();
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].span.start(), 7);
    }

    #[test]
    fn duplicates_in_large_objects() {
        let mut text = String::from("{");
        for i in 0..100 {
            text.push_str(&format!("\"k{i}\": {i}, "));
        }
        text.push_str("\"k50\": 0}");
        let (node, dups) = parse(&text, 0, Options::default()).unwrap();
        assert_eq!(dups.len(), 1);
        assert_eq!(&text[dups[0].first.start()..dups[0].first.end()], "\"k50\"");
        assert_eq!(node.unique_entries().count(), 100);
        assert_eq!(node.get("k50").and_then(|n| if let Value::Number(v) = n.value { Some(v) } else { None }), Some(0.0));
    }

    #[test]
    fn placeholders_only_with_option() {
        let text = "{\"T\": ${Timeout}}";
        assert!(parse_str(text).is_err());
        let (node, _) = parse(text, 0, Options { placeholders: true }).unwrap();
        assert_eq!(node.get_str("T"), Some("${Timeout}"));
    }
}
