//! Rule documentation as Markdown, from rule metadata only: `deploylint explain`, SARIF
//! `help.markdown` and the generated pages under docs/rules/ all come from here.

use std::fmt::Write as _;

use crate::rule::ExampleSpec;
use crate::rule::RuleMeta;

/// The page for one rule.
#[must_use]
pub fn markdown(meta: &RuleMeta) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}\n", meta.id, meta.title);
    let checks = match meta.kind {
        crate::rule::RuleKind::Declarative => format!("Checks: `{}` (declarative rule).", meta.target),
        crate::rule::RuleKind::Analyzer => "Checks: state machines and the documents around them (Rust analyzer).".to_string(),
        crate::rule::RuleKind::Pipeline => "Raised by deploylint while reading files.".to_string(),
        crate::rule::RuleKind::Guard => "Checks: templates and plans (an AWS CloudFormation Guard rule).".to_string(),
    };
    let _ = writeln!(out, "Default severity: **{}**. {checks}\n", meta.severity);
    let _ = writeln!(out, "## What it does\n\n{}\n", meta.docs().summary.trim());
    let _ = writeln!(out, "## Why is this bad?\n\n{}\n", meta.docs().why.trim());
    let _ = writeln!(out, "## How to fix\n\n{}\n", meta.docs().fix.trim());
    if !meta.examples().fail.is_empty() {
        out.push_str("## Flagged\n\n");
        for example in &meta.examples().fail {
            example_block(&mut out, example);
        }
    }
    if !meta.examples().pass.is_empty() {
        out.push_str("## Not flagged\n\n");
        for example in &meta.examples().pass {
            example_block(&mut out, example);
        }
    }
    if !meta.docs().references.is_empty() {
        out.push_str("## References\n\n");
        for reference in &meta.docs().references {
            let _ = writeln!(out, "- {reference}");
        }
        out.push('\n');
    }
    out
}

fn example_block(out: &mut String, example: &ExampleSpec) {
    let lang =
        if std::path::Path::new(&example.file).extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) { "json" } else { "yaml" };
    let title = example.title.as_deref().unwrap_or("");
    let _ = writeln!(out, "`{}`{}{}\n", example.file, if title.is_empty() { "" } else { ": " }, title);
    let _ = writeln!(out, "```{lang}\n{}\n```\n", example.content.trim_end());
}

/// The index page: every rule with its severity and title.
#[must_use]
pub fn index(rules: &[&RuleMeta]) -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from the rule files in `rules/` (`deploylint rules` prints the same list).\n\n| id | severity | title |\n|---|---|---|\n",
    );
    for meta in rules {
        let _ = writeln!(out, "| [`{}`]({}.md) | {} | {} |", meta.id, meta.id, meta.severity, meta.title);
    }
    out
}
