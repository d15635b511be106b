//! HCL: Terraform configuration (`.tf`, `.tfvars`) and the templates `templatefile()` renders
//! (`.tftpl`), parsed by hcl-edit into its syntax tree, where every block, attribute,
//! expression and template literal keeps its byte range in the file.
//!
//! hcl-edit bounds nesting (64 levels) and chains of operators itself, so neither parsing nor a
//! walk of its tree depends on input depth alone. This module adds what the tree does not give:
//! the comments with their spans (for suppressions), and the text a template renders as an
//! [`EmbeddedText`] mapped back to the file through escapes, `$${` and heredoc indentation.
//! It knows nothing of Terraform's functions or of AWS: what an interpolation stands for is the
//! caller's to say.

pub use hcl_edit::Span as _;
pub use hcl_edit::expr::Expression;
pub use hcl_edit::structure::{Block, Body, Structure};
pub use hcl_edit::template::{Directive, Element, Template};

use super::embedded::EmbeddedText;
use super::{DuplicateKey, ParseError, ParseErrorKind};
use crate::source::Span;

/// HCL files larger than this are not parsed: hcl-edit's tree keeps every token's white space
/// and takes 35 times the text of a real configuration, 80 times that of `[1,1,1,…]` (real
/// configuration files are a few kilobytes; generated ones are `.tf.json`, which is JSON).
pub const MAX_HCL_BYTES: usize = 1024 * 1024;

/// The span of a node of hcl-edit's tree (the whole file when the parser did not set one).
#[must_use]
pub fn span_of(node: &impl hcl_edit::Span) -> Span {
    node.span().map_or_else(Span::default, |r| Span::new(r.start, r.end))
}

/// Parses a configuration file's text (a byte-order mark is read as white space). A key
/// defined twice in a body or an object is a [`DuplicateKey`], and the rest is still read.
pub fn parse_body(text: &str) -> Result<(Body, Vec<DuplicateKey>), ParseError> {
    parse_with(text, hcl_edit::parser::parse_body)
}

/// Parses a template file's text (`templatefile()`), whose literal text holds `${…}`
/// interpolations and `%{…}` directives.
pub fn parse_template(text: &str) -> Result<Template, ParseError> {
    parse_with(text, hcl_edit::parser::parse_template).map(|(template, _)| template)
}

/// How many duplicate keys one file may have before the next is a syntax error.
const MAX_DUPLICATES: usize = 64;

fn parse_with<T>(text: &str, parse: fn(&str) -> Result<T, hcl_edit::parser::Error>) -> Result<(T, Vec<DuplicateKey>), ParseError> {
    if text.len() > MAX_HCL_BYTES {
        return Err(ParseError {
            kind: ParseErrorKind::Limit,
            message: format!(
                "it is over {} MiB, larger than a configuration written by hand (a generated one is better written as `.tf.json`)",
                MAX_HCL_BYTES >> 20
            ),
            span: Span::new(0, 0),
        });
    }
    let mut input: std::borrow::Cow<'_, str> = match text.strip_prefix('\u{feff}') {
        Some(rest) => format!("   {rest}").into(),
        None => text.into(),
    };
    let mut duplicates = Vec::new();
    loop {
        let err = match parse(&input) {
            Ok(tree) => return Ok((tree, duplicates)),
            Err(err) => err,
        };
        // hcl-edit may point inside a character: from its first byte.
        let mut at = err.location().offset().min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        // hcl-edit refuses a key defined twice (Terraform does too); we say so and read on,
        // with the second key renamed in a copy of the text of the same length.
        if err.message().contains("redefined") && duplicates.len() < MAX_DUPLICATES {
            let quoted = input[at..].starts_with('"');
            let key_start = at + usize::from(quoted);
            let len = input[key_start..]
                .find(|c: char| if quoted { c == '"' } else { !(c.is_alphanumeric() || c == '_' || c == '-') })
                .unwrap_or(0);
            if len > 0 && input.is_char_boundary(key_start + 1) {
                let key = text[key_start..key_start + len].to_string();
                let end = at + len + 2 * usize::from(quoted);
                let first = first_definition(text, at, &key, quoted).unwrap_or(Span::new(at, end));
                duplicates.push(DuplicateKey { key, span: Span::new(at, end), first });
                let renamed = if input.as_bytes()[key_start] == b'_' { "Z" } else { "_" };
                let mut copy = input.into_owned();
                let first_len = copy[key_start..].chars().next().map_or(1, char::len_utf8);
                copy.replace_range(key_start..key_start + first_len, &renamed.repeat(first_len));
                input = copy.into();
                continue;
            }
        }
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        return Err(ParseError { kind: ParseErrorKind::Syntax, message: err.message().to_string(), span: Span::new(at, end) });
    }
}

