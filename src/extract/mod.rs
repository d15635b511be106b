//! Classification and extraction: a parsed file → the artifacts it holds, with provenance.
//!
//! A file is standalone ASL (`StartAt` + `States`), a standalone IAM policy (`Statement`), a
//! CloudFormation/SAM template (`Resources` of typed resources), or a Terraform JSON plan
//! (`format_version` with `planned_values`/`resource_changes`/`prior_state`). Templates and plans
//! yield the state machines and policies inside them, including documents embedded in strings,
//! whose spans point into the string. Problems met on the way (an embedded document that does
//! not parse, a definition unknown at plan time) are findings.

mod cfn;
pub use cfn::intrinsic_text;
mod intrinsic;
pub use intrinsic::{Intrinsics, long_intrinsic_name};
mod policy_document;
mod serverless;
mod tfconfig;
pub use tfconfig::Modules;
pub(crate) mod template;
mod tfjson;
mod tfmodel;
mod tfplan;
pub use tfplan::{PlanResource, resources as plan_resources};

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use crate::finding::{Finding, Severity};
use crate::parse::embedded::EmbeddedText;
use crate::parse::{Entry, Node, json};
use crate::rule::builtin;
use crate::source::{Source, Span};

/// How many artifacts of each kind a run checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ArtifactCounts {
    pub state_machines: usize,
    pub policies: usize,
    pub templates: usize,
    pub plans: usize,
    /// Terraform configuration files (`.tf`).
    #[serde(skip_serializing_if = "is_zero")]
    pub configurations: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ArtifactCounts {
    pub fn merge(&mut self, other: ArtifactCounts) {
        self.state_machines += other.state_machines;
        self.policies += other.policies;
        self.templates += other.templates;
        self.plans += other.plans;
        self.configurations += other.configurations;
    }

    pub fn add(&mut self, kind: ArtifactKind) {
        match kind {
            ArtifactKind::StateMachine => self.state_machines += 1,
            ArtifactKind::Policy => self.policies += 1,
            ArtifactKind::Template => self.templates += 1,
            ArtifactKind::Plan => self.plans += 1,
            ArtifactKind::Configuration => self.configurations += 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArtifactKind {
    StateMachine,
    Policy,
    Template,
    Plan,
    /// A Terraform configuration file (`.tf`): its resources, as `tf.resource` rules read them.
    Configuration,
}

/// What a policy is attached to, as far as the file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a role, user or group, or a managed policy.
    Identity,
    /// A role's trust policy.
    Trust,
    /// A resource-based policy (bucket, queue, topic, key, …).
    Resource,
    /// A standalone document: we cannot tell.
    Unknown,
}

/// One document to check, and where it came from.
#[derive(Debug)]
pub struct Artifact<'a> {
    pub kind: ArtifactKind,
    pub root: Cow<'a, Node>,
    /// The file the root's spans point into (another file for a SAM `DefinitionUri`).
    pub source: Arc<Source>,
    /// The resource that holds it: a logical id or a Terraform address.
    pub resource: Option<String>,
    /// That resource's type (`AWS::IAM::ManagedPolicy`, `aws_iam_role`), where one holds it.
    pub resource_type: Option<String>,
    /// Where in the file: `Resources.Flow.Properties.DefinitionString`, empty when standalone.
    pub location: String,
    pub policy_kind: PolicyKind,
    /// For a document embedded in a string: the text it was parsed from and its map to the
    /// file, so that a place inside a string value of the document can be found in the file.
    pub embedded: Option<Box<EmbeddedText>>,
    /// What `${Name}` placeholders of the document stand for.
    pub substitutions: Substitutions,
    /// Values into which `DefinitionSubstitutions` were put, by span: their text in the file
    /// is the placeholder, not the value.
    pub substituted: Vec<Span>,
    /// For a document deploylint wrote out on the file's behalf (the statements a SAM policy
    /// template grants): the place that stands for all the file did not write (the template's
    /// name). Findings there are left out, since the file cannot change them; findings at the
    /// values it gave (the template's parameters) are kept.
    pub written_for: Option<Span>,
    /// For a state machine defined by a resource: what its file says of it (type, logging,
    /// role and the policies the role holds), built from the file's model.
    pub machine: Option<Arc<crate::model::role::MachineContext>>,
    /// For the statements of every identity policy the file attaches to one principal, put
    /// together: the places of the policies they come from. Only checks that look across
    /// policies ([`crate::analyzers::ACROSS_POLICIES`]) read it; the policies themselves are
    /// checked on their own.
    pub combined: Option<Vec<Span>>,
}

impl<'a> Artifact<'a> {
    /// A document of `source` that no resource holds (a standalone file's); the setters below
    /// say what else the file tells of it.
    #[must_use]
    pub fn new(kind: ArtifactKind, root: Cow<'a, Node>, source: Arc<Source>) -> Self {
        Self {
            kind,
            root,
            source,
            resource: None,
            resource_type: None,
            location: String::new(),
            policy_kind: PolicyKind::Unknown,
            embedded: None,
            substitutions: Substitutions::Unknown,
            substituted: Vec::new(),
            written_for: None,
            machine: None,
            combined: None,
        }
    }

    /// Held by the resource `id` of type `resource_type`, at `location` in the file.
    #[must_use]
    pub fn held_by(mut self, id: impl Into<String>, resource_type: impl Into<String>, location: String) -> Self {
        self.resource = Some(id.into());
        self.resource_type = Some(resource_type.into());
        self.location = location;
        self
    }

    #[must_use]
    pub fn policy_kind(mut self, kind: PolicyKind) -> Self {
        self.policy_kind = kind;
        self
    }

    #[must_use]
    pub fn embedded(mut self, text: impl Into<Option<Box<EmbeddedText>>>) -> Self {
        self.embedded = text.into();
        self
    }

    /// What its placeholders stand for, and the values put into it.
    #[must_use]
    pub fn substituted(mut self, substitutions: Substitutions, substituted: Vec<Span>) -> Self {
        self.substitutions = substitutions;
        self.substituted = substituted;
        self
    }

    #[must_use]
    pub fn written_for(mut self, at: impl Into<Option<Span>>) -> Self {
        self.written_for = at.into();
        self
    }

    #[must_use]
    pub fn machine(mut self, context: impl Into<Option<Arc<crate::model::role::MachineContext>>>) -> Self {
        self.machine = context.into();
        self
    }

    #[must_use]
    pub fn combined(mut self, policies: impl Into<Option<Vec<Span>>>) -> Self {
        self.combined = policies.into();
        self
    }
}

/// What the `${Name}` placeholders of a definition stand for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Substitutions {
    /// Anything: the definition is a file of its own (a SAM `DefinitionUri`, a Terraform
    /// `templatefile()`) or a `Fn::Sub` text, filled in at deploy time from elsewhere.
    #[default]
    Unknown,
    /// The template in this run says: its `DefinitionSubstitutions` (empty when it has none).
    /// Literal values are already substituted into the document; a name mapped to `None` has a
    /// value known only at deploy time (an intrinsic function); any other `${Name}` stays in the
    /// definition as written.
    Given(std::collections::BTreeMap<String, Option<String>>),
}

