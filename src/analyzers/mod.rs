//! Rust analyzers: the checks data cannot express (the ASL specification, IAM grammar,
//! relations between resources).
//!
//! An analyzer is one file under `src/analyzers/<family>/` exporting an [`Analyzer`], plus its
//! line in [`ALL`]. Its metadata, docs and examples live in `rules/<id>.yaml` with
//! `target: builtin`, like every other rule. It reads the artifact through a [`Model`] (the
//! state machine view is built once and shared by all analyzers) and reports through an
//! [`Emitter`], naming nodes ([`Place`]), never lines or columns: the report stage does that.

pub mod asl;
pub mod cfn;
pub mod iam;
pub mod sfn;

use crate::extract::{Artifact, ArtifactKind};
use crate::finding::{Finding, Label, Severity, Sink};
use crate::model::Model;
use crate::parse::{Entry, Node};
use crate::source::Span;

/// One analyzer: the rule it reports, the artifacts it reads, and the check.
#[derive(Debug)]
pub struct Analyzer {
    pub id: &'static str,
    pub artifact: ArtifactKind,
    pub run: fn(&Model<'_, '_>, &mut Emitter<'_, '_>),
}

/// Every analyzer, one line each.
#[rustfmt::skip]
pub static ALL: &[&Analyzer] = &[
    &asl::transition::ANALYZER,
    &asl::state_name::ANALYZER,
    &asl::unreachable_state::ANALYZER,
    &asl::no_terminal_state::ANALYZER,
    &asl::missing_field::ANALYZER,
    &asl::field_not_allowed::ANALYZER,
    &asl::unknown_field::ANALYZER,
    &asl::field_type::ANALYZER,
    &asl::retrier::ANALYZER,
    &asl::catcher::ANALYZER,
    &asl::timeout_fields::ANALYZER,
    &asl::wait_fields::ANALYZER,
    &asl::fail_fields::ANALYZER,
    &asl::map_config::ANALYZER,
    &asl::choice_rule::ANALYZER,
    &asl::task_resource::ANALYZER,
    &asl::path::ANALYZER,
    &asl::intrinsic_function::ANALYZER,
    &asl::jsonata::ANALYZER,
    &asl::variable::ANALYZER,
    &asl::task_retry::ANALYZER,
    &asl::task_timeout::ANALYZER,
    &asl::retry_backoff::ANALYZER,
    &asl::retry_order::ANALYZER,
    &asl::catch_fallback::ANALYZER,
    &asl::heartbeat_misuse::ANALYZER,
    &asl::map_concurrency::ANALYZER,
    &asl::express_integration_pattern::ANALYZER,
    &asl::express_duration::ANALYZER,
    &asl::unbounded_loop::ANALYZER,
    &asl::definition_size::ANALYZER,
    &asl::payload_limit::ANALYZER,
    &asl::wait_range::ANALYZER,
    &iam::policy_element::ANALYZER,
    &iam::statement_element::ANALYZER,
    &iam::sid::ANALYZER,
    &iam::condition::ANALYZER,
    &iam::condition_key::ANALYZER,
    &iam::arn::ANALYZER,
    &iam::unknown_service::ANALYZER,
    &iam::unknown_action::ANALYZER,
    &iam::privilege_escalation::ANALYZER,
    &iam::policy_size::ANALYZER,
    &cfn::sam_policy_template::ANALYZER,
    &cfn::unfilled_substitution::ANALYZER,
    &sfn::role_missing_permission::ANALYZER,
    &sfn::callback_sender_permission::ANALYZER,
    &sfn::role_overly_broad::ANALYZER,
    &sfn::role_unverifiable::ANALYZER,
    &sfn::fanout_exceeds_concurrency::ANALYZER,
    &sfn::log_group_prefix::ANALYZER,
    &sfn::failure_alarm::ANALYZER,
];

/// The analyzers that also read a principal's identity policies put together (an artifact
/// with [`Artifact::combined`](crate::extract::Artifact::combined)).
pub static ACROSS_POLICIES: &[&str] = &["iam/privilege-escalation"];

/// The analyzer that reports `id`.
#[must_use]
pub fn get(id: &str) -> Option<&'static Analyzer> {
    ALL.iter().copied().find(|a| a.id == id)
}

