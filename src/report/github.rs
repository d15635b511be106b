//! `--format github`: GitHub Actions workflow commands, one per finding.
//! Escaping follows the runner's rules: `%`, CR and LF in messages; also `:` and `,` in properties.

use super::{Report, path_text, range};
use crate::finding::Severity;

pub(super) fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    for f in report.findings {
        let (start, end) = range(f);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let title = format!("{} ({})", f.rule, report.meta(&f.rule).map_or("", |m| m.title.as_str()));
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&path_text(&f.source.path)),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&title),
            data(&f.message),
        ));
    }
    out
}

fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(super::data("a:b\r\n"), "a:b%0D%0A");
    }
}
