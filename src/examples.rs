//! A rule's own examples, run: each `fail` example must give exactly the findings it expects (at
//! its `expect` positions, or on the lines of its `# expect: <rule>` comments), each `pass`
//! example none, with only that rule enabled. The test suite runs every bundled rule's, and
//! `deploylint test-rules DIR` a team's own.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::finding::Severity;
use crate::pipeline::{RunContext, check_bytes};
use crate::registry::Registry;
use crate::rule::{ExampleSpec, RuleMeta};

/// What one example of a rule gave, when it is not what it expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub rule: String,
    /// The example's file name and title.
    pub example: String,
    pub problem: String,
}

/// The findings of rule `rule` on an example: (line, column, message), sorted.
#[must_use]
pub fn findings_of(registry: &Registry, rule: &str, example: &ExampleSpec) -> Vec<(usize, usize, String)> {
    let active: HashMap<String, Severity> = [(rule.to_string(), Severity::Error)].into_iter().collect();
    let roots = vec![PathBuf::from(".")];
    let ctx = RunContext::new(registry, &active, &roots);
    let outcome = check_bytes(PathBuf::from(&example.file), example.content.clone().into_bytes(), true, &ctx);
    let mut out: Vec<(usize, usize, String)> = outcome
        .findings
        .iter()
        .filter(|f| &*f.rule == rule)
        .map(|f| {
            let pos = f.source.position(f.span.start());
            (pos.line, pos.column, f.message.clone())
        })
        .collect();
    out.sort();
    out
}

/// Lines carrying `# expect: <rule>`.
fn comment_expectations(example: &ExampleSpec, rule: &str) -> Vec<usize> {
    let marker = format!("# expect: {rule}");
    example.content.lines().enumerate().filter(|(_, l)| l.contains(&marker)).map(|(i, _)| i + 1).collect()
}

/// Runs every example of one rule; the examples that do not give what they expect.
#[must_use]
pub fn check(registry: &Registry, meta: &RuleMeta) -> Vec<Failure> {
    let id = &meta.id;
    let name = |example: &ExampleSpec| match &example.title {
        Some(title) => format!("{} ({title})", example.file),
        None => example.file.clone(),
    };
    let mut failures = Vec::new();
    for example in &meta.examples().fail {
        let got = findings_of(registry, id, example);
        let lines = comment_expectations(example, id);
        let positions: Vec<(usize, usize)> = example.expect.iter().map(|e| (e.line, e.column)).collect();
        let problem = if positions.is_empty() && lines.is_empty() {
            Some("a fail example states no expectation (`expect:` positions or `# expect:` comments)".to_string())
        } else {
            let got_positions: Vec<(usize, usize)> = got.iter().map(|(l, c, _)| (*l, *c)).collect();
            let got_lines: Vec<usize> = got.iter().map(|(l, _, _)| *l).collect();
            let ok = if positions.is_empty() { got_lines == lines } else { got_positions == positions };
            (!ok).then(|| {
                let expected = if positions.is_empty() {
                    format!("findings on lines {lines:?}")
                } else {
                    format!("findings at (line, column) {positions:?}")
                };
                format!("expected {expected}, got {}", shown(&got))
            })
        };
        if let Some(problem) = problem {
            failures.push(Failure { rule: id.clone(), example: name(example), problem });
        }
    }
    for example in &meta.examples().pass {
        let got = findings_of(registry, id, example);
        if !got.is_empty() {
            failures.push(Failure { rule: id.clone(), example: name(example), problem: format!("a pass example gave {}", shown(&got)) });
        }
    }
    failures
}

fn shown(got: &[(usize, usize, String)]) -> String {
    if got.is_empty() {
        return "none".into();
    }
    got.iter().map(|(l, c, m)| format!("{l}:{c} {m}")).collect::<Vec<_>>().join("; ")
}
