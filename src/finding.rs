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
    /// Every value a grouped finding names (the wildcard actions of one statement), in order;
    /// empty when it names one or none ([`Finding::subject`]). Fingerprints and value-scoped
    /// suppressions read these.
    pub values: Vec<String>,
    /// Among findings of the same rule, file and locator, which one this is (0 for the first),
    /// so that fingerprints stay distinct (two parse errors in one file, say).
    pub occurrence: u32,
    /// The error code the service would answer with at deploy time (Step Functions'
    /// `MISSING_TRANSITION_TARGET`, say), so a user who met that error finds the rule.
    pub aws_code: Option<&'static str>,
    /// The IAM Access Analyzer policy check issue code the finding corresponds to
    /// (`INVALID_ACTION`, `PASS_ROLE_WITH_STAR_IN_RESOURCE`), where there is one.
    pub access_analyzer: Option<&'static str>,
    /// Accepted by a suppression: kept in JSON and SARIF, left out of the other reports and of
    /// the exit code. Boxed: most findings have none, and a run holds all of its findings.
    pub suppressed: Option<Box<Suppression>>,
    /// The file relative to its project root, and the fingerprint there: set once the run has
    /// gathered the findings of every file ([`Finding::fingerprint_in`]).
    pub project_path: Arc<str>,
    pub fingerprint: String,
}

/// How a finding was accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// `inline` (a comment on or above its line) or `file` (`ignore-file`).
    pub kind: &'static str,
    pub reason: Option<String>,
    /// Where the comment that accepted it is written (for comments): a file that another one
    /// reads is checked twice, and its comment is used when either check uses it.
    pub at: Option<(std::path::PathBuf, Span)>,
}

impl Finding {
    /// The fingerprint of this finding in the file named `project_path` (relative to its project
    /// root, see [`crate::discover::ProjectPaths`]): the rule, that path, the route, the value
    /// the finding names and which of identical ones it is, hashed (FNV-1a, 64 bits). Never
    /// lines, the working directory or the order of other findings.
    #[must_use]
    pub fn fingerprint_in(&self, project_path: &str) -> String {
        let occurrence = self.occurrence.to_string();
        let joined = self.values.join("\n");
        let subject = if self.values.is_empty() { self.subject.as_deref().unwrap_or("") } else { &joined };
        let parts = [&*self.rule, project_path, &self.locator, subject, &occurrence];
        format!("{:016x}", fnv1a(parts.into_iter().flat_map(|part| part.bytes().chain([0u8]))))
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
            crate::source::TextError::Utf16OddLength { offset } => (
                format!("the file starts with a UTF-16 byte-order mark but ends with a lone byte (offset {offset}): it is cut short"),
                Span::new(prefix.text.len(), prefix.text.len()),
            ),
            crate::source::TextError::Utf16Surrogate { offset } => (
                format!("the file is not valid UTF-16 text (a surrogate without its pair at offset {offset})"),
                Span::new(prefix.text.len(), prefix.text.len()),
            ),
        };
        let mut finding = Self::new(crate::rule::builtin::PARSE_ENCODING, Severity::Error, prefix, span, message);
        // `terraform plan -out` writes a zip archive; what deploylint reads is its JSON form.
        if prefix.text.starts_with("PK\u{3}\u{4}") {
            finding.help = Some(
                "This is a binary Terraform plan (`terraform plan -out=plan.out`): check its JSON form, `terraform show -json plan.out > plan.json`."
                    .into(),
            );
        }
        finding
    }

    /// A syntax or limit error from a parser.
    #[must_use]
    pub fn parse_error(source: &Arc<Source>, err: &crate::parse::ParseError) -> Self {
        let mut finding =
            Self::new(crate::rule::builtin::for_parse_error(err.kind), Severity::Error, source, err.span, err.message.clone());
        // hashicorp/setup-terraform's wrapper echoes the command before the plan's JSON.
        if source.text.starts_with("[command]") {
            finding.help = Some(
                "The first line is setup-terraform's wrapper echoing the command: set `terraform_wrapper: false` on hashicorp/setup-terraform, or write the plan with `terraform show -json plan.out > plan.json`."
                    .into(),
            );
        }
        finding
    }

    /// A duplicate key, at the second occurrence with the first as a related label.
    #[must_use]
    pub fn duplicate_key(source: &Arc<Source>, dup: &crate::parse::DuplicateKey) -> Self {
        let mut finding = Self::new(
            crate::rule::builtin::PARSE_DUPLICATE_KEY,
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
            values: Vec::new(),
            occurrence: 0,
            aws_code: None,
            access_analyzer: None,
            suppressed: None,
            project_path: Arc::from(""),
            fingerprint: String::new(),
        }
    }
}