impl Substitutions {
    /// Whether `text` holds a placeholder whose value is unknown here.
    #[must_use]
    pub fn unknown_in(&self, text: &str) -> bool {
        let mut rest = text;
        while let Some(open) = rest.find("${") {
            let after = &rest[open + 2..];
            let Some(close) = after.find('}') else { return false };
            let name = &after[..close];
            if close > 0 && !name.contains("${") {
                let unknown = match self {
                    Substitutions::Unknown => true,
                    // Pseudo parameters (`${AWS::Region}`) are left to the deploy.
                    Substitutions::Given(map) => name.contains("::") || matches!(map.get(name), Some(None)),
                };
                if unknown {
                    return true;
                }
            }
            rest = &after[close..];
        }
        false
    }
}

/// The `${Name}` placeholders of a text (CloudFormation `Fn::Sub` and `DefinitionSubstitutions`,
/// Terraform templates): byte offsets of each `${…}` and the name inside. Names with quotes,
/// braces, backslashes or white space, and names over 200 bytes, are not placeholders.
pub fn placeholders(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let open = from + text.get(from..)?.find("${")?;
            let close = open + text[open..].find('}')?;
            from = close + 1;
            let name = &text[open + 2..close];
            if !name.is_empty() && name.len() <= 200 && !name.contains(['"', '{', '\\']) && !name.contains(char::is_whitespace) {
                return Some((open, close + 1, name));
            }
        }
    })
}

/// The text with each `${…}` replaced by `with` (a placeholder stands for one value).
#[must_use]
pub fn strip_placeholders<'t>(text: &'t str, with: &str) -> Cow<'t, str> {
    if !text.contains("${") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            rest = &rest[open..];
            break;
        };
        out.push_str(with);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Text that `Fn::Join`s of one file may resolve to, beyond the file's own size: a join
/// repeats its delimiter between pieces, so a small template can spell gigabytes. Four times
/// the largest definition Step Functions accepts (1 MiB).
pub const MAX_JOIN_BYTES: usize = 4 * 1024 * 1024;