/// Where a finding points, as a node of the artifact.
#[derive(Clone, Copy, Debug)]
pub enum Place<'n> {
    /// An object member's key (a state's name, a misspelt field).
    Key(&'n Entry),
    /// A value.
    Value(&'n Node),
    /// Bytes `start..end` of a string value (an error at one character of a path).
    InString { node: &'n Node, start: usize, end: usize },
}

/// Runs one analyzer on one artifact, into the file's sink. `title` is the rule's, the label
/// of its findings unless they say otherwise.
pub fn run(analyzer: &Analyzer, severity: Severity, title: &str, model: &Model<'_, '_>, sink: &mut Sink) {
    if model.artifact.kind != analyzer.artifact {
        return;
    }
    let mut emitter = Emitter { rule: analyzer.id, severity, title, artifact: model.artifact, sink };
    (analyzer.run)(model, &mut emitter);
}

/// Where an analyzer's findings go.
pub struct Emitter<'a, 's> {
    rule: &'static str,
    severity: Severity,
    title: &'s str,
    artifact: &'a Artifact<'a>,
    sink: &'s mut Sink,
}

impl<'a> Emitter<'a, '_> {
    /// Whether this rule has reached its limit in this file: an analyzer may stop looking (the
    /// report then says there may be more).
    pub fn is_full(&mut self) -> bool {
        let full = self.sink.is_full(self.rule);
        if full {
            self.sink.stop(self.rule);
        }
        full
    }

    /// Starts a finding at a place of another file than the artifact's (the template that
    /// defines a state machine read through `DefinitionUri`): its `span` in `source`.
    pub fn report_in(
        &mut self,
        source: &std::sync::Arc<crate::source::Source>,
        span: Span,
        locator: &str,
        message: impl Into<String>,
    ) -> Report<'_, 'a> {
        let artifact = self.artifact;
        let mut finding = Finding::new(self.rule, self.severity, source, span, message.into());
        self.title.clone_into(&mut finding.label);
        finding.locator = crate::finding::route(&artifact.location, locator);
        Report { finding, artifact, sink: self.sink }
    }

    /// Starts a finding at `place`. `locator` is the dotted path of the node inside the
    /// artifact (`States.A.Retry[0]`): with the rule and file it makes the fingerprint, so it
    /// names the node, never a line.
    pub fn report(&mut self, place: Place<'_>, locator: &str, message: impl Into<String>) -> Report<'_, 'a> {
        let (span, subject) = span_of(self.artifact, &place);
        self.report_at(span, subject, locator, message)
    }

    /// Starts a finding at a place already resolved with [`span_of`].
    pub(crate) fn report_at(&mut self, span: Span, subject: Option<String>, locator: &str, message: impl Into<String>) -> Report<'_, 'a> {
        let artifact = self.artifact;
        let mut finding = Finding::new(self.rule, self.severity, &artifact.source, span, message.into());
        finding.subject = subject;
        self.title.clone_into(&mut finding.label);
        finding.locator = crate::finding::route(&artifact.location, locator);
        Report { finding, artifact, sink: self.sink }
    }
}

/// Where a place is in the file, and the text it names (the subject of a finding there).
pub(crate) fn span_of(artifact: &Artifact<'_>, place: &Place<'_>) -> (Span, Option<String>) {
    match place {
        Place::Key(entry) => (entry.key_span, Some(entry.key.to_string())),
        // A substituted value is not what the file says there.
        Place::Value(node) => {
            (node.span, node.as_str().filter(|_| artifact.substituted.binary_search(&node.span).is_err()).map(str::to_string))
        }
        Place::InString { node, start, end } => (crate::model::string_span(artifact, node, *start..*end), None),
    }
}

/// A finding being built: add help, related places, a context severity or the service's
/// error code, then [`Report::emit`].
#[must_use = "a report is only kept once emitted"]
pub struct Report<'s, 'a> {
    finding: Finding,
    artifact: &'a Artifact<'a>,
    sink: &'s mut Sink,
}

impl Report<'_, '_> {
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.finding.help = Some(help.into());
        self
    }

    /// What the label at the place says (the rule's title when not given).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.finding.label = label.into();
        self
    }

    /// A second place that explains the finding.
    pub fn related(mut self, place: &Place<'_>, text: impl Into<String>) -> Self {
        let (span, _) = span_of(self.artifact, place);
        self.finding.related.push(Label { source: self.artifact.source.clone(), span, text: text.into() });
        self
    }

    /// The place stands for a value rather than spelling it (a `${…}` placeholder for an
    /// expression): the finding names no subject text.
    pub fn without_subject(mut self) -> Self {
        self.finding.subject = None;
        self
    }

    /// A second place, in any file.
    pub fn related_in(mut self, source: &std::sync::Arc<crate::source::Source>, span: Span, text: impl Into<String>) -> Self {
        self.finding.related.push(Label { source: source.clone(), span, text: text.into() });
        self
    }

    /// The severity this finding has in its context (a misspelt field is an error where an
    /// unknown one is a warning); a severity configured for the rule replaces it.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.finding.severity = severity;
        self
    }

    /// The values the finding names (its fingerprint and what a `rule[value]` suppression
    /// matches): a grouped finding names them all.
    pub fn values(mut self, values: Vec<String>) -> Self {
        self.finding.values = values;
        self
    }

    /// The IAM Access Analyzer issue code of the check the finding corresponds to.
    pub fn access_analyzer(mut self, code: &'static str) -> Self {
        self.finding.access_analyzer = Some(code);
        self
    }

    /// The error code Step Functions (or another service) answers with at deploy time.
    pub fn aws_code(mut self, code: &'static str) -> Self {
        self.finding.aws_code = Some(code);
        self
    }

    pub fn emit(self) {
        self.sink.push(self.finding);
    }
}
