//! `--format json`: the versioned schema documented in docs/output-json-v1.md.

use serde::Serialize;

use super::{Report, path_text, range};
use crate::finding::Severity;
use crate::source::Position;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: super::Lazy<'a, Item<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Item<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    file: String,
    start: Position,
    end: Position,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    docs: Option<String>,
    /// Where the finding is, in words: the document's place in the file, then the node's
    /// inside it (`Resources.Flow.Properties.DefinitionString → States.Charge`).
    #[serde(skip_serializing_if = "str::is_empty")]
    route: &'a str,
    /// The file relative to its project root, as the fingerprint and the baseline name it.
    project_path: &'a str,
    fingerprint: &'a str,
    /// What a finding about several things names them by (actions of a statement, paths).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    values: &'a [String],
    /// The service's own code for the error the finding pre-empts.
    #[serde(skip_serializing_if = "Option::is_none")]
    aws_code: Option<&'static str>,
    /// The IAM Access Analyzer issue code the finding corresponds to.
    #[serde(skip_serializing_if = "Option::is_none")]
    access_analyzer: Option<&'static str>,
    /// Accepted by a suppression: its kind and reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Suppressed<'a>>,
    related: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct Suppressed<'a> {
    kind: &'static str,
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct Related<'a> {
    file: String,
    start: Position,
    end: Position,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    artifacts: crate::extract::ArtifactCounts,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
}

pub(super) fn render(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let links = report.docs_links();
    let findings = super::Lazy::new(report.findings.iter().chain(report.suppressed).map(|f| {
        let (start, end) = range(f);
        Item {
            rule: &f.rule,
            severity: f.severity,
            message: &f.message,
            file: path_text(&f.source.path),
            start,
            end,
            help: f.help.as_deref(),
            docs: links.of(&f.rule),
            route: &f.locator,
            project_path: &f.project_path,
            fingerprint: &f.fingerprint,
            values: &f.values,
            aws_code: f.aws_code,
            access_analyzer: f.access_analyzer,
            suppressed: f.suppressed.as_ref().map(|s| Suppressed { kind: s.kind, reason: s.reason.as_deref() }),
            related: f
                .related
                .iter()
                .map(|l| {
                    let (start, end) = l.source.range(l.span);
                    Related { file: path_text(&l.source.path), start, end, message: &l.text }
                })
                .collect(),
        }
    }));
    let doc = Document {
        version: 1,
        tool: Tool { name: "deploylint", version: env!("CARGO_PKG_VERSION") },
        findings,
        summary: Summary {
            files: report.files.len(),
            artifacts: report.artifacts,
            findings: report.findings.len(),
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
            suppressed: report.suppressed.len(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}