/// What extraction needs to know beyond the file itself.
pub struct Context<'c> {
    pub source: Arc<Source>,
    /// The files it may name (a `DefinitionUri`), read inside the run's roots and claimed.
    pub files: crate::load::Named<'c>,
    /// Bytes of `Fn::Join` text still allowed in this file (see [`MAX_JOIN_BYTES`]).
    pub join_budget: std::cell::Cell<usize>,
    /// The Terraform modules of the run, read once each (a fresh read without).
    pub modules: Option<&'c Modules>,
    /// Definition files read for a `DefinitionUri`, with the substitutions they were checked
    /// with and the placeholders they hold: each is checked once per map however many
    /// resources name it.
    pub definitions: std::cell::RefCell<Vec<(PathBuf, String, std::collections::BTreeSet<String>)>>,
}

impl<'c> Context<'c> {
    #[must_use]
    pub fn new(source: Arc<Source>, roots: &'c [PathBuf]) -> Self {
        let budget = MAX_JOIN_BYTES.saturating_add(source.text.len());
        Self {
            source,
            files: crate::load::Named::new(roots),
            join_budget: std::cell::Cell::new(budget),
            modules: None,
            definitions: std::cell::RefCell::default(),
        }
    }

    /// The same context, reading Terraform modules through the run's `modules`.
    #[must_use]
    pub fn with_modules(mut self, modules: &'c Modules) -> Self {
        self.modules = Some(modules);
        self
    }
}

/// What extraction found besides the artifacts it handed on.
#[derive(Debug, Default)]
pub struct Extracted {
    pub findings: crate::finding::Sink,
    /// Whether the file is of a kind deploylint knows.
    pub recognised: bool,
}

/// Extraction under way: artifacts go to `emit` one at a time, so that each is checked and
/// dropped before the next is built (a plan with 180,000 policy strings never holds them all
/// parsed at once).
/// `'a` is the document's lifetime: what the artifacts borrow. `emit` takes artifacts of any
/// lifetime, so that a document made during extraction (a Serverless file's resources gathered
/// from several files) is extracted as well.
pub struct Extraction<'a, 'e> {
    emit: &'e mut dyn FnMut(Artifact<'_>),
    pub findings: crate::finding::Sink,
    pub recognised: bool,
    document: std::marker::PhantomData<&'a Node>,
}

impl<'e> Extraction<'_, 'e> {
    pub(crate) fn new(emit: &'e mut dyn FnMut(Artifact<'_>)) -> Self {
        Self { emit, findings: crate::finding::Sink::default(), recognised: false, document: std::marker::PhantomData }
    }

    fn push(&mut self, artifact: Artifact<'_>) {
        (self.emit)(artifact);
    }

    /// An extraction of another document (one made during this one), into the same checks.
    fn nested<'b>(&mut self) -> Extraction<'b, '_> {
        Extraction::new(&mut *self.emit)
    }

    /// What a nested extraction found, added to this one's.
    fn absorb(&mut self, other: Extracted) {
        self.findings.absorb(other.findings);
        self.recognised |= other.recognised;
    }

    fn done(self) -> Extracted {
        Extracted { findings: self.findings, recognised: self.recognised }
    }
}

/// A document as the JSON text another tool reads (a YAML short tag `!GetAtt x.Arn` as
/// `{"Fn::GetAtt": ["x", "Arn"]}`), for AWS CloudFormation Guard.
#[must_use]
pub fn document_json(root: &Node) -> String {
    serde_json::to_string(&template::json_of(root)).unwrap_or_default()
}

/// Finds the artifacts of a loaded file (its Terraform configuration, or each of its
/// documents) and hands each to `emit`, in the order of the file.
pub fn file(loaded: &crate::load::Loaded, ctx: &Context<'_>, emit: &mut dyn FnMut(Artifact<'_>)) -> Extracted {
    let mut found = Extracted::default();
    let mut add = |extracted: Extracted| {
        found.findings.absorb(extracted.findings);
        found.recognised |= extracted.recognised;
    };
    if let Some(body) = &loaded.parsed.hcl {
        add(extract_configuration(body, ctx, emit));
    }
    for doc in &loaded.parsed.documents {
        add(extract(doc, ctx, emit));
    }
    found
}

/// Finds the artifacts of a Terraform configuration file and hands each to `emit`.
pub fn extract_configuration(body: &crate::parse::hcl::Body, ctx: &Context<'_>, emit: &mut dyn FnMut(Artifact<'_>)) -> Extracted {
    let mut out = Extraction::new(emit);
    tfconfig::extract(body, ctx, &mut out);
    out.done()
}