/// The earlier `key =` (or `"key" =`, `key:`) before `at`, as a best guess at the first
/// definition of a duplicate key.
fn first_definition(text: &str, at: usize, key: &str, quoted: bool) -> Option<Span> {
    let token = if quoted { format!("\"{key}\"") } else { key.to_string() };
    let mut before = &text[..at];
    while let Some(found) = before.rfind(&token) {
        let after = text[found + token.len()..].trim_start_matches([' ', '\t']);
        let boundary = found == 0 || !text[..found].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-' || c == '"');
        if boundary && after.starts_with(['=', ':']) {
            return Some(Span::new(found, found + token.len()));
        }
        before = &text[..found];
    }
    None
}

/// The shape of a configuration file as a tree of the shared kind, for what reads places only
/// (suppression comments cover the multi-line values on their lines): each attribute's value is
/// an empty string spanning its expression, each block an object of its body.
#[must_use]
pub fn outline(body: &Body) -> super::Node {
    use super::{Entry, Node, Value};
    let mut entries = Vec::new();
    for structure in body {
        match structure {
            Structure::Attribute(a) => entries.push(Entry {
                key: a.key.as_str().into(),
                key_span: span_of(&a.key),
                value: Node::new(Value::String(super::Text::default()), span_of(&a.value)),
            }),
            Structure::Block(b) => {
                let mut inner = outline(&b.body);
                inner.span = span_of(b);
                entries.push(Entry { key: b.ident.as_str().into(), key_span: span_of(&b.ident), value: inner });
            }
        }
    }
    Node::new(Value::Object(entries), span_of(body))
}

