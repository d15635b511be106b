//! Suppressions, the stage between the rules and the report: a YAML comment
//! `# deploylint:ignore <rule>[,<rule>] [--] <reason>` on a finding's line or the line above
//! it, and `# deploylint:ignore-file <rule>[,…] [--] <reason>` anywhere in the file. A
//! suppressed finding stays in the JSON and SARIF reports, marked with its reason; the others
//! leave it out. A suppression that names no rule, one that matches nothing, and one without a
//! reason are notes of their own.

use std::sync::Arc;

use crate::finding::{Finding, Severity, Suppression};
use crate::rule::builtin;
use crate::source::{Source, Span};

/// One directive found in a comment.
#[derive(Debug)]
struct Directive {
    span: Span,
    /// The line it covers besides its own (the next, for a comment alone on its line).
    lines: (usize, usize),
    file: bool,
    rules: Vec<String>,
    reason: Option<String>,
    used: bool,
}

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
        let end = rest.find(|c: char| c.is_whitespace() || c == ',').unwrap_or(rest.len());
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

/// Marks the findings of `source` that its comments suppress, and returns the notes about the
/// suppressions themselves. `known` says whether a rule id exists, `active` whether it runs.
pub fn apply(
    source: &Arc<Source>,
    comments: &[(Span, String)],
    findings: &mut [Finding],
    known: &dyn Fn(&str) -> bool,
    active: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut directives: Vec<Directive> = Vec::new();
    let mut notes = Vec::new();
    for (span, text) in comments {
        let Some((file, rules, reason)) = parse(text) else { continue };
        let position = source.position(span.start());
        let line_start = source.line_range(source.line_index(span.start())).start;
        let alone = source.text.get(line_start..span.start()).is_some_and(|before| before.trim().is_empty());
        let lines = (position.line, if alone { position.line + 1 } else { position.line });
        let mut valid = Vec::new();
        for rule in rules {
            if known(&rule) {
                valid.push(rule);
            } else {
                let mut note = Finding::new(
                    builtin::INVALID_IGNORE,
                    Severity::Note,
                    source,
                    *span,
                    format!(
                        "`deploylint:ignore` names `{}`, which is no rule (see `deploylint rules`)",
                        crate::finding::shortened(&rule, 100)
                    ),
                );
                note.locator = format!("line-{}", position.line);
                notes.push(note);
            }
        }
        if reason.is_none() && !valid.is_empty() {
            let mut note = Finding::new(
                builtin::IGNORE_WITHOUT_REASON,
                Severity::Note,
                source,
                *span,
                "this suppression gives no reason: say why the finding is accepted after `--`".to_string(),
            );
            note.locator = format!("line-{}", position.line);
            notes.push(note);
        }
        if !valid.is_empty() {
            directives.push(Directive { span: *span, lines, file, rules: valid, reason, used: false });
        }
    }
    if directives.is_empty() {
        return notes;
    }
    for finding in findings.iter_mut().filter(|f| Arc::ptr_eq(&f.source, source)) {
        let line = source.position(finding.span.start()).line;
        if let Some(directive) = directives.iter_mut().find(|d| {
            (d.file || d.lines.0 == line || d.lines.1 == line)
                && d.rules.iter().any(|r| crate::settings::matches_selector(&finding.rule, r))
        }) {
            directive.used = true;
            let kind = if directive.file { "file" } else { "inline" };
            finding.suppressed = Some(Suppression { kind, reason: directive.reason.clone() });
        }
    }
    for directive in directives.iter().filter(|d| !d.used && d.rules.iter().any(|r| active(r))) {
        let line = source.position(directive.span.start()).line;
        let mut note = Finding::new(
            builtin::UNUSED_IGNORE,
            Severity::Note,
            source,
            directive.span,
            format!("this suppression of `{}` matches no finding: remove it", directive.rules.join("`, `")),
        );
        note.locator = format!("line-{line}");
        notes.push(note);
    }
    notes
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
        assert_eq!(parse("deploylint:ignore-file iam"), Some((true, vec!["iam".into()], None)));
        assert_eq!(parse("deploylint:ignored asl/a"), None);
        assert_eq!(parse("a comment"), None);
    }
}
