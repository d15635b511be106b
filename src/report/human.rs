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
        let diagnostic = Rendered::new(finding);
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
    source: Box<dyn SourceCode + 'a>,
    labels: Vec<LabeledSpan>,
}

/// Lines longer than this (a Terraform plan is one line) are shown as a window around the span.
const LONG_LINE: usize = 240;
/// Bytes of context kept on each side of the span in a window.
const WINDOW: usize = 60;

impl<'a> Rendered<'a> {
    fn new(finding: &'a Finding) -> Self {
        let source = &finding.source;
        let text = source.text.as_str();
        let start = finding.span.start().min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let label = if finding.label.is_empty() { None } else { Some(finding.label.clone()) };
        if line_end - line_start <= LONG_LINE {
            let primary = LabeledSpan::new_primary_with_span(label, to_miette(finding.span));
            let related = finding
                .related
                .iter()
                .filter(|l| Arc::ptr_eq(&l.source, source))
                .map(|l| LabeledSpan::new_with_span(Some(l.text.clone()), to_miette(l.span)));
            let labels = std::iter::once(primary).chain(related).collect();
            return Self { finding, source: Box::new(SourceAdapter(source.clone())), labels };
        }
        let end = finding.span.end().clamp(start, line_end).min(start + LONG_LINE);
        let from = floor_char_boundary(text, start.saturating_sub(WINDOW).max(line_start));
        let to = ceil_char_boundary(text, (end + WINDOW).min(line_end));
        let excerpt = Excerpt::new(source.clone(), from, to);
        let span = crate::source::Span::new(excerpt.local(start), excerpt.local(end));
        let labels = vec![LabeledSpan::new_primary_with_span(label, to_miette(span))];
        Self { finding, source: Box::new(excerpt), labels }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
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
        Some(&*self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
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

/// A window of one long line, with `…` on the cut sides; reports the real line and column.
struct Excerpt {
    source: Arc<Source>,
    text: String,
    /// File offset of the first byte after the leading marker.
    from: usize,
    lead: usize,
}

impl Excerpt {
    fn new(source: Arc<Source>, from: usize, to: usize) -> Self {
        let line_start = source.text[..from].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source.text[to..].find('\n').map_or(source.text.len(), |i| to + i);
        let lead = if from > line_start { "… " } else { "" };
        let tail = if to < line_end { " …" } else { "" };
        let text = format!("{lead}{}{tail}", &source.text[from..to]);
        Self { lead: lead.len(), source, text, from }
    }

    /// Excerpt offset of a file offset inside the window.
    fn local(&self, offset: usize) -> usize {
        offset.saturating_sub(self.from) + self.lead
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(&'a self, span: &SourceSpan, before: usize, after: usize) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.as_str().read_span(span, before, after)?;
        let real = self.source.position(self.from + span.offset().saturating_sub(self.lead));
        let column = real.column - 1;
        Ok(Box::new(MietteSpanContents::new_named(
            path_text(&self.source.path),
            inner.data(),
            *inner.span(),
            real.line - 1,
            column,
            inner.line_count(),
        )))
    }
}
