//! The declarative rule engine: rule files → compiled rules → findings on targets.
//!
//! A rule names a target kind (`asl.state`, `iam.statement`, …), an optional `when` filter, and
//! either `require` (flag the target when a requirement fails; one finding listing what is
//! missing) or `each` (flag every node a JSONPath selects that passes `where`). Selectors are
//! compiled once per run; conditions come from a small closed vocabulary ([`condition`]).

pub mod condition;
pub mod guard;
pub mod query;
pub mod rule_file;
pub mod target;

use std::fmt;

use serde_saphyr::Spanned;

use crate::extract::Artifact;
use crate::finding::{Finding, Severity, Sink};
use crate::parse::{Node, Value};
use crate::rule::{RuleKind, RuleMeta, RuleText};
use condition::{Checked, Condition};
use query::Selector;
use rule_file::RuleFile;
use target::{Target, TargetKind};

/// A rule file that cannot be used: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl RuleError {
    fn at<T>(spanned: &Spanned<T>, message: String) -> Self {
        Self { file: String::new(), line: spanned.referenced.line(), column: spanned.referenced.column(), message }
    }

    fn plain(message: String) -> Self {
        Self { file: String::new(), line: 0, column: 0, message }
    }

    #[must_use]
    pub fn in_file(mut self, file: &str) -> Self {
        file.clone_into(&mut self.file);
        self
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

#[derive(Debug, Clone)]
enum Check {
    Require(Vec<Requirement>),
    /// The selectors' picks are taken in order, as one list.
    Each {
        select: Vec<Selector>,
        filter: Option<Condition>,
        group: bool,
    },
}

#[derive(Debug, Clone)]
struct Requirement {
    label: String,
    when: Option<Condition>,
    holds: Condition,
}

/// A rule file as loaded: its metadata, and the compiled check unless the file documents a
/// rule implemented in Rust (`target: builtin`; the registry decides which kind).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub meta: RuleMeta,
    pub rule: Option<Rule>,
}

/// What the registry and the reports need of a bundled rule file (build.rs writes it apart).
#[derive(serde::Deserialize)]
struct MetaSpec {
    id: String,
    title: String,
    severity: Severity,
    target: rule_file::OneOrMany<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    url: Option<String>,
}

/// What a list of selectors picks, in order.
fn select_all<'n>(selectors: &[Selector], node: &'n Node) -> impl Iterator<Item = (&'n Node, String)> {
    selectors.iter().flat_map(move |s| s.select(node))
}

/// A declarative rule: what it checks, and its check, compiled at load (a user's rule file)
/// or when first run (a bundled rule: a run compiles only the rules its files' targets need).
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    /// The target kinds it checks (one, or one per source: `cfn.resource` and `tf.resource`).
    pub targets: Vec<TargetKind>,
    body: std::sync::OnceLock<Option<Box<Body>>>,
    /// A bundled rule's file as JSON (build.rs), while not compiled.
    deferred: Option<&'static str>,
}

/// A compiled check.
#[derive(Debug, Clone)]
struct Body {
    id: String,
    title: String,
    when: Option<Condition>,
    /// Severities by context, the first whose condition holds for the target.
    severity_when: Vec<(Severity, Condition, bool)>,
    check: Check,
    at: Vec<Selector>,
    message: String,
    help: Option<String>,
    access_analyzer: Option<&'static str>,
}

impl Rule {
    /// Loads a rule file from YAML text. `file` names it in errors.
    pub fn from_yaml(file: &str, text: &str) -> Result<Loaded, RuleError> {
        let mut spec: RuleFile = serde_saphyr::from_str(text).map_err(|e| RuleError::plain(e.to_string()).in_file(file))?;
        let Some(docs) = spec.docs.take() else {
            return Err(RuleError::plain(
                "missing field `docs`: every rule says what it finds (`summary`), `why` it matters and how to `fix` it".into(),
            )
            .in_file(file));
        };
        let text = RuleText::given(docs, std::mem::take(&mut spec.examples));
        Self::compile(file, &spec, text, Checked::AtLoad).map_err(|e| e.in_file(file))
    }

