//! Reports: findings → text in one of five formats. The only place (with `source`) where
//! spans become lines and columns, where colours are decided and output escaping happens.

mod github;
mod human;
mod json;
mod junit;
mod sarif;

use crate::engine::RuleMeta;
use crate::finding::{Finding, Severity};
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
    /// Metadata of the rules that ran (SARIF `tool.driver.rules`, help links).
    pub rules: Vec<&'a RuleMeta>,
    /// Files that were checked (recognised), for summaries and JUnit.
    pub files: &'a [std::path::PathBuf],
    pub color: bool,
    pub elapsed_ms: u128,
    pub artifacts: crate::extract::ArtifactCounts,
}

/// Where the rule docs live; each rule's page is `{DOCS_BASE}/<family>/<name>.md`.
pub const DOCS_BASE: &str = "https://github.com/deploylint/deploylint/blob/main/docs/rules";

#[must_use]
pub fn docs_url(rule: &str) -> String {
    format!("{DOCS_BASE}/{rule}.md")
}

impl Report<'_> {
    #[must_use]
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Human => human::render(self),
            Format::Json => json::render(self),
            Format::Sarif => sarif::render(self),
            Format::Github => github::render(self),
            Format::Junit => junit::render(self),
        }
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    fn meta(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().copied().find(|m| m.id == id)
    }
}

/// Start and end positions of a finding.
fn range(finding: &Finding) -> (Position, Position) {
    finding.source.range(finding.span)
}

/// A path for output: forward slashes on every platform.
fn path_text(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
