//! Suppressions, the stage between the rules and the report. A finding is accepted by a YAML
//! comment ([`comments`]: `# deploylint:ignore <rule> -- <reason>` on its line or the line
//! above, `# deploylint:ignore-file …`), by its CloudFormation resource's
//! `Metadata: {deploylint: {ignore: […]}}` ([`metadata`]), or by the baseline ([`baseline`]).
//! A suppressed finding stays in the JSON and SARIF reports, marked with its kind and reason;
//! the others leave it out. A suppression that names no rule, one that matches nothing, and one
//! without a reason are notes of their own.
//!
//! A suppression names rules, families (`iam`) or one rule for some values only
//! (`iam/wildcard-action[logs:*]`): that covers a finding only while it names one of those
//! values, so a statement that later grants `s3:*` as well is reported again.

pub mod baseline;
mod comments;
mod metadata;

use std::sync::Arc;

use crate::finding::{Finding, Severity, Suppression};
use crate::parse::Node;
use crate::rule::builtin;
use crate::source::{Source, Span};

/// A rule selector, maybe for some values only: `iam/wildcard-action[logs:*, s3:Get*]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub rule: String,
    /// Empty: every finding of the rule.
    pub values: Vec<String>,
}

impl Selector {
    /// Reads `rule` or `rule[value, …]`.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        match text.strip_suffix(']').and_then(|t| t.split_once('[')) {
            Some((rule, values)) => Self {
                rule: rule.trim().to_string(),
                values: values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect(),
            },
            None => Self { rule: text.to_string(), values: Vec::new() },
        }
    }

    /// Whether it covers the finding: its rule (or family), and one of its values if it has any.
    #[must_use]
    pub fn matches(&self, finding: &Finding) -> bool {
        let covered = |value: &str| self.values.iter().any(|v| v == value);
        crate::settings::matches_selector(&finding.rule, &self.rule)
            && (self.values.is_empty()
                || if finding.values.is_empty() {
                    finding.subject.as_deref().is_some_and(covered)
                } else {
                    // A finding that names several values is covered only if all of them are.
                    finding.values.iter().all(|v| covered(v))
                })
    }

    /// Whether a selector's text is well formed, given which rule ids exist.
    pub fn check(text: &str, ids: &[&str]) -> Result<(), String> {
        let shown = crate::finding::shortened(text, 100);
        if text.contains('[') && !text.trim_end().ends_with(']') {
            return Err(format!("`{shown}` has no closing `]`: write `rule[value, …]`"));
        }
        let selector = Self::parse(text);
        if text.contains('[') && selector.values.is_empty() {
            return Err(format!("`{shown}` names no values between `[` and `]`: write `rule[value]`, or the rule alone"));
        }
        crate::rule::check_selector(&selector.rule, ids)
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.rule)?;
        if !self.values.is_empty() {
            write!(f, "[{}]", self.values.join(", "))?;
        }
        Ok(())
    }
}

/// What a suppression covers in its file.
#[derive(Debug)]
enum Cover {
    File,
    /// These lines (its own and the next, for a comment alone on its line), and the
    /// multi-line strings that start on them (a block scalar cannot hold comments).
    Lines {
        lines: (usize, usize),
        strings: Vec<Span>,
    },
    /// A CloudFormation resource, key to end of value.
    Range(Span),
}

/// One suppression written in a file.
#[derive(Debug)]
struct Directive {
    /// Where it is written (the notes about it point here).
    span: Span,
    /// How it is named in a locator: its text, not its line, so notes keep their fingerprints.
    locator: String,
    cover: Cover,
    selectors: Vec<Selector>,
    reason: Option<String>,
    kind: &'static str,
    used: bool,
}

/// Which rule ids exist, and which run in this check.
pub struct Rules<'a> {
    /// Every rule id.
    pub known: &'a [&'a str],
    pub active: &'a dyn Fn(&str) -> bool,
}

/// Marks the findings of `source` that its comments and resources' `Metadata` suppress, and
/// returns the notes about the suppressions themselves.
pub fn apply(
    source: &Arc<Source>,
    comments: &[(Span, String)],
    documents: &[Node],
    findings: &mut [Finding],
    rules: &Rules<'_>,
) -> Vec<Finding> {
    let mut notes = Vec::new();
    let mut directives = comments::directives(source, comments, documents, rules, &mut notes);
    directives.extend(metadata::directives(source, documents, rules, &mut notes));
    if directives.is_empty() {
        return notes;
    }
    for finding in findings.iter_mut().filter(|f| Arc::ptr_eq(&f.source, source)) {
        let line = source.position(finding.span.start()).line;
        let covers = |d: &Directive| match &d.cover {
            Cover::File => true,
            Cover::Lines { lines, strings } => {
                lines.0 == line || lines.1 == line || strings.iter().any(|s| s.start <= finding.span.start && finding.span.end <= s.end)
            }
            Cover::Range(range) => range.start <= finding.span.start && finding.span.end <= range.end,
        };
        // The narrowest first: a line's suppression before its resource's, before the file's.
        let rank = |d: &Directive| match d.cover {
            Cover::Lines { .. } => 0,
            Cover::Range(_) => 1,
            Cover::File => 2,
        };
        if let Some(directive) =
            directives.iter_mut().filter(|d| covers(d) && d.selectors.iter().any(|s| s.matches(finding))).min_by_key(|d| rank(d))
        {
            directive.used = true;
            finding.suppressed = Some(Box::new(Suppression {
                kind: directive.kind,
                reason: directive.reason.clone(),
                at: Some((source.path.clone(), directive.span)),
            }));
        }
    }
    for directive in directives.iter().filter(|d| !d.used && d.selectors.iter().any(|s| (rules.active)(&s.rule))) {
        let names: Vec<String> = directive.selectors.iter().map(ToString::to_string).collect();
        let message = format!("this suppression of `{}` matches no finding: remove it", names.join("`, `"));
        notes.push(note(builtin::UNUSED_IGNORE, source, directive.span, &directive.locator, message));
    }
    notes
}

/// A note about a suppression.
fn note(rule: &str, source: &Arc<Source>, span: Span, locator: &str, message: String) -> Finding {
    let mut note = Finding::new(rule, Severity::Note, source, span, message);
    locator.clone_into(&mut note.locator);
    note
}

/// The note for a suppression that gives no reason (it still applies).
fn without_reason(source: &Arc<Source>, span: Span, locator: &str, how: &str) -> Finding {
    note(builtin::IGNORE_WITHOUT_REASON, source, span, locator, format!("this suppression gives no reason: {how}"))
}