/// Finds the artifacts in one parsed document and hands each to `emit`.
pub fn extract(doc: &Node, ctx: &Context<'_>, emit: &mut dyn FnMut(Artifact<'_>)) -> Extracted {
    let mut out = Extraction::new(emit);
    classify(doc, ctx, &mut out);
    out.done()
}

fn classify<'a>(doc: &'a Node, ctx: &Context<'_>, out: &mut Extraction<'a, '_>) {
    if doc.as_object().is_none() {
        return;
    }
    out.recognised = true;
    if tfjson::is_configuration(&ctx.source) {
        tfjson::extract(doc, ctx, out);
    } else if is_plan(doc) {
        out.push(whole_file(ArtifactKind::Plan, doc, ctx));
        tfplan::extract(doc, ctx, out);
    } else if serverless::is_service(doc) {
        serverless::extract(doc, ctx, out);
    } else if is_template(doc) {
        out.push(whole_file(ArtifactKind::Template, doc, ctx));
        cfn::extract(doc, ctx, out);
    } else if is_state_machine(doc) {
        out.push(whole_file(ArtifactKind::StateMachine, doc, ctx));
    } else if is_policy(doc) {
        out.push(whole_file(ArtifactKind::Policy, doc, ctx));
    } else {
        out.recognised = false;
    }
}

/// The file's whole document as one artifact (no resource holds it; a standalone policy's
/// attachment is unknown).
fn whole_file<'a>(kind: ArtifactKind, doc: &'a Node, ctx: &Context<'_>) -> Artifact<'a> {
    Artifact::new(kind, Cow::Borrowed(doc), ctx.source.clone())
}

#[must_use]
pub fn is_state_machine(doc: &Node) -> bool {
    doc.get("States").is_some_and(|s| s.as_object().is_some()) && doc.get("StartAt").is_some()
}

#[must_use]
pub fn is_policy(doc: &Node) -> bool {
    doc.get("Statement").is_some_and(|s| s.as_object().is_some() || s.as_array().is_some()) || is_policy_without_statement(doc)
}

/// `{"Version": "2012-10-17"}` and nothing but `Id` or `Statement` beside it: a policy that
/// lost its statements (a policy language version is no other format's).
fn is_policy_without_statement(doc: &Node) -> bool {
    matches!(doc.get_str("Version"), Some("2012-10-17" | "2008-10-17"))
        && doc.as_object().is_some_and(|entries| entries.iter().all(|e| matches!(&*e.key, "Version" | "Id" | "Statement")))
}

fn is_template(doc: &Node) -> bool {
    let typed = |r: &Node| r.unique_entries().any(|e| e.value.get_str("Type").is_some());
    doc.get("Resources").is_some_and(typed) || doc.get("AWSTemplateFormatVersion").is_some()
}

fn is_plan(doc: &Node) -> bool {
    doc.get("format_version").is_some()
        && ["planned_values", "resource_changes", "prior_state", "values", "terraform_version"].iter().any(|k| doc.get(k).is_some())
}

/// A Lambda permission (`AWS::Lambda::Permission`, `aws_lambda_permission`): the statement
/// Lambda adds to the function's resource policy, by the names each source gives its parts.
pub(crate) struct Permission<'n> {
    /// Where what the file does not write goes (the resource's properties): see
    /// [`Artifact::written_for`].
    pub at: Span,
    pub action: Option<&'n Entry>,
    pub principal: Option<&'n Entry>,
    pub function: Option<&'n Entry>,
    /// (operator, condition key, the value the file gives): `ArnLike aws:SourceArn`, …
    pub conditions: Vec<(&'static str, &'static str, &'n Entry)>,
}

