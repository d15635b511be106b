//! Findings: what a rule reports, symbolic until the report stage turns spans into lines.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::source::{Source, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place that explains the finding (the first of two duplicate keys, say).
#[derive(Clone, Debug)]
pub struct Label {
    pub source: Arc<Source>,
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub source: Arc<Source>,
    pub span: Span,
    /// What the primary label says at the span.
    pub label: String,
    pub help: Option<String>,
    pub related: Vec<Label>,
    /// Where the finding is, in words that survive unrelated edits: the artifact and the
    /// JSONPath of the node (`Resources.Flow/States.A`), not a line number.
    pub locator: String,
    /// The key or value the finding names (a state's name, a flagged action), as decoded text.
    /// Tests check that the span's source text is exactly this, through escapes.
    pub subject: Option<String>,
    /// Among findings of the same rule, file and locator, which one this is (0 for the first),
    /// so that fingerprints stay distinct (two parse errors in one file, say).
    pub occurrence: u32,
}

impl Finding {
    /// A stable fingerprint: rule, file and symbolic location, hashed (FNV-1a, 64 bits).
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let path = self.source.path.to_string_lossy();
        let occurrence = self.occurrence.to_string();
        for part in [&*self.rule, &*path, &self.locator, &occurrence] {
            for b in part.bytes().chain([0u8]) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{hash:016x}")
    }

    /// Sort key: file, position, rule.
    #[must_use]
    pub fn sort_key(&self) -> (&std::path::Path, Span, &str, &str) {
        (&self.source.path, self.span, &self.rule, &self.message)
    }
}

impl Finding {
    /// A file whose bytes are not text: invalid UTF-8 points at the first bad byte (where the
    /// readable prefix ends), a binary file at its start (it is wrong as a whole).
    #[must_use]
    pub fn unreadable_text(prefix: &Arc<Source>, error: &crate::source::TextError) -> Self {
        let (message, span) = match error {
            crate::source::TextError::InvalidUtf8 { valid_up_to } => (
                format!("the file is not valid UTF-8 text (bad byte at offset {valid_up_to})"),
                Span::new(prefix.text.len(), prefix.text.len()),
            ),
            crate::source::TextError::Binary { offset } => {
                (format!("the file is binary (NUL byte at offset {offset}), not JSON or YAML text"), Span::default())
            }
        };
        Self::new(crate::registry::builtin::PARSE_ENCODING, Severity::Error, prefix, span, message)
    }

    /// A syntax or limit error from a parser.
    #[must_use]
    pub fn parse_error(source: &Arc<Source>, err: &crate::parse::ParseError) -> Self {
        Self::new(crate::registry::builtin::for_parse_error(err.kind), Severity::Error, source, err.span, err.message.clone())
    }

    /// A duplicate key, at the second occurrence with the first as a related label.
    #[must_use]
    pub fn duplicate_key(source: &Arc<Source>, dup: &crate::parse::DuplicateKey) -> Self {
        let mut finding = Self::new(
            crate::registry::builtin::PARSE_DUPLICATE_KEY,
            Severity::Error,
            source,
            dup.span,
            format!("duplicate key `{}`: most tools keep only the last value, some reject the document", dup.key),
        );
        finding.related.push(Label { source: source.clone(), span: dup.first, text: "first defined here".into() });
        finding.label = "duplicate key".into();
        finding
    }

    /// A finding with no help, related labels or locator yet.
    #[must_use]
    pub fn new(rule: &str, severity: Severity, source: &Arc<Source>, span: Span, message: String) -> Self {
        Self {
            rule: Arc::from(rule),
            severity,
            message,
            source: source.clone(),
            span,
            label: String::new(),
            help: None,
            related: Vec::new(),
            locator: String::new(),
            subject: None,
            occurrence: 0,
        }
    }
}