/// How many findings one file may report: per rule and in all. What goes over is counted and
/// reported as one [`TOO_MANY_FINDINGS`] note, so a hostile or generated file cannot turn the
/// report into gigabytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub per_rule: usize,
    pub per_file: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { per_rule: 1_000, per_file: 10_000 }
    }
}

/// The note that stands for the findings a file had over its [`Limits`].
pub const TOO_MANY_FINDINGS: &str = "deploylint/too-many-findings";

/// Where one file's findings go: kept up to the limits, the rest counted per rule.
#[derive(Debug)]
pub struct Sink {
    limits: Limits,
    findings: Vec<Finding>,
    kept: std::collections::HashMap<Arc<str>, usize>,
    /// Per rule: findings left out, and the first of them (where the note points).
    dropped: std::collections::BTreeMap<Arc<str>, (usize, Finding)>,
    /// Rules that stopped looking once full (their count of findings left out is unknown).
    stopped: std::collections::BTreeSet<Arc<str>>,
    /// Findings at this place are left out (see [`Sink::mute`]).
    muted: Option<Span>,
}

impl Default for Sink {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl Sink {
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            findings: Vec::new(),
            kept: std::collections::HashMap::new(),
            dropped: std::collections::BTreeMap::new(),
            stopped: std::collections::BTreeSet::new(),
            muted: None,
        }
    }

    /// Leaves out the findings at `at` until unmuted: the place of what a document deploylint
    /// wrote out holds that the file did not write ([`crate::extract::Artifact::written_for`]).
    pub fn mute(&mut self, at: Option<Span>) {
        self.muted = at;
    }

    pub fn push(&mut self, finding: Finding) {
        if self.muted == Some(finding.span) {
            return;
        }
        let kept = self.kept.get(&finding.rule).copied().unwrap_or(0);
        if kept < self.limits.per_rule && self.findings.len() < self.limits.per_file {
            self.kept.insert(finding.rule.clone(), kept + 1);
            self.findings.push(finding);
            return;
        }
        match self.dropped.get_mut(&finding.rule) {
            Some((count, _)) => *count += 1,
            None => {
                self.dropped.insert(finding.rule.clone(), (1, finding));
            }
        }
    }

    /// Pushes the finding `build` makes, building it only if it is kept or is the first left
    /// out: findings past the limit are only counted (building each one, its message and
    /// locator, is what makes a file with 100,000 findings slow).
    pub fn push_with(&mut self, rule: &str, build: impl FnOnce() -> Finding) {
        if self.muted.is_none()
            && self.is_full(rule)
            && let Some((count, _)) = self.dropped.get_mut(rule)
        {
            *count += 1;
            return;
        }
        self.push(build());
    }

    /// Whether a rule has reached its limit in this file (it may stop looking).
    #[must_use]
    pub fn is_full(&self, rule: &str) -> bool {
        self.findings.len() >= self.limits.per_file || self.kept.get(rule).is_some_and(|k| *k >= self.limits.per_rule)
    }

    /// Records that a full rule stopped looking: the note then says there may be more.
    pub fn stop(&mut self, rule: &str) {
        if !self.stopped.contains(rule) {
            self.stopped.insert(Arc::from(rule));
        }
    }

    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for finding in findings {
            self.push(finding);
        }
    }

    /// Moves another sink's findings and counts into this one.
    pub fn absorb(&mut self, other: Sink) {
        for finding in other.findings {
            self.push(finding);
        }
        self.stopped.extend(other.stopped);
        for (rule, (count, first)) in other.dropped {
            match self.dropped.get_mut(&rule) {
                Some((mine, _)) => *mine += count,
                None => {
                    self.dropped.insert(rule, (count, first));
                }
            }
        }
    }

    /// The findings kept, then one note per rule that went over a limit.
    #[must_use]
    pub fn into_findings(self) -> Vec<Finding> {
        let mut out = self.findings;
        let mut dropped = self.dropped;
        // A rule that stopped looking without leaving one out: the note points at its last one.
        for rule in &self.stopped {
            if !dropped.contains_key(rule)
                && let Some(last) = out.iter().rev().find(|f| f.rule == *rule)
            {
                dropped.insert(rule.clone(), (0, last.clone()));
            }
        }
        for (rule, (count, first)) in dropped {
            let kept = self.kept.get(&rule).copied().unwrap_or(0);
            let limits = format!(
                "the limits are {} per rule and {} per file, see --max-findings-per-rule and --max-findings-per-file",
                self.limits.per_rule, self.limits.per_file
            );
            let message = match (count, self.stopped.contains(&rule)) {
                (0, _) => {
                    format!("`{rule}` stopped looking in this file after {kept} findings ({limits}); there may be more after this one")
                }
                (_, true) => format!(
                    "`{rule}` has at least {count} more finding{} in this file than shown ({kept} reported, then it stopped looking; {limits}); \
                     this is the first one left out",
                    if count == 1 { "" } else { "s" }
                ),
                _ => format!(
                    "`{rule}` has {count} more finding{} in this file than shown ({kept} reported; {limits}); this is the first one left out",
                    if count == 1 { "" } else { "s" }
                ),
            };
            let mut note = Finding::new(TOO_MANY_FINDINGS, Severity::Note, &first.source, first.span, message);
            note.locator = format!("{rule} → {}", first.locator);
            note.label = "first finding left out".into();
            out.push(note);
        }
        // Kept until the report: without the slack of growing.
        out.shrink_to_fit();
        out
    }
}

