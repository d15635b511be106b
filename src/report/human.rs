//! `--format human`: miette's graphical report per finding (snippet, label, rule id, help,
//! docs link), then a summary line. Colours only when asked (a terminal without NO_COLOR).
//!
//! Each finding's snippet is cut from its source through the line index: a few lines around
//! each label (or, on a very long line such as a one-line plan, a window around the span), so
//! the report costs the same per finding whatever the size of the file. Control characters in
//! the snippet, the message and the file name are shown escaped (see `escape_control`).

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{Report, escape_control, escape_text, needs_escape, path_text, push_escaped};
use crate::finding::{Finding, Severity};
use crate::source::{Source, Span};

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let theme = if report.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .with_context_lines(1)
        // `--write-baseline` and docs links must not be split at their hyphens.
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        // Lines break at spaces only: the Unicode line-break tables cost a tenth of a small
        // run and would break words at `/` and `-`.
        .with_word_separator(textwrap::WordSeparator::AsciiSpace);
    let options = &report.human;
    if options.statistics {
        statistics(report, out)?;
    }
    let mut text = String::new();
    let links = report.docs_links();
    for finding in report.findings.iter().filter(|f| !options.statistics && options.shows(f)) {
        text.clear();
        let diagnostic = Rendered::new(finding, links.of(&finding.rule));
        if handler.render_report(&mut text, &diagnostic).is_err() {
            text.push_str("  (the source snippet could not be rendered)\n");
        }
        text.push('\n');
        out.write_all(text.as_bytes())?;
    }
    if options.quiet {
        return Ok(());
    }
    let (errors, warnings, notes) = (report.count(Severity::Error), report.count(Severity::Warning), report.count(Severity::Note));
    let files_with = {
        let mut files: Vec<&std::path::Path> = report.findings.iter().map(|f| f.source.path.as_path()).collect();
        files.dedup();
        files.len()
    };
    let a = &report.artifacts;
    let configurations = match a.configurations {
        0 => String::new(),
        n => format!(", {n} Terraform configuration file{}", plural(n)),
    };
    writeln!(
        out,
        "Checked {} state machine{}, {} polic{}, {} template{}, {} plan{}{configurations}.",
        a.state_machines,
        plural(a.state_machines),
        a.policies,
        if a.policies == 1 { "y" } else { "ies" },
        a.templates,
        plural(a.templates),
        a.plans,
        plural(a.plans)
    )?;
    if report.findings.is_empty()
        && let Some(why) = &options.nothing_checked
    {
        writeln!(out, "Nothing checked ({} ms): {why}", report.elapsed_ms)
    } else if report.findings.is_empty() {
        writeln!(
            out,
            "No problems found in {} checked file{}{} ({} ms).",
            report.files.len(),
            plural(report.files.len()),
            suppressed_text(report),
            report.elapsed_ms
        )
    } else {
        writeln!(
            out,
            "Found {} problem{} ({errors} error{}, {warnings} warning{}, {notes} note{}) in {files_with} of {} checked file{}{} ({} ms).",
            report.findings.len(),
            plural(report.findings.len()),
            plural(errors),
            plural(warnings),
            plural(notes),
            report.files.len(),
            plural(report.files.len()),
            suppressed_text(report),
            report.elapsed_ms
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

struct Rendered<'a> {
    finding: &'a Finding,
    message: String,
    source: Snippet,
    labels: Vec<LabeledSpan>,
    /// Related places in other files (the template that gives a definition its role), each
    /// file shown after the finding.
    elsewhere: Vec<Elsewhere>,
    /// The rule's documentation link, when it has one.
    docs: Option<String>,
}

/// The related places of a finding in one other file.
struct Elsewhere {
    message: String,
    source: Snippet,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Elsewhere {}

impl Diagnostic for Elsewhere {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// Labels as miette takes them, placed in a snippet.
fn place_labels(labels: Vec<(Span, Option<String>, bool)>, spans: Vec<Span>) -> Vec<LabeledSpan> {
    labels
        .into_iter()
        .zip(spans)
        .map(|((_, text, primary), span)| {
            let span = SourceSpan::new(span.start().into(), span.len());
            if primary { LabeledSpan::new_primary_with_span(text, span) } else { LabeledSpan::new_with_span(text, span) }
        })
        .collect()
}

/// Lines longer than this (a Terraform plan is one line) are shown as a window around the span.
const LONG_LINE: usize = 240;
/// Bytes of context kept on each side of the span in a window.
const WINDOW: usize = 60;
/// A label over more lines than this is shown on its first line only.
const MAX_LABEL_LINES: usize = 8;

impl<'a> Rendered<'a> {
    fn new(finding: &'a Finding, docs: Option<String>) -> Self {
        let source = &finding.source;
        let mut labels = vec![(finding.span, (!finding.label.is_empty()).then(|| escape_control(&finding.label).into_owned()), true)];
        labels.extend(
            finding
                .related
                .iter()
                .filter(|l| Arc::ptr_eq(&l.source, source))
                .map(|l| (l.span, Some(escape_control(&l.text).into_owned()), false)),
        );
        let (snippet, spans) = Snippet::new(source, &labels);
        let labels = place_labels(labels, spans);
        let mut others: Vec<&Arc<crate::source::Source>> = Vec::new();
        for label in &finding.related {
            if !Arc::ptr_eq(&label.source, source) && !others.iter().any(|o| Arc::ptr_eq(o, &label.source)) {
                others.push(&label.source);
            }
        }
        let elsewhere = others
            .into_iter()
            .map(|other| {
                let labels: Vec<(Span, Option<String>, bool)> = finding
                    .related
                    .iter()
                    .filter(|l| Arc::ptr_eq(&l.source, other))
                    .map(|l| (l.span, Some(escape_control(&l.text).into_owned()), false))
                    .collect();
                let texts: Vec<&str> = labels.iter().filter_map(|(_, t, _)| t.as_deref()).collect();
                let message = format!("{} in {}", texts.join(", "), other.path.display());
                let (snippet, spans) = Snippet::new(other, &labels);
                Elsewhere { message: escape_control(&message).into_owned(), source: snippet, labels: place_labels(labels, spans) }
            })
            .collect();
        Self { finding, message: escape_control(&finding.message).into_owned(), source: snippet, labels, elsewhere, docs }
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
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
        let docs = self.docs.as_ref().map(|d| format!("docs: {}", escape_text(d, true)));
        match (&self.finding.help, docs) {
            (Some(help), Some(docs)) => Some(Box::new(format!("{}\n{docs}", escape_text(help, true)))),
            (Some(help), None) => Some(Box::new(escape_text(help, true).into_owned())),
            (None, Some(docs)) => Some(Box::new(docs)),
            (None, None) => None,
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(self.elsewhere.iter().map(|e| e as &dyn Diagnostic)))
    }
}

/// The parts of a source a finding shows, as one text of windows (each a few lines, or a cut
/// of one long line) with control characters escaped. miette reads it as the source code; a
/// window reports its real line numbers, and a span never crosses from one window to the next.
struct Snippet {
    name: String,
    text: String,
    windows: Vec<Window>,
    /// Each label's span in `text`, with its real line and column (0-based), for the header.
    places: Vec<(usize, usize, usize)>,
}

#[derive(Clone, Debug)]
struct Window {
    /// The file bytes shown.
    from: usize,
    to: usize,
    /// 0-based line of `from`.
    line: usize,
    /// Whether the window cuts a long line.
    cut: bool,
    /// Bytes of the `… ` mark before the text (a cut that does not start at the line start).
    lead: usize,
    /// Where the window's text starts and ends in the snippet.
    start: usize,
    end: usize,
    /// File offsets where the text's length differs from the file's, with the running
    /// difference after each (escapes lengthen, a `\r\n` shortens).
    shifts: Vec<(usize, isize)>,
}

impl Window {
    /// Snippet offset of a file offset inside the window.
    fn local(&self, offset: usize) -> usize {
        let offset = offset.max(self.from).min(self.to.max(self.from));
        let shift = self.shifts.partition_point(|(at, _)| *at < offset).checked_sub(1).map_or(0, |i| self.shifts[i].1);
        (self.start + self.lead + (offset - self.from)).saturating_add_signed(shift)
    }
}

impl Snippet {
    fn new(source: &Source, labels: &[(Span, Option<String>, bool)]) -> (Self, Vec<Span>) {
        let len = source.len();
        let mut windows: Vec<Window> = Vec::new();
        let mut label_windows = Vec::new();
        for (span, ..) in labels {
            let start = span.start().min(len);
            let first = source.line_index(start);
            let mut last = source.line_index(span.end().min(len).saturating_sub(usize::from(!span.is_empty())).max(start));
            if last > first + MAX_LABEL_LINES {
                last = first;
            }
            let line = source.line_range(first);
            let window = if line.len() > LONG_LINE {
                let end = span.end().min(line.end).max(start).min(start + LONG_LINE);
                let from = floor_char_boundary(source, start.saturating_sub(WINDOW).max(line.start));
                let to = ceil_char_boundary(source, (end + WINDOW).min(line.end));
                Window { from, to, line: first, cut: true, lead: 0, start: 0, end: 0, shifts: Vec::new() }
            } else {
                // Context lines, and the label's own further lines, only when they are short.
                let short = |i: usize| source.line_range(i).len() <= LONG_LINE;
                if !(first..=last).all(short) {
                    last = first;
                }
                let top = if first > 0 && short(first - 1) { first - 1 } else { first };
                let bottom = if last + 1 < source.line_count() && short(last + 1) { last + 1 } else { last };
                let (from, to) = (source.line_range(top).start, source.line_range(bottom).end);
                Window { from, to, line: top, cut: false, lead: 0, start: 0, end: 0, shifts: Vec::new() }
            };
            label_windows.push(windows.len());
            windows.push(window);
        }
        // Whole-line windows that overlap or touch become one, so nearby labels share a snippet.
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|i| windows[*i].from);
        let mut merged: Vec<Window> = Vec::new();
        let mut index = vec![0; windows.len()];
        for i in order {
            let w = windows[i].clone();
            if let Some(prev) = merged.last_mut()
                && !prev.cut
                && !w.cut
                && w.from <= prev.to + 2
            {
                prev.to = prev.to.max(w.to);
                index[i] = merged.len() - 1;
                continue;
            }
            index[i] = merged.len();
            merged.push(w);
        }
        let mut out = String::new();
        for w in &mut merged {
            if !out.is_empty() {
                out.push('\n');
            }
            w.start = out.len();
            if w.cut && w.from > source.line_range(w.line).start {
                out.push_str("… ");
                w.lead = "… ".len();
            }
            let mut shift = 0isize;
            // An excerpt of a large file holds the text around each finding; a window it does
            // not hold shrinks to its first line, or to nothing.
            let body = source
                .get(w.from..w.to)
                .or_else(|| {
                    let first = source.line_range(w.line);
                    w.to = first.end.min(w.to);
                    source.get(w.from..w.to)
                })
                .unwrap_or_else(|| {
                    w.to = w.from;
                    ""
                });
            let mut chars = body.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                let at = w.from + i;
                if c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n') {
                    shift -= 1;
                    w.shifts.push((at + 1, shift));
                    continue;
                }
                if c != '\n' && needs_escape(c, true) {
                    let before = out.len();
                    push_escaped(&mut out, c);
                    shift += (out.len() - before).cast_signed() - c.len_utf8().cast_signed();
                    w.shifts.push((at + c.len_utf8(), shift));
                    continue;
                }
                out.push(c);
            }
            if w.cut && w.to < source.line_range(w.line).end {
                out.push_str(" …");
            } else if !w.cut && matches!(source.get(w.to..w.to + 1), Some("\r" | "\n")) {
                // The last line's break, so that an empty last line still shows.
                out.push('\n');
            }
            w.end = out.len();
        }
        let spans: Vec<Span> = labels
            .iter()
            .zip(&label_windows)
            .map(|((span, ..), wi)| {
                let w = &merged[index[*wi]];
                let start = w.local(span.start());
                let end = w.local(span.end().min(if w.cut { (span.start() + LONG_LINE).min(w.to) } else { w.to }));
                Span::new(start, end.max(start))
            })
            .collect();
        let places = labels
            .iter()
            .zip(&spans)
            .map(|((span, ..), local)| {
                let p = source.position(span.start());
                (local.start(), p.line - 1, p.column - 1)
            })
            .collect();
        let name = escape_control(&path_text(&source.path)).into_owned();
        (Self { name, text: out, windows: merged, places }, spans)
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(&'a self, span: &SourceSpan, before: usize, after: usize) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (offset, end) = (span.offset(), span.offset() + span.len());
        let window = self.windows.iter().find(|w| w.start <= offset && offset <= w.end).ok_or(MietteError::OutOfBounds)?;
        if end > window.end {
            return Err(MietteError::OutOfBounds);
        }
        if before == 0 && after == 0 {
            // The header's place: the label's real line and column.
            if let Some((_, line, column)) = self.places.iter().find(|(at, ..)| *at == offset) {
                let data = &self.text.as_bytes()[offset..end];
                return Ok(Box::new(MietteSpanContents::new_named(self.name.clone(), data, *span, *line, *column, newlines(data))));
            }
        }
        let bytes = self.text.as_bytes();
        let body = &bytes[window.start..window.end];
        let local = offset - window.start;
        let local_end = end - window.start;
        let mut from = body[..local].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        for _ in 0..before {
            if from == 0 {
                break;
            }
            from = body[..from - 1].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        }
        let mut to = body[local_end.max(local)..].iter().position(|b| *b == b'\n').map_or(body.len(), |i| local_end.max(local) + i);
        for _ in 0..after {
            if to >= body.len() {
                break;
            }
            to = body[to + 1..].iter().position(|b| *b == b'\n').map_or(body.len(), |i| to + 1 + i);
        }
        let line = window.line + newlines(&body[..from]);
        // With its line break, as miette expects (an empty last line shows only so).
        let to = (to + 1).min(body.len());
        let data = &body[from..to];
        let column = if before == 0 { String::from_utf8_lossy(&body[from..local]).chars().count() } else { 0 };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new((window.start + from).into(), to - from),
            line,
            column,
            // Lines shown (miette merges two labels' snippets when their lines meet).
            newlines(data) + 1,
        )))
    }
}