    /// Loads a bundled rule file from the JSON build.rs made of it: `meta` (what the registry
    /// and the reports need), `head` (the check, compiled when the rule first runs) and `text`
    /// (docs and examples, read when something asks for them). When that fails (or there is
    /// none), from its YAML, whose errors have lines and columns.
    pub fn from_embedded(file: &str, yaml: &str, meta: &str, head: &'static str, text: &'static str) -> Result<Loaded, RuleError> {
        let Some(spec) = serde_json::from_str::<MetaSpec>(meta).ok().filter(|_| !text.is_empty() && !head.is_empty()) else {
            return Self::from_yaml(file, yaml);
        };
        let meta = |kind| RuleMeta {
            id: spec.id.clone(),
            title: spec.title.clone(),
            severity: spec.severity,
            target: spec.target.as_slice().join(", "),
            kind,
            text: RuleText::embedded(text),
            file: file.to_string(),
            tags: spec.tags.clone(),
            url: spec.url.clone(),
        };
        if spec.target.as_slice() == ["builtin"] {
            return Ok(Loaded { meta: meta(RuleKind::Pipeline), rule: None });
        }
        let Some(targets) = spec.target.as_slice().iter().map(|t| TargetKind::parse(t)).collect::<Option<Vec<_>>>() else {
            return Self::from_yaml(file, yaml);
        };
        let rule = Rule { id: spec.id.clone(), targets, body: std::sync::OnceLock::new(), deferred: Some(head) };
        Ok(Loaded { meta: meta(RuleKind::Declarative), rule: Some(rule) })
    }

    fn compile(file: &str, spec: &RuleFile, text: RuleText, checked: Checked) -> Result<Loaded, RuleError> {
        if !is_rule_id(&spec.id.value) {
            return Err(RuleError::at(&spec.id, format!("rule id `{}` is not `<family>/<kebab-name>`", spec.id.value)));
        }
        let meta = |spec: &RuleFile, kind| RuleMeta {
            id: spec.id.value.clone(),
            title: spec.title.clone(),
            severity: spec.severity,
            target: spec.target.value.as_slice().join(", "),
            kind,
            text,
            file: file.to_string(),
            tags: spec.tags.clone(),
            url: spec.url.clone(),
        };
        if spec.target.value.as_slice() == ["builtin"] {
            return Ok(Loaded { meta: meta(spec, RuleKind::Pipeline), rule: None });
        }
        let (targets, body) = Self::compile_body(spec, checked)?;
        let rule = Rule { id: spec.id.value.clone(), targets, body: std::sync::OnceLock::from(Some(Box::new(body))), deferred: None };
        Ok(Loaded { meta: meta(spec, RuleKind::Declarative), rule: Some(rule) })
    }

    /// The compiled check; a bundled rule's is compiled on the first call (tests/rules.rs
    /// compiles every bundled rule at load: this cannot fail in a release).
    fn body(&self) -> Option<&Body> {
        self.body
            .get_or_init(|| {
                let spec = serde_json::from_str::<RuleFile>(self.deferred?).ok()?;
                Self::compile_body(&spec, Checked::Bundled).ok().map(|(_, body)| Box::new(body))
            })
            .as_deref()
    }

    /// Whether its check is compiled (a bundled rule's, once it has run).
    #[must_use]
    pub fn compiled(&self) -> bool {
        self.body.get().is_some()
    }

