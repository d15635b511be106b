//! `--format human`: miette's graphical report per finding (snippet, label, rule id, help,
//! docs link), then a summary line. Colours only when asked (a terminal without NO_COLOR).

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{Report, docs_url, path_text};
use crate::finding::{Finding, Severity};
use crate::source::Source;

pub(super) fn render(report: &Report<'_>) -> String {
    let theme = if report.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_links(false).with_width(100).with_context_lines(1);
    let mut out = String::new();
    for finding in report.findings {
        let diagnostic = Rendered { finding, source: SourceAdapter(finding.source.clone()) };
        if handler.render_report(&mut out, &diagnostic).is_err() {
            out.push_str("  (the source snippet could not be rendered)\n");
        }
        out.push('\n');
    }
    let (errors, warnings, notes) = (report.count(Severity::Error), report.count(Severity::Warning), report.count(Severity::Note));
    let files_with = {
        let mut files: Vec<&std::path::Path> = report.findings.iter().map(|f| f.source.path.as_path()).collect();
        files.dedup();
        files.len()
    };
    let a = &report.artifacts;
    out.push_str(&format!(
        "Checked {} state machine{}, {} polic{}, {} template{}, {} plan{}.\n",
        a.state_machines,
        plural(a.state_machines),
        a.policies,
        if a.policies == 1 { "y" } else { "ies" },
        a.templates,
        plural(a.templates),
        a.plans,
        plural(a.plans)
    ));
    if report.findings.is_empty() {
        out.push_str(&format!(
            "No problems found in {} checked file{} ({} ms).\n",
            report.files.len(),
            plural(report.files.len()),
            report.elapsed_ms
        ));
    } else {
        out.push_str(&format!(
            "Found {} problem{} ({errors} error{}, {warnings} warning{}, {notes} note{}) in {files_with} of {} checked file{} ({} ms).\n",
            report.findings.len(),
            plural(report.findings.len()),
            plural(errors),
            plural(warnings),
            plural(notes),
            report.files.len(),
            plural(report.files.len()),
            report.elapsed_ms
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

struct Rendered<'a> {
    finding: &'a Finding,
    source: SourceAdapter,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&*self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let docs = format!("docs: {}", docs_url(&self.finding.rule));
        Some(Box::new(match &self.finding.help {
            Some(help) => format!("{help}\n{docs}"),
            None => docs,
        }))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let f = self.finding;
        let text = if f.label.is_empty() { None } else { Some(f.label.clone()) };
        let primary = LabeledSpan::new_primary_with_span(text, to_miette(f.span));
        let related = f
            .related
            .iter()
            .filter(|l| Arc::ptr_eq(&l.source, &f.source))
            .map(|l| LabeledSpan::new_with_span(Some(l.text.clone()), to_miette(l.span)));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

fn to_miette(span: crate::source::Span) -> SourceSpan {
    SourceSpan::new(span.start().into(), span.len())
}

/// Lets miette read a shared source without copying its text.
struct SourceAdapter(Arc<Source>);

impl SourceCode for SourceAdapter {
    fn read_span<'a>(&'a self, span: &SourceSpan, before: usize, after: usize) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.0.text.as_str().read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            path_text(&self.0.path),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}