/// The comments of a configuration file (`#`, `//` and `/* */`), with their spans and their
/// text after the comment marker. Strings and heredocs are skipped, so a `#` in a value is none.
#[must_use]
pub fn comments(text: &str) -> Vec<(Span, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Open `${`/`%{` inside strings, so that a `"` in an interpolation does not end its string.
    let mut in_string = false;
    let mut braces: Vec<bool> = Vec::new();
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    if b.get(i.wrapping_sub(1)) != Some(&c) {
                        braces.push(true);
                        in_string = false;
                    }
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' => braces.push(false),
            b'}' if braces.pop() == Some(true) => {
                in_string = true;
            }
            b'#' => {
                let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
                out.push((Span::new(i, end), text[i + 1..end].trim_end_matches('\r').to_string()));
                i = end;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
                out.push((Span::new(i, end), text[i + 2..end].trim_end_matches('\r').to_string()));
                i = end;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                let body = text[i + 2..end].trim_end_matches("*/");
                out.push((Span::new(i, end), body.to_string()));
                i = end;
                continue;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                if let Some(end) = heredoc_end(text, i) {
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The end of a heredoc starting at `<<` (`<<EOF` or `<<-EOF`, its delimiter alone on a line).
fn heredoc_end(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let name_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))?;
    let name = &rest[..name_len];
    if name.is_empty() || !rest[name_len..].starts_with(['\n', '\r']) {
        return None;
    }
    let body_start = at + (text.len() - at) - rest.len() + name_len;
    let mut pos = body_start;
    while let Some(n) = text[pos..].find('\n') {
        let line_start = pos + n + 1;
        let line_end = text[line_start..].find('\n').map_or(text.len(), |e| line_start + e);
        if text[line_start..line_end].trim() == name {
            return Some(line_end);
        }
        pos = line_start;
    }
    Some(text.len())
}

/// The placeholder for an expression the caller cannot give a value: `${` and its source text
/// without quotes, braces, backslashes and white space `}` (so that it reads as one
/// placeholder name wherever `${Name}` placeholders are read).
#[must_use]
pub fn placeholder(file_text: &str, span: Span) -> String {
    let source = file_text.get(span.start()..span.end()).unwrap_or("");
    let inner = source.strip_prefix("${").and_then(|s| s.strip_suffix('}')).unwrap_or(source);
    let inner = inner.strip_prefix('~').unwrap_or(inner);
    let inner = inner.strip_suffix('~').unwrap_or(inner);
    let clean: String =
        inner.chars().filter(|c| !matches!(c, '"' | '{' | '}' | '\\' | '$') && !c.is_whitespace() && !c.is_control()).take(200).collect();
    format!("${{{clean}}}")
}

/// Renders a template into `out`: literal text aligned with its source (backslash escapes
/// only in a `quoted` string, not in heredocs or template files), each interpolation as what
/// `value` gives for its expression, else as a [`placeholder`]. A directive renders its `if`
/// branch, or its `for` body once; its span goes to `directives`, since the document rendered
/// may not be the one deployed.
pub fn render(
    file_text: &str,
    template: &Template,
    quoted: bool,
    value: &mut dyn FnMut(&Expression) -> Option<String>,
    out: &mut EmbeddedText,
    directives: &mut Vec<Span>,
) {
    for element in template {
        match element {
            Element::Literal(literal) => {
                let span = span_of(literal);
                push_literal(file_text, literal.value(), span, quoted, out);
            }
            Element::Interpolation(interpolation) => {
                let span = span_of(interpolation);
                let text = value(&interpolation.expr).unwrap_or_else(|| placeholder(file_text, span));
                out.push_synthetic(&text, span);
            }
            Element::Directive(directive) => {
                let (span, inner) = match &**directive {
                    Directive::If(d) => (span_of(d), &d.if_expr.template),
                    Directive::For(d) => (span_of(d), &d.for_expr.template),
                };
                directives.push(span);
                render(file_text, inner, quoted, value, out, directives);
            }
        }
    }
}

/// Appends a literal of a template or a quoted string, decoded as `value`, whose source is
/// `span` (without quotes).
pub fn push_literal(file_text: &str, value: &str, span: Span, quoted: bool, out: &mut EmbeddedText) {
    let raw = file_text.get(span.start()..span.end()).unwrap_or("");
    out.push_aligned(value, span, &mut |emit| align(raw, span.start(), value, quoted, emit));
}

/// Appends the value of a quoted string without interpolations (its span covers the quotes).
pub fn push_string(file_text: &str, value: &str, span: Span, out: &mut EmbeddedText) {
    let inner = if span.len() >= 2 { Span::new(span.start() + 1, span.end() - 1) } else { span };
    push_literal(file_text, value, inner, true, out);
}

/// Walks `decoded` against `raw` (at file offset `base`), calling `emit(bytes, span)` for each
/// character: its UTF-8 length and the file span that produced it. False when the two cannot
/// be matched. HCL escapes (`\n`, `\"`, `\uXXXX`, `\UXXXXXXXX`) only when `quoted`; `$${` and
/// `%%{` always; white space of the source that the value lacks (heredoc indentation) skipped.
fn align(raw: &str, base: usize, decoded: &str, quoted: bool, emit: &mut dyn FnMut(usize, Span)) -> bool {
    let rb = raw.as_bytes();
    let mut p = 0;
    // A byte-order mark is parsed as three spaces (see [`parse_body`]).
    let mut bom = if raw.starts_with('\u{feff}') && decoded.starts_with("   ") { 3 } else { 0 };
    for c in decoded.chars() {
        if bom > 0 {
            emit(1, Span::new(base, base + 3));
            bom -= 1;
            p = 3;
            continue;
        }
        loop {
            let Some(rc) = raw.get(p..).and_then(|s| s.chars().next()) else { return false };
            if quoted && rc == '\\' {
                let Some((ec, len)) = escape(raw, p) else { return false };
                if ec != c {
                    return false;
                }
                emit(c.len_utf8(), Span::new(base + p, base + p + len));
                p += len;
                break;
            }
            if (rc == '$' || rc == '%') && c == rc && rb.get(p + 1) == Some(&rb[p]) && rb.get(p + 2) == Some(&b'{') {
                emit(1, Span::new(base + p, base + p + 2));
                p += 2;
                break;
            }
            if rc == c {
                emit(c.len_utf8(), Span::new(base + p, base + p + rc.len_utf8()));
                p += rc.len_utf8();
                break;
            }
            if rc.is_whitespace() {
                p += rc.len_utf8();
                continue;
            }
            return false;
        }
    }
    true
}

/// An HCL quoted-string escape at `raw[p] == '\\'`: the character and the escape's length.
fn escape(raw: &str, p: usize) -> Option<(char, usize)> {
    let hex = |len: usize| raw.get(p + 2..p + 2 + len).and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32);
    Some(match raw.as_bytes().get(p + 1)? {
        b'n' => ('\n', 2),
        b'r' => ('\r', 2),
        b't' => ('\t', 2),
        b'"' => ('"', 2),
        b'\\' => ('\\', 2),
        b'u' => (hex(4)?, 6),
        b'U' => (hex(8)?, 10),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::json;

    fn attr<'b>(body: &'b Body, name: &str) -> &'b Expression {
        body.iter()
            .find_map(|s| match s {
                Structure::Attribute(a) if a.key.as_str() == name => Some(&a.value),
                _ => None,
            })
            .unwrap()
    }

    fn rendered(file: &str, expr: &Expression) -> (EmbeddedText, Vec<Span>) {
        let mut out = EmbeddedText::new(span_of(expr));
        let mut directives = Vec::new();
        match expr {
            Expression::String(s) => push_string(file, s.value(), span_of(expr), &mut out),
            Expression::StringTemplate(t) => render(file, t, true, &mut |_| None, &mut out, &mut directives),
            Expression::HeredocTemplate(h) => render(file, &h.template, false, &mut |_| None, &mut out, &mut directives),
            _ => panic!("not a string"),
        }
        (out, directives)
    }

    #[test]
    fn heredocs_and_quoted_strings_map_back_to_the_file() {
        let file = "a = <<-EOT\n    {\"Action\": \"s3:*\", \"Resource\": \"${aws_s3_bucket.b.arn}/*\", \"C\": \"x\\n\"}\n  EOT\nb = \"{\\\"Action\\\": \\\"sqs:*\\\", \\\"R\\\": \\\"$${aws:username}\\\"}\"\n";
        let (body, _) = parse_body(file).unwrap();
        let at = |span: Span| &file[span.start()..span.end()];
        let (text, _) = rendered(file, attr(&body, "a"));
        let (doc, _) = text.parse_json(json::Options::default()).unwrap();
        assert_eq!(at(doc.get("Action").unwrap().span), "\"s3:*\"");
        assert_eq!(doc.get_str("Resource"), Some("${aws_s3_bucket.b.arn}/*"));
        assert_eq!(at(doc.get("Resource").unwrap().span), "\"${aws_s3_bucket.b.arn}/*\"");
        // In a heredoc a backslash is a backslash: JSON reads the escape.
        assert_eq!(doc.get_str("C"), Some("x\n"));
        let (text, _) = rendered(file, attr(&body, "b"));
        let (doc, _) = text.parse_json(json::Options::default()).unwrap();
        assert_eq!(at(doc.get("Action").unwrap().span), "\\\"sqs:*\\\"");
        assert_eq!(doc.get_str("R"), Some("${aws:username}"));
        assert_eq!(at(doc.entry("R").unwrap().value.span), "\\\"$${aws:username}\\\"");
    }

    #[test]
    fn directives_render_one_branch_and_are_recorded() {
        let file = "{\"A\": [%{ for s in list ~}\"${s}\"%{ endfor ~}], \"B\": \"%{ if x }y%{ else }z%{ endif }\"}";
        let template = parse_template(file).unwrap();
        let mut out = EmbeddedText::new(Span::new(0, file.len()));
        let mut directives = Vec::new();
        render(file, &template, false, &mut |_| None, &mut out, &mut directives);
        assert_eq!(out.text, "{\"A\": [\"${s}\"], \"B\": \"y\"}");
        assert_eq!(directives.len(), 2);
        assert!(file[directives[0].start()..].starts_with("%{ for"));
    }

    #[test]
    fn comments_skip_strings_and_heredocs() {
        let file = "# one\na = \"#not\" // two\nb = <<EOF\n# not either\nEOF\nc = \"${x[\"#\"]}\" /* three */\n";
        let found: Vec<String> = comments(file).into_iter().map(|(_, t)| t).collect();
        assert_eq!(found, [" one", " two", " three "]);
    }

    #[test]
    fn errors_are_located() {
        let file = "resource \"a\" \"b\" {\n  x = \n}\n";
        let err = parse_body(file).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::Syntax);
        assert!(err.span.start() > 20, "{err:?}");
        assert!(parse_body("\u{feff}a = 1\n").is_ok());
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_rest_read() {
        let file = "locals {\n  m = {\n    a = 1\n    \"b\" = 2\n    a = 3\n    \"b\" = 4\n  }\n  m = 5\n}\nresource \"x\" \"y\" {}\n";
        let (body, dups) = parse_body(file).unwrap();
        let at = |span: Span| &file[span.start()..span.end()];
        let found: Vec<(&str, &str, usize)> = dups.iter().map(|d| (d.key.as_str(), at(d.span), d.first.start())).collect();
        assert_eq!(found, [("a", "a", 21), ("b", "\"b\"", 31), ("m", "m", 11)]);
        assert_eq!(body.iter().count(), 2);
    }

    #[test]
    fn placeholders_are_one_name() {
        let file = "${lookup(var.m, \"k\")}";
        assert_eq!(placeholder(file, Span::new(0, file.len())), "${lookup(var.m,k)}");
    }
}