    /// Runs the rule on the targets of one artifact.
    pub fn check(&self, artifact: &Artifact<'_>, targets: &[Target<'_>], severity: Severity, out: &mut Sink) {
        if let Some(body) = self.body() {
            body.check(artifact, targets, severity, out);
        }
    }

    fn compile_body(spec: &RuleFile, checked: Checked) -> Result<(Vec<TargetKind>, Body), RuleError> {
        let (targets, check) = {
            let targets = spec
                .target
                .value
                .as_slice()
                .iter()
                .map(|name| {
                    TargetKind::parse(name).ok_or_else(|| {
                        let known: Vec<&str> = TargetKind::ALL.iter().map(|k| k.name()).collect();
                        RuleError::at(&spec.target, format!("unknown target `{name}` (one of {}, builtin)", known.join(", ")))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if targets.is_empty() {
                return Err(RuleError::at(&spec.target, "a rule needs a `target`".into()));
            }
            let check = match (&spec.each, spec.require.is_empty()) {
                (Some(each), true) => Check::Each {
                    select: each
                        .select
                        .value
                        .as_slice()
                        .iter()
                        .map(|text| condition::selector(&Spanned::new(text.clone(), each.select.referenced, each.select.defined), checked))
                        .collect::<Result<_, _>>()?,
                    filter: each.filter.as_ref().map(|c| Condition::compile(c, checked)).transpose()?,
                    group: each.group,
                },
                (None, false) => Check::Require(
                    spec.require
                        .iter()
                        .map(|r| {
                            Ok(Requirement {
                                label: r.label.clone(),
                                when: r.when.as_ref().map(|c| Condition::compile(c, checked)).transpose()?,
                                holds: Condition::compile(&r.holds, checked)?,
                            })
                        })
                        .collect::<Result<_, RuleError>>()?,
                ),
                _ => return Err(RuleError::plain("a rule needs exactly one of `require` and `each`".into())),
            };
            if spec.message.value.is_empty() {
                return Err(RuleError::plain("a rule needs a `message`".into()));
            }
            if let Some(code) = &spec.access_analyzer
                && !(code.starts_with(|c: char| c.is_ascii_uppercase()) && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            {
                return Err(RuleError::plain(format!(
                    "`access_analyzer: {code}` is not an issue code such as `PASS_ROLE_WITH_STAR_IN_RESOURCE`"
                )));
            }
            let mode_variables: &[&str] = match check {
                Check::Each { group: true, .. } => &["value", "values", "count"],
                Check::Each { .. } => &["value"],
                Check::Require(_) => &["missing"],
            };
            // A placeholder must be one every target provides.
            let variables: Vec<&str> =
                targets[0].variables().iter().copied().filter(|v| targets.iter().all(|t| t.variables().contains(v))).collect();
            for name in placeholders(&spec.message.value) {
                if !mode_variables.contains(&name) && !["path", "resource"].contains(&name) && !variables.contains(&name) {
                    let mut known: Vec<&str> = variables.clone();
                    known.extend(["path", "resource"]);
                    known.extend(mode_variables);
                    return Err(RuleError::at(
                        &spec.message,
                        format!("message placeholder `{{{name}}}` is unknown here (known: {})", known.join(", ")),
                    ));
                }
            }
            let mut tested = Vec::new();
            for condition in spec
                .when
                .iter()
                .chain(spec.require.iter().flat_map(|r| r.when.iter().chain([&r.holds])))
                .chain(spec.each.iter().filter_map(|e| e.filter.as_ref()))
                .chain(spec.severity_when.iter().map(|s| &s.when))
            {
                Condition::vars(condition, &mut tested);
            }
            if let Some(unknown) = tested.iter().find(|v| !variables.contains(&v.value.as_str())) {
                return Err(RuleError::at(
                    unknown,
                    format!("`var: {}` is not a variable of this target (known: {})", unknown.value, variables.join(", ")),
                ));
            }
            (targets, check)
        };
        let body = Body {
            id: spec.id.value.clone(),
            title: spec.title.clone(),
            when: spec.when.as_ref().map(|c| Condition::compile(c, checked)).transpose()?,
            severity_when: spec
                .severity_when
                .iter()
                .map(|s| Ok((s.severity, Condition::compile(&s.when, checked)?, s.of_value)))
                .collect::<Result<_, RuleError>>()?,
            check,
            at: spec.at.iter().map(|a| condition::selector(a, checked)).collect::<Result<_, _>>()?,
            message: spec.message.value.clone(),
            help: spec.help.clone(),
            // A few bytes per rule, for the life of the run: findings carry `&'static str`.
            access_analyzer: spec.access_analyzer.as_deref().map(|c| &*Box::leak(c.to_string().into_boxed_str())),
        };
        Ok((targets, body))
    }
}

impl Body {
    fn check(&self, artifact: &Artifact<'_>, targets: &[Target<'_>], severity: Severity, out: &mut Sink) {
        for target in targets {
            if self.when.as_ref().is_some_and(|w| !w.holds(&target.node, &target.vars)) {
                continue;
            }
            let base = severity;
            let severity = self
                .severity_when
                .iter()
                .find(|(_, when, of_value)| !of_value && when.holds(&target.node, &target.vars))
                .map_or(base, |(s, ..)| *s);
            match &self.check {
                Check::Require(requirements) => {
                    let missing: Vec<&str> = requirements
                        .iter()
                        .filter(|r| {
                            r.when.as_ref().is_none_or(|w| w.holds(&target.node, &target.vars))
                                && !r.holds.holds(&target.node, &target.vars)
                        })
                        .map(|r| r.label.as_str())
                        .collect();
                    if missing.is_empty() {
                        continue;
                    }
                    out.push_with(&self.id, || {
                        let (span, sub, subject) = self.location(target);
                        let message = self.render(artifact, target, None, &missing.join(" and "));
                        let mut finding = self.finding(artifact, target, severity, span, &sub, message);
                        finding.subject = subject;
                        finding
                    });
                }
                Check::Each { select, filter, group: true } => {
                    let picked: Vec<(&Node, String)> = select_all(select, &target.node)
                        .filter(|(node, _)| filter.as_ref().is_none_or(|f| f.holds(node, &target.vars)))
                        .collect();
                    let Some((first, path)) = picked.first() else { continue };
                    out.push_with(&self.id, || self.grouped(artifact, target, severity, first, path, &picked));
                }
                Check::Each { select, filter, group: false } => {
                    for (node, path) in select_all(select, &target.node) {
                        if filter.as_ref().is_some_and(|f| !f.holds(node, &target.vars)) {
                            continue;
                        }
                        let severity = self
                            .severity_when
                            .iter()
                            .find(|(_, when, of_value)| *of_value && when.holds(node, &target.vars))
                            .map_or(severity, |(s, ..)| *s);
                        out.push_with(&self.id, || {
                            let message = self.render(artifact, target, Some(node), "");
                            // A flagged value is named by the value, not by its place in a
                            // list: its fingerprint survives an action inserted before it.
                            let subject = node.as_str().map(str::to_string);
                            let dotted = query::dotted(&path);
                            let sub = if subject.is_some() { without_index(&dotted) } else { &dotted };
                            let mut finding = self.finding(artifact, target, severity, node.span, sub, message);
                            finding.subject = subject;
                            finding
                        });
                    }
                }
            }
        }
    }

    /// One finding for all the nodes an `each` with `group` picked: at the first, the others
    /// related; `{values}` lists them, and the finding names them all (a suppression or a
    /// baseline entry of some of them does not cover a statement that grants more).
    fn grouped(
        &self,
        artifact: &Artifact<'_>,
        target: &Target<'_>,
        severity: Severity,
        first: &Node,
        path: &str,
        picked: &[(&Node, String)],
    ) -> Finding {
        let values: Vec<String> = picked.iter().map(|(n, _)| display_value(n)).collect();
        let listed: Vec<String> = values.iter().map(|v| format!("`{}`", crate::finding::shortened(v, 80))).collect();
        let listed = match listed.len() {
            0..=8 => listed.join(", "),
            n => format!("{} and {} more", listed[..8].join(", "), n - 8),
        };
        let mut message = self.render(artifact, target, Some(first), "");
        message = message.replace("{values}", &listed).replace("{count}", &picked.len().to_string());
        let dotted = query::dotted(path);
        let mut finding = self.finding(artifact, target, severity, first.span, without_index(&dotted), message);
        finding.subject = first.as_str().map(str::to_string);
        for (node, _) in &picked[1..] {
            finding.related.push(crate::finding::Label {
                source: artifact.source.clone(),
                span: node.span,
                text: format!("also `{}`", crate::finding::shortened(&display_value(node), 80)),
            });
        }
        finding.values = values;
        finding
    }

    /// Where a `require` finding points: the first `at` selector that matches (at its key when
    /// it is an object member), else the target's anchor.
    fn location(&self, target: &Target<'_>) -> (crate::source::Span, String, Option<String>) {
        for selector in &self.at {
            if let Some((node, path)) = selector.select(&target.node).into_iter().next() {
                let dotted = query::dotted(&path);
                return match query::resolve(&target.node, &path).and_then(|(_, entry)| entry) {
                    Some(entry) => (entry.key_span, dotted, Some(entry.key.to_string())),
                    None => (node.span, dotted, node.as_str().map(str::to_string)),
                };
            }
        }
        (target.anchor, String::new(), target.anchor_text.clone())
    }

    fn finding(
        &self,
        artifact: &Artifact<'_>,
        target: &Target<'_>,
        severity: Severity,
        span: crate::source::Span,
        sub: &str,
        message: String,
    ) -> Finding {
        let path = target.path.render();
        let inner = match (path.is_empty(), sub.is_empty()) {
            (_, true) => path,
            (true, false) => sub.to_string(),
            (false, false) => format!("{path}.{sub}"),
        };
        let locator = crate::finding::route(&artifact.location, &inner);
        let mut finding = Finding::new(&self.id, severity, &artifact.source, span, message);
        finding.help.clone_from(&self.help);
        finding.locator = locator;
        finding.label.clone_from(&self.title);
        finding.access_analyzer = self.access_analyzer;
        finding
    }

    /// Fills `{name}`-style placeholders: target variables, `{value}` (the flagged node),
    /// `{missing}`, `{resource}`, `{path}`.
    fn render(&self, artifact: &Artifact<'_>, target: &Target<'_>, node: Option<&Node>, missing: &str) -> String {
        let mut out = String::with_capacity(self.message.len() + 32);
        let mut rest = self.message.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                    let name = &after[..close];
                    let value = match name {
                        "value" => node.map(display_value).unwrap_or_default(),
                        // Filled by `grouped`, which knows every node picked.
                        "values" | "count" => format!("{{{name}}}"),
                        "missing" => missing.to_string(),
                        "path" => target.path.render(),
                        "resource" => artifact.resource.clone().unwrap_or_default(),
                        _ => target.var(name).unwrap_or_default().to_string(),
                    };
                    // A value comes from the input and may be any length (a 1 MB state name).
                    out.push_str(&crate::finding::shortened(&value, MAX_PLACEHOLDER_BYTES));
                    rest = &after[close + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// Longest text a placeholder puts into a message.
const MAX_PLACEHOLDER_BYTES: usize = 200;

/// The `{name}` placeholders of a message template.
fn placeholders(message: &str) -> impl Iterator<Item = &str> {
    message.split('{').skip(1).filter_map(|part| {
        let name = &part[..part.find('}')?];
        (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(name)
    })
}

fn display_value(node: &Node) -> String {
    match &node.value {
        Value::String(s) => s.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        _ => node.type_name().to_string(),
    }
}

/// `<family>/<kebab-name>`.
#[must_use]
pub fn is_rule_id(id: &str) -> bool {
    let Some((family, name)) = id.split_once('/') else { return false };
    let kebab =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') && !s.starts_with('-');
    kebab(family) && kebab(name)
}

/// A dotted path without its last list index (`Action[2]` → `Action`).
fn without_index(dotted: &str) -> &str {
    match dotted.strip_suffix(']').and_then(|d| d.rfind('[').map(|i| (i, d))) {
        Some((i, d)) if d[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &dotted[..i],
        _ => dotted,
    }
}