impl Permission<'_> {
    /// The policy artifact, held by the permission resource `(id, type)` at `location`;
    /// findings at what the file did not write (`at`) are left out.
    pub(crate) fn push(&self, (id, resource_type): (&str, &str), location: String, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
        out.push(
            Artifact::new(ArtifactKind::Policy, Cow::Owned(self.policy()), ctx.source.clone())
                .held_by(id.to_string(), resource_type.to_string(), location)
                .policy_kind(PolicyKind::Resource)
                .written_for(self.at),
        );
    }

    /// The resource policy, as Lambda writes it: a `*` principal as is, a service principal
    /// (`s3.amazonaws.com`) under `Service`, an account or ARN under `AWS`.
    pub(crate) fn policy(&self) -> Node {
        use crate::parse::{Entry, Value};
        let at = self.at;
        let text = |t: &str| Node::new(Value::String(t.into()), at);
        let member = |key: &str, key_span: Span, value: Node| Entry { key: key.into(), key_span, value };
        let object = |entries: Vec<Entry>| Node::new(Value::Object(entries), at);
        let mut statement = vec![member("Effect", at, text("Allow"))];
        if let Some(principal) = self.principal {
            let value = &principal.value;
            let wrapped = match value.as_str() {
                Some("*") => value.clone(),
                Some(t) if t.ends_with(".amazonaws.com") || t.ends_with(".amazonaws.com.cn") => {
                    object(vec![member("Service", principal.key_span, value.clone())])
                }
                _ => object(vec![member("AWS", principal.key_span, value.clone())]),
            };
            statement.push(member("Principal", principal.key_span, wrapped));
        }
        if let Some(action) = self.action {
            statement.push(member("Action", action.key_span, action.value.clone()));
        }
        let resource = match self.function.and_then(|f| f.value.as_str().filter(|t| t.starts_with("arn:")).map(|_| f)) {
            Some(function) => member("Resource", function.key_span, function.value.clone()),
            None => member("Resource", at, text("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Function}")),
        };
        statement.push(resource);
        let mut operators: Vec<Entry> = Vec::new();
        for (operator, key, given) in &self.conditions {
            let bound = member(key, given.key_span, given.value.clone());
            match operators.iter_mut().find(|o| &*o.key == *operator) {
                Some(Entry { value: Node { value: Value::Object(keys), .. }, .. }) => keys.push(bound),
                _ => operators.push(member(operator, at, object(vec![bound]))),
            }
        }
        if !operators.is_empty() {
            statement.push(member("Condition", at, object(operators)));
        }
        object(vec![
            member("Version", at, text("2012-10-17")),
            member("Statement", at, Node::new(Value::Array(vec![object(statement)]), at)),
        ])
    }
}

/// Parses an embedded JSON document, reporting a parse failure as a finding at the mapped span
/// in `source` (the file the text maps into).
/// `location` is the document's place in the file (`Resources.Flow.Properties.DefinitionString`):
/// the findings' locator, so they keep their fingerprints when other documents change.
fn parse_embedded(
    text: &EmbeddedText,
    placeholders: bool,
    (what, location): (&str, &str),
    source: &Arc<Source>,
    out: &mut Extraction<'_, '_>,
) -> Option<Node> {
    let mut findings = Vec::new();
    let node = parse_embedded_document(text, placeholders, what, source, &mut findings);
    for mut finding in findings {
        location.clone_into(&mut finding.locator);
        out.findings.push(finding);
    }
    node
}

fn parse_embedded_document(
    text: &EmbeddedText,
    placeholders: bool,
    what: &str,
    source: &Arc<Source>,
    out: &mut Vec<Finding>,
) -> Option<Node> {
    let trimmed = text.text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        out.push(Finding::new(
            builtin::PARSE_SYNTAX,
            Severity::Error,
            source,
            text.map_span(Span::new(0, text.text.len())),
            format!("{what} is not a JSON document"),
        ));
        return None;
    }
    match text.parse_json(json::Options { placeholders }) {
        Ok((node, dups)) => {
            for dup in dups {
                out.push(Finding::duplicate_key(source, &dup));
            }
            Some(node)
        }
        Err(err) => {
            let rule = builtin::for_parse_error(err.kind);
            // With intrinsic functions standing for parts of the text, the document deployed
            // may well be valid: say it was not checked, without failing the run.
            let finding = if text.synthetic {
                Finding::new(
                    builtin::PARSE_UNRESOLVED_EMBEDDED,
                    Severity::Note,
                    source,
                    err.span,
                    format!(
                        "{what} was not checked: with its intrinsic functions read as placeholders it does not parse ({})",
                        err.message
                    ),
                )
            } else {
                Finding::new(rule, Severity::Error, source, err.span, format!("{what}: {}", err.message))
            };
            out.push(finding);
            None
        }
    }
}

#[cfg(test)]
mod placeholder_tests {
    use super::{placeholders, strip_placeholders};

    #[test]
    fn placeholders_are_found_and_stripped() {
        let text = "é${A}-${aws:username}${ x }${\"q\"}${B.Arn}${unclosed";
        let names: Vec<&str> = placeholders(text).map(|(_, _, n)| n).collect();
        assert_eq!(names, ["A", "aws:username", "B.Arn"]);
        let (start, end, _) = placeholders(text).next().unwrap();
        assert_eq!(&text[start..end], "${A}");
        assert_eq!(strip_placeholders("arn:${AWS::Partition}:s3:::${B}/*", "x"), "arn:x:s3:::x/*");
        assert_eq!(strip_placeholders("a${b", ""), "a${b");
    }
}
