//! `--format github`: GitHub Actions workflow commands, one per finding.
//! Escaping follows the runner's rules: `%`, CR and LF in messages; also `:` and `,` in properties.

use super::{Report, escape_control, path_text, range};
use crate::finding::Severity;

pub(super) fn render(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for f in report.findings {
        let (start, end) = range(f);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let title = format!("{} ({})", f.rule, report.meta(&f.rule).map_or("", |m| m.title.as_str()));
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&path_text(&f.source.path)),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&title),
            data(&f.message),
        )?;
    }
    Ok(())
}

/// The runner's escapes for `%`, CR and LF, after other control characters are shown escaped.
fn data(text: &str) -> String {
    let text = text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    escape_control(&text).into_owned()
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
