//! Suppressions in YAML comments: `# deploylint:ignore <rule>[,<rule>] [--] <reason>` on a
//! finding's line or alone on the line above it, and `# deploylint:ignore-file <rule>[,…]
//! [--] <reason>` anywhere in the file. A comment on the line of a block scalar (or above it)
//! covers the whole scalar: an embedded definition cannot hold comments of its own.

use std::sync::Arc;

use super::{Cover, Directive, Rules, Selector, note, without_reason};
use crate::finding::Finding;
use crate::parse::{Node, Value};
use crate::rule::builtin;
use crate::source::{Source, Span};

/// Parses the text of a comment (without `#`) as a directive: (whole file?, rules, reason).
fn parse(text: &str) -> Option<(bool, Vec<String>, Option<String>)> {
    let text = text.trim();
    let (file, rest) = if let Some(rest) = text.strip_prefix("deploylint:ignore-file") {
        (true, rest)
    } else {
        (false, text.strip_prefix("deploylint:ignore")?)
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let mut rest = rest.trim_start();
    let mut rules = Vec::new();
    loop {
        let end = token_end(rest);
        if end > 0 {
            rules.push(rest[..end].to_string());
        }
        rest = rest[end..].trim_start();
        match rest.strip_prefix(',') {
            Some(after) => rest = after.trim_start(),
            None => break,
        }
    }
    let reason = rest.strip_prefix("--").unwrap_or(rest).trim();
    Some((file, rules, (!reason.is_empty()).then(|| reason.to_string())))
}

/// Where a rule token ends: at a space or comma outside its `[values]`.
fn token_end(text: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 && (c.is_whitespace() || c == ',') => return i,
            _ => {}
        }
    }
    text.len()
}

/// The directives of a file's comments; notes for rule names that exist nowhere and for
/// directives without a reason go to `notes`.
pub(super) fn directives(
    source: &Arc<Source>,
    comments: &[(Span, String)],
    documents: &[Node],
    rules: &Rules<'_>,
    notes: &mut Vec<Finding>,
) -> Vec<Directive> {
    let mut out = Vec::new();
    for (span, text) in comments {
        let Some((file, names, reason)) = parse(text) else { continue };
        let position = source.position(span.start());
        let line_start = source.line_range(source.line_index(span.start())).start;
        let alone = source.text.get(line_start..span.start()).is_some_and(|before| before.trim().is_empty());
        let lines = (position.line, if alone { position.line + 1 } else { position.line });
        let locator = format!("deploylint:ignore{} {}", if file { "-file" } else { "" }, names.join(","));
        let locator = crate::finding::locator_part(&locator).into_owned();
        let mut selectors = Vec::new();
        for name in names {
            match Selector::check(&name, rules.known) {
                Ok(()) => selectors.push(Selector::parse(&name)),
                Err(why) => notes.push(note(builtin::INVALID_IGNORE, source, *span, &locator, format!("`deploylint:ignore`: {why}"))),
            }
        }
        if selectors.is_empty() {
            continue;
        }
        if reason.is_none() {
            notes.push(without_reason(source, *span, &locator, "say why the finding is accepted after `--`"));
        }
        let cover = if file { Cover::File } else { Cover::Lines { lines, strings: Vec::new() } };
        out.push(Directive { span: *span, locator, cover, selectors, reason, kind: if file { "file" } else { "inline" }, used: false });
    }
    if out.iter().any(|d| matches!(d.cover, Cover::Lines { .. })) {
        add_block_strings(source, documents, &mut out);
    }
    out
}

/// Gives each line directive the multi-line strings it covers: those that start on its lines
/// (`!Sub |` starts on the line of its tag), and those anywhere in the value of a key on its
/// lines (`DefinitionString:` over a `!Sub [ |, {…} ]` list, or a `|` on the next line).
fn add_block_strings(source: &Source, documents: &[Node], directives: &mut [Directive]) {
    let covered =
        |directive: &Directive, line: usize| matches!(&directive.cover, Cover::Lines { lines, .. } if lines.0 == line || lines.1 == line);
    let line_of = |offset: usize| source.line_index(offset) + 1;
    let mut pending: Vec<(usize, &Node)> = documents.iter().map(|d| (d.span.start(), d)).collect();
    while let Some((start, node)) = pending.pop() {
        match &node.value {
            Value::String(_) if line_of(start) != line_of(node.span.end()) => {
                for directive in directives.iter_mut().filter(|d| covered(d, line_of(start))) {
                    if let Cover::Lines { strings, .. } = &mut directive.cover {
                        strings.push(node.span);
                    }
                }
            }
            Value::Tagged(_, inner) => pending.push((start, inner)),
            Value::Array(items) => pending.extend(items.iter().map(|n| (n.span.start(), n))),
            Value::Object(entries) => {
                for entry in entries {
                    let key_line = line_of(entry.key_span.start());
                    if directives.iter().any(|d| covered(d, key_line)) {
                        let strings = multi_line_strings(source, &entry.value);
                        for directive in directives.iter_mut().filter(|d| covered(d, key_line)) {
                            if let Cover::Lines { strings: mine, .. } = &mut directive.cover {
                                mine.extend(&strings);
                            }
                        }
                    }
                    pending.push((entry.value.span.start(), &entry.value));
                }
            }
            _ => {}
        }
    }
}

/// The spans of the block scalars and other strings over more than one line in a value.
fn multi_line_strings(source: &Source, value: &Node) -> Vec<Span> {
    let mut out = Vec::new();
    let mut pending = vec![value];
    while let Some(node) = pending.pop() {
        match &node.value {
            Value::String(_)
                if source.line_index(node.span.start()) != source.line_index(node.span.end())
                    || is_block_scalar(&source.text, node.span.start()) =>
            {
                out.push(node.span);
            }
            Value::Tagged(_, inner) => pending.push(inner),
            Value::Array(items) => pending.extend(items),
            Value::Object(entries) => pending.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    out
}

/// Whether the string starting at `start` is a block scalar: `|` or `>` (with chomping and
/// indentation indicators) before it.
fn is_block_scalar(text: &str, start: usize) -> bool {
    let before = text.get(..start).unwrap_or("").trim_end();
    let token = before.rsplit(char::is_whitespace).next().unwrap_or("");
    token.starts_with(['|', '>']) && token[1..].bytes().all(|b| b == b'-' || b == b'+' || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn directives() {
        assert_eq!(
            parse(" deploylint:ignore asl/task-retry -- retried by the caller"),
            Some((false, vec!["asl/task-retry".into()], Some("retried by the caller".into())))
        );
        assert_eq!(
            parse("deploylint:ignore asl/a, asl/b legacy flow"),
            Some((false, vec!["asl/a".into(), "asl/b".into()], Some("legacy flow".into())))
        );
        assert_eq!(
            parse("deploylint:ignore iam/wildcard-action[logs:*, s3:Get*],asl/a -- log delivery"),
            Some((false, vec!["iam/wildcard-action[logs:*, s3:Get*]".into(), "asl/a".into()], Some("log delivery".into())))
        );
        assert_eq!(parse("deploylint:ignore-file iam"), Some((true, vec!["iam".into()], None)));
        assert_eq!(parse("deploylint:ignored asl/a"), None);
        assert_eq!(parse("a comment"), None);
    }
}