/// The known name closest to `name`, when it is close enough to be a misspelling of it.
#[must_use]
pub fn suggestion<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    // Edit distance costs the product of the lengths: a long name is no misspelling anyway.
    if name.len() > 64 {
        return None;
    }
    let best = known
        .into_iter()
        .filter(|k| *k != name)
        .map(|k| (strsim::damerau_levenshtein(&name.to_lowercase(), &k.to_lowercase()), k))
        .min_by_key(|(distance, _)| *distance)?;
    let allowed = match name.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    (best.0 <= allowed).then_some(best.1)
}

/// Text of unbounded length (a name, a path) cut for a message: at most `max` bytes, with `…`.
#[must_use]
pub fn shortened(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &text[..end]))
}

/// A locator part of unbounded length, kept short and still distinct: a long key becomes its
/// first characters and a hash of the whole, so fingerprints stay stable and findings under a
/// 1 MB state name do not each carry a copy of it.
#[must_use]
pub fn locator_part(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 96;
    if text.len() <= MAX {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = 48;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…#{:016x}", &text[..end], fnv1a(text.bytes())))
}

/// A finding's route: the document's place in the file, then the node's inside it
/// (`Resources.Flow.Properties.DefinitionString → States.Charge`).
#[must_use]
pub fn route(location: &str, inner: &str) -> String {
    match (location.is_empty(), inner.is_empty()) {
        (true, _) => inner.to_string(),
        (false, true) => location.to_string(),
        (false, false) => format!("{location} → {inner}"),
    }
}

/// FNV-1a, 64 bits: stable across platforms and releases (fingerprints are a contract).
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
