//! Reports: findings → text in one of five formats. The only place (with `source`) where
//! spans become lines and columns, where colours are decided and output escaping happens.

mod github;
mod human;
mod json;
mod junit;
pub mod progress;
mod sarif;

use crate::finding::{Finding, Severity};
use crate::rule::RuleMeta;
use crate::source::Position;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

/// Everything a report shows.
pub struct Report<'a> {
    /// Sorted by file, position, rule.
    pub findings: &'a [Finding],
    /// Findings accepted by a suppression (in JSON and SARIF only, marked so).
    pub suppressed: &'a [Finding],
    /// Metadata of the rules that ran (SARIF `tool.driver.rules`, help links).
    pub rules: Vec<&'a RuleMeta>,
    /// Files that were checked (recognised), for summaries and JUnit.
    pub files: &'a [std::path::PathBuf],
    pub color: bool,
    pub elapsed_ms: u128,
    pub artifacts: crate::extract::ArtifactCounts,
    pub human: HumanOptions,
}

/// What the human report shows.
#[derive(Clone, Debug, Default)]
pub struct HumanOptions {
    /// Notes are shown (else counted only), and those of these rules anyway (selected by id).
    pub show_notes: bool,
    pub note_rules: Vec<String>,
    /// The findings only: no summary.
    pub quiet: bool,
    /// Counts per rule instead of the findings.
    pub statistics: bool,
    /// When no file was one deploylint reads: what it saw instead, and why it skipped it (no
    /// silent "no problems in 0 files").
    pub nothing_checked: Option<String>,
}

impl HumanOptions {
    /// Whether the human report shows this finding.
    #[must_use]
    pub fn shows(&self, finding: &Finding) -> bool {
        finding.severity != Severity::Note || self.show_notes || self.note_rules.iter().any(|r| **r == *finding.rule)
    }
}

/// Where the rule docs live; each rule's page is `{DOCS_BASE}/<family>/<name>.md`.
pub const DOCS_BASE: &str = "https://github.com/deploylint/deploylint/blob/main/docs/rules";

#[must_use]
pub fn docs_url(rule: &str) -> String {
    format!("{DOCS_BASE}/{rule}.md")
}

impl<'a> Report<'a> {
    /// Each rule's documentation link, by id: a bundled rule's page, a user rule's own `url`,
    /// or none (a user rule without one: never a page of ours that does not exist). A rule the
    /// report has no metadata for is one of ours.
    #[must_use]
    pub fn docs_links(&self) -> DocsLinks<'a> {
        DocsLinks(self.rules.iter().map(|m| (m.id.as_str(), m.url.as_deref())).collect())
    }
}

/// Each rule's documentation link (see [`Report::docs_links`]).
pub struct DocsLinks<'a>(std::collections::HashMap<&'a str, Option<&'a str>>);

impl DocsLinks<'_> {
    /// The link of `rule`, when it has one.
    #[must_use]
    pub fn of(&self, rule: &str) -> Option<String> {
        match self.0.get(rule) {
            Some(url) => url.map(str::to_string),
            None => Some(docs_url(rule)),
        }
    }
}

impl Report<'_> {
    /// The whole report as text (tests, small outputs).
    #[must_use]
    pub fn render(&self, format: Format) -> String {
        let mut out = Vec::new();
        // Writing to memory cannot fail.
        let _ = self.render_to(format, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Writes the report as it is rendered, finding by finding.
    pub fn render_to(&self, format: Format, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match format {
            Format::Human => human::render(self, out),
            Format::Json => json::render(self, out),
            Format::Sarif => sarif::render(self, out),
            Format::Github => github::render(self, out),
            Format::Junit => junit::render(self, out),
        }
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    fn meta(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().copied().find(|m| m.id == id)
    }
}

/// A sequence serialized as it is produced (a report's findings are never all built at once).
pub(crate) struct Lazy<'a, T>(std::cell::RefCell<Option<Box<dyn Iterator<Item = T> + 'a>>>);

impl<'a, T> Lazy<'a, T> {
    pub(crate) fn new(items: impl Iterator<Item = T> + 'a) -> Self {
        Self(std::cell::RefCell::new(Some(Box::new(items))))
    }
}

impl<T: serde::Serialize> serde::Serialize for Lazy<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        serializer.collect_seq(items.into_iter().flatten())
    }
}

/// Start and end positions of a finding.
fn range(finding: &Finding) -> (Position, Position) {
    finding.source.range(finding.span)
}

/// A path for output: forward slashes on every platform (on Windows `\\` is a separator; elsewhere
/// it is a character of the name and stays).
fn path_text(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    if cfg!(windows) { text.replace('\\', "/") } else { text.into_owned() }
}

/// Text from the input (a name, a message, a file name) made safe for a terminal or a CI log:
/// control characters and the invisible ones that reorder text are shown escaped (`\r`,
/// `\x1b`, `\u{202e}`), so file content cannot move the cursor, recolour the terminal or start
/// a line with `::error` in a GitHub Actions log. Tabs stay; line feeds stay only if `lines`.
#[must_use]
pub fn escape_control(text: &str) -> std::borrow::Cow<'_, str> {
    escape_text(text, false)
}

pub(crate) fn escape_text(text: &str, lines: bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| needs_escape(c, lines)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c, lines) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn needs_escape(c: char, lines: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !lines,
        c if c.is_control() => true,
        // Bidirectional overrides and isolates, zero-width marks, line and paragraph separators.
        '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}' => true,
        _ => false,
    }
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    let _ = match c {
        '\r' => write!(out, "\\r"),
        '\n' => write!(out, "\\n"),
        c if (c as u32) < 0x100 => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    };
}
