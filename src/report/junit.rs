//! `--format junit`: one test suite per file, one test case per rule that ran on it; a case
//! fails with the rule's errors and warnings in that file. Notes do not fail a case: they are
//! its `system-out`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Report, escape_control, path_text, range};
use crate::finding::Finding;

pub(super) fn render(report: &Report<'_>, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut by_file: BTreeMap<String, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for file in report.files {
        let cases = by_file.entry(path_text(file)).or_default();
        for meta in &report.rules {
            if meta.kind.checks_artifacts() {
                cases.entry(&meta.id).or_default();
            }
        }
    }
    for f in report.findings {
        by_file.entry(path_text(&f.source.path)).or_default().entry(&f.rule).or_default().push(f);
    }
    let tests: usize = by_file.values().map(BTreeMap::len).sum();
    let fails = |findings: &Vec<&Finding>| findings.iter().any(|f| f.severity != crate::finding::Severity::Note);
    let failures: usize = by_file.values().flat_map(BTreeMap::values).filter(|v| fails(v)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"deploylint\" tests=\"{tests}\" failures=\"{failures}\">");
    for (file, cases) in &by_file {
        let failed = cases.values().filter(|v| fails(v)).count();
        let _ = writeln!(out, "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">", xml(&escape_control(file)), cases.len());
        for (rule, findings) in cases {
            let _ = write!(out, "    <testcase classname=\"{}\" name=\"{}\"", xml(&escape_control(file)), xml(rule));
            if findings.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            let mut body = String::new();
            for f in findings {
                let (start, _) = range(f);
                let _ = writeln!(
                    body,
                    "{}:{}:{}: {} [{}] {}",
                    escape_control(file),
                    start.line,
                    start.column,
                    f.severity,
                    f.rule,
                    escape_control(&f.message)
                );
            }
            match findings.iter().find(|f| f.severity != crate::finding::Severity::Note) {
                Some(first) => {
                    let _ = writeln!(
                        out,
                        "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                        first.severity,
                        xml(&escape_control(&first.message)),
                        xml(&body)
                    );
                }
                None => {
                    let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&body));
                }
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
        sink.write_all(out.as_bytes())?;
        out.clear();
    }
    out.push_str("</testsuites>\n");
    sink.write_all(out.as_bytes())
}

/// Escapes text for XML attributes and content. Control characters from the input are shown
/// escaped (`\x1b`), as in every text output; line breaks the report itself writes stay.
fn xml(text: &str) -> String {
    let text = super::escape_text(text, true);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            // XML 1.0 has no place for other C0 controls, U+FFFE or U+FFFF.
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}