/// Snippets are a few lines: counting them needs no crate.
#[allow(clippy::naive_bytecount)]
fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

fn floor_char_boundary(source: &Source, mut i: usize) -> usize {
    // A character is at most four bytes.
    for _ in 0..3 {
        if i == 0 || source.is_char_boundary(i) {
            break;
        }
        i -= 1;
    }
    i
}

fn ceil_char_boundary(source: &Source, mut i: usize) -> usize {
    for _ in 0..3 {
        if i >= source.len() || source.is_char_boundary(i) {
            break;
        }
        i += 1;
    }
    i
}

/// `; 2 notes not shown (--show-notes); 3 suppressed (1 by the baseline)` as it applies.
fn suppressed_text(report: &Report<'_>) -> String {
    let mut text = String::new();
    let hidden = if report.human.statistics { 0 } else { report.findings.iter().filter(|f| !report.human.shows(f)).count() };
    if hidden > 0 {
        text.push_str(&format!("; {hidden} note{} not shown (--show-notes)", plural(hidden)));
    }
    if !report.suppressed.is_empty() {
        text.push_str(&format!("; {} suppressed", report.suppressed.len()));
        let baseline = report.suppressed.iter().filter(|f| f.suppressed.as_ref().is_some_and(|s| s.kind == "baseline")).count();
        match baseline {
            0 => {}
            n if n == report.suppressed.len() => text.push_str(" by the baseline"),
            n => text.push_str(&format!(" ({n} by the baseline)")),
        }
    }
    text
}

/// `--statistics`: findings per rule, the most first.
fn statistics(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut counts: std::collections::BTreeMap<&str, (usize, Severity)> = std::collections::BTreeMap::new();
    for finding in report.findings {
        let entry = counts.entry(&finding.rule).or_insert((0, finding.severity));
        entry.0 += 1;
        entry.1 = entry.1.max(finding.severity);
    }
    let mut rows: Vec<(&str, usize, Severity)> = counts.into_iter().map(|(rule, (n, severity))| (rule, n, severity)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let count_width = rows.first().map_or(1, |r| r.1.to_string().len());
    let id_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (rule, n, severity) in &rows {
        let title = report.meta(rule).map_or("", |m| m.title.as_str());
        writeln!(out, "{n:>count_width$}  {rule:id_width$}  {:7}  {title}", severity.as_str())?;
    }
    if !rows.is_empty() && !report.human.quiet {
        writeln!(out)?;
    }
    Ok(())
}
