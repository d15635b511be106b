//! The fields of every object of a state machine, checked against data/asl/fields.yaml: which
//! are missing, which are not allowed in this state type or query language, which are unknown,
//! and which hold a value of the wrong type, out of range, or not one of the allowed values.
//!
//! One walk finds every problem; each rule's analyzer keeps the problems that are its own
//! (`asl/missing-field`, `asl/field-not-allowed`, `asl/unknown-field`, and for wrong values the
//! rule the data names: `asl/field-type`, `asl/retrier`, `asl/map-config`, …), so a field is
//! judged in one place and reported once.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::{STATE_TYPES, quoted, scope_name, suggestion};
use crate::analyzers::{Emitter, Place};
use crate::finding::Severity;
use crate::model::Model;
use crate::model::asl::{QueryLanguage, StateId, StateMachine, Via};
use crate::parse::{Entry, Node, Value};

pub const MISSING_FIELD: &str = "asl/missing-field";
pub const FIELD_NOT_ALLOWED: &str = "asl/field-not-allowed";
pub const UNKNOWN_FIELD: &str = "asl/unknown-field";
pub const FIELD_TYPE: &str = "asl/field-type";

// `OBJECTS`, written by build.rs from data/asl/fields.yaml.
include!(concat!(env!("OUT_DIR"), "/asl_fields.rs"));

/// The fields of one kind of object, sorted by name.
type Fields = &'static [(&'static str, FieldSpec)];

fn lookup(fields: Fields, name: &str) -> Option<&'static FieldSpec> {
    fields.binary_search_by(|(n, _)| (*n).cmp(name)).ok().map(|i| &fields[i].1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueType {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
    Null,
}

impl ValueType {
    fn matches(self, node: &Node) -> bool {
        match (self, &node.value) {
            (Self::String, Value::String(_))
            | (Self::Number, Value::Number(_))
            | (Self::Boolean, Value::Bool(_))
            | (Self::Object, Value::Object(_))
            | (Self::Array, Value::Array(_))
            | (Self::Null, Value::Null) => true,
            (Self::Integer, Value::Number(n)) => n.fract() == 0.0,
            _ => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Integer => "an integer",
            Self::Number => "a number",
            Self::Boolean => "a boolean",
            Self::Object => "an object",
            Self::Array => "an array",
            Self::Null => "null",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Language {
    JsonPath,
    Jsonata,
}

impl Language {
    fn of(ql: QueryLanguage) -> Self {
        match ql {
            QueryLanguage::JsonPath => Self::JsonPath,
            QueryLanguage::Jsonata => Self::Jsonata,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Required {
    Both,
    // The data format has it; no field of today's data is required in JSONPath only.
    #[allow(dead_code)]
    JsonPath,
    Jsonata,
}

/// One field's spec; the keys of data/asl/fields.yaml (its header says what each means).
#[derive(Debug)]
struct FieldSpec {
    types: &'static [ValueType],
    language: Option<Language>,
    required: Option<Required>,
    expression: bool,
    values: &'static [&'static str],
    min: Option<f64>,
    max: Option<f64>,
    rule: Option<&'static str>,
    object: Option<&'static str>,
    items: Option<&'static str>,
}

impl FieldSpec {
    fn allowed_in(&self, ql: QueryLanguage) -> bool {
        self.language.is_none_or(|l| l == Language::of(ql))
    }

    fn required_in(&self, ql: QueryLanguage) -> bool {
        match self.required {
            Some(Required::Both) => true,
            Some(Required::JsonPath) => ql == QueryLanguage::JsonPath,
            Some(Required::Jsonata) => ql == QueryLanguage::Jsonata,
            None => false,
        }
    }

    fn rule(&self) -> &'static str {
        self.rule.unwrap_or(FIELD_TYPE)
    }
}

/// The fields of each kind of object; a state's are those of `state` and of its type.
#[derive(Debug)]
struct Schema {
    objects: &'static [(&'static str, Fields)],
    /// Every field some state type has.
    state_fields: BTreeSet<&'static str>,
}

impl Schema {
    fn get() -> Option<&'static Schema> {
        static SCHEMA: OnceLock<Option<Schema>> = OnceLock::new();
        SCHEMA.get_or_init(|| Self::load().ok()).as_ref()
    }

    fn load() -> Result<Schema, String> {
        let schema = Schema { objects: OBJECTS, state_fields: BTreeSet::new() };
        let mut state_fields = BTreeSet::new();
        for kind in STATE_TYPES.iter().chain(&["state"]) {
            let (_, fields) = schema.kind(kind).ok_or(format!("data/asl/fields.yaml: no fields for `{kind}`"))?;
            state_fields.extend(fields.iter().map(|(name, _)| *name));
        }
        Ok(Schema { state_fields, ..schema })
    }

    /// A kind of object by name, with its fields.
    fn kind(&self, name: &str) -> Option<(&'static str, Fields)> {
        self.objects.binary_search_by(|(n, _)| (*n).cmp(name)).ok().map(|i| self.objects[i])
    }

    /// The field tables of `kinds`, looked up once per object.
    fn specs(&self, kinds: &[&str]) -> Vec<Fields> {
        kinds.iter().filter_map(|k| Some(self.kind(k)?.1)).collect()
    }

    /// Whether some state type has `field`.
    fn is_state_field(&self, field: &str) -> bool {
        self.state_fields.contains(field)
    }

    /// The state types that have `field`.
    fn types_with(&self, field: &str) -> Vec<&'static str> {
        STATE_TYPES.iter().copied().filter(|t| self.kind(t).is_some_and(|(_, f)| lookup(f, field).is_some())).collect()
    }
}

/// Whether `field` is a field of some state type (false when the schema cannot be loaded).
#[must_use]
pub fn is_state_field(field: &str) -> bool {
    Schema::get().is_some_and(|s| s.is_state_field(field))
}

/// One object whose fields are checked.
struct Object<'n> {
    node: &'n Node,
    /// The member that holds it, when it is one (a state's name, `ItemReader`).
    entry: Option<&'n Entry>,
    /// Its kinds in the schema, most specific first, and their field tables.
    kinds: Vec<&'static str>,
    specs: Vec<Fields>,
    ql: QueryLanguage,
    /// The state it belongs to, and its path under the state (`Retry[0]`), or none for a scope.
    state: Option<StateId>,
    relative: String,
    /// For a scope object: its dotted path.
    scope_path: Option<(usize, String)>,
}

impl<'n> Object<'n> {
    /// The spec of `field` here (from the first kind that has it).
    fn field(&self, field: &str) -> Option<&'static FieldSpec> {
        self.specs.iter().find_map(|fields| lookup(fields, field))
    }

    fn fields(&self) -> impl Iterator<Item = (&'static str, &'static FieldSpec)> + '_ {
        self.specs.iter().flat_map(|fields| fields.iter().map(|(k, v)| (*k, v)))
    }

    fn locator(&self, machine: &StateMachine<'_>, field: Option<&str>) -> String {
        let base = match (self.state, &self.scope_path) {
            (Some(id), _) => {
                let path = machine.states[id].path.render();
                if self.relative.is_empty() { path } else { format!("{path}.{}", self.relative) }
            }
            (None, Some((_, path))) => path.clone(),
            (None, None) => String::new(),
        };
        match field {
            Some(field) if base.is_empty() => field.to_string(),
            Some(field) => format!("{base}.{field}"),
            None => base,
        }
    }

    /// The object in words: "Task state `A`", "`Retry[0]` of `A`", "branch 1 of `P`".
    fn describe(&self, machine: &StateMachine<'_>) -> String {
        match (self.state, &self.scope_path) {
            (Some(id), _) => {
                let state = &machine.states[id];
                if self.relative.is_empty() {
                    match state.type_name.filter(|t| STATE_TYPES.contains(t)) {
                        Some(kind) => format!("{kind} state {}", quoted(state.name)),
                        None => format!("state {}", quoted(state.name)),
                    }
                } else {
                    format!("`{}` of {}", self.relative, quoted(state.name))
                }
            }
            (None, Some((scope, _))) if *scope > 0 => scope_name(machine, *scope),
            _ => "the state machine".to_string(),
        }
    }

    /// Where a finding about the whole object points: the key that holds it, else its value.
    fn place(&self) -> Place<'n> {
        self.entry.map_or(Place::Value(self.node), Place::Key)
    }
}

/// Every object of the machine with a schema: the top level and each scope, each state, and
/// what they hold (Retry and Catch entries, Choice rules at every depth, ItemReader, …).
fn objects<'n>(machine: &StateMachine<'n>, schema: &'static Schema) -> Vec<Object<'n>> {
    let mut out = Vec::new();
    for (id, scope) in machine.scopes.iter().enumerate() {
        let kind = match scope.via {
            Via::Top => "machine",
            Via::Branch(_) => "scope",
            Via::Processor(_) => "processor",
        };
        let entry = scope.owner.and_then(|owner| {
            let key = match &scope.via {
                Via::Processor(key) => *key,
                _ => return None,
            };
            machine.states[owner].node.entry(key)
        });
        out.push(Object {
            node: scope.node,
            entry,
            kinds: vec![kind],
            specs: schema.specs(&[kind]),
            ql: machine.query_language,
            state: None,
            relative: String::new(),
            scope_path: Some((id, scope.path.clone())),
        });
    }
    for (id, state) in machine.states.iter().enumerate() {
        let Some(kind) = state.type_name.and_then(|t| STATE_TYPES.iter().copied().find(|k| *k == t)) else {
            // Of a state of no known type only the common fields can be judged.
            out.push(Object {
                node: state.node,
                entry: Some(state.entry),
                kinds: vec!["state"],
                specs: schema.specs(&["state"]),
                ql: state.query_language,
                state: Some(id),
                relative: String::new(),
                scope_path: None,
            });
            continue;
        };
        let mut pending = vec![Object {
            node: state.node,
            entry: Some(state.entry),
            kinds: vec![kind, "state"],
            specs: schema.specs(&[kind, "state"]),
            ql: state.query_language,
            state: Some(id),
            relative: String::new(),
            scope_path: None,
        }];
        while let Some(object) = pending.pop() {
            for entry in object.node.unique_entries() {
                let Some(spec) = object.field(&entry.key) else { continue };
                let child = |node: &'n Node, kind: &str, entry: Option<&'n Entry>, relative: String| {
                    let kinds: Vec<&'static str> = match kind {
                        "choice-rule" => vec!["choice-rule", "comparison"],
                        "choice-condition" => vec!["choice-condition", "comparison"],
                        // Scopes are the model's: they are in the list already.
                        "scope" | "processor" => return None,
                        other => vec![schema.kind(other)?.0],
                    };
                    node.as_object()?;
                    let specs = schema.specs(&kinds);
                    Some(Object { node, entry, kinds, specs, ql: object.ql, state: object.state, relative, scope_path: None })
                };
                let prefix = if object.relative.is_empty() { String::new() } else { format!("{}.", object.relative) };
                if let Some(kind) = spec.object
                    && let Some(child) = child(&entry.value, kind, Some(entry), format!("{prefix}{}", entry.key))
                {
                    pending.push(child);
                }
                if let Some(kind) = spec.items {
                    for (i, item) in entry.value.as_array().unwrap_or(&[]).iter().enumerate() {
                        if let Some(child) = child(item, kind, None, format!("{prefix}{}[{i}]", entry.key)) {
                            pending.push(child);
                        }
                    }
                }
            }
            out.push(object);
        }
    }
    out
}

/// A JSONata expression string: `{% … %}`.
#[must_use]
pub fn is_expression(text: &str) -> bool {
    let text = text.trim();
    text.len() >= 4 && text.starts_with("{%") && text.ends_with("%}")
}

/// The field to use instead of one the state's query language does not have.
fn counterpart(field: &str, ql: QueryLanguage) -> Option<&'static str> {
    Some(match (ql, field) {
        (QueryLanguage::Jsonata, "Parameters") => "`Arguments`",
        (QueryLanguage::Jsonata, "ResultSelector" | "OutputPath") => "`Output`",
        (QueryLanguage::Jsonata, "ResultPath") => "`Output` or `Assign`",
        (QueryLanguage::Jsonata, "InputPath") => "`$states.input` in `Arguments`",
        (QueryLanguage::Jsonata, "ItemsPath") => "`Items`",
        (QueryLanguage::Jsonata, "Variable") => "`Condition`",
        (QueryLanguage::Jsonata, "TimeoutSecondsPath") => "`TimeoutSeconds` with a `{% … %}` expression",
        (QueryLanguage::Jsonata, "HeartbeatSecondsPath") => "`HeartbeatSeconds` with a `{% … %}` expression",
        (QueryLanguage::Jsonata, "SecondsPath") => "`Seconds` with a `{% … %}` expression",
        (QueryLanguage::Jsonata, "TimestampPath") => "`Timestamp` with a `{% … %}` expression",
        (QueryLanguage::Jsonata, "ErrorPath") => "`Error` with a `{% … %}` expression",
        (QueryLanguage::Jsonata, "CausePath") => "`Cause` with a `{% … %}` expression",
        (QueryLanguage::Jsonata, "MaxConcurrencyPath") => "`MaxConcurrency` with a `{% … %}` expression",
        (QueryLanguage::JsonPath, "Arguments") => "`Parameters`",
        (QueryLanguage::JsonPath, "Output") => "`OutputPath`, `ResultSelector` or `ResultPath`",
        (QueryLanguage::JsonPath, "Items") => "`ItemsPath`",
        (QueryLanguage::JsonPath, "Condition") => "`Variable` and a comparison",
        _ => return None,
    })
}

/// One problem with a field, for the rule that reports it.
struct Problem<'n> {
    rule: &'n str,
    place: Place<'n>,
    locator: String,
    message: String,
    help: Option<String>,
    severity: Option<Severity>,
    code: &'static str,
}

/// Reports the problems of `rule` (one of the rule ids above, or a rule the data names for
/// wrong values) in the artifact's state machine. The first of the field rules to run finds the
/// problems of all of them, for the others to read.
pub fn report(model: &Model<'_, '_>, rule: &str, out: &mut Emitter<'_, '_>) {
    let found = model.memo(|| Found::of(model));
    for problem in found.0.iter().filter(|p| p.rule == rule) {
        if out.is_full() {
            return;
        }
        let mut report =
            out.report_at(problem.span, problem.subject.clone(), &problem.locator, problem.message.clone()).aws_code(problem.code);
        if let Some(help) = &problem.help {
            report = report.help(help.clone());
        }
        if let Some(severity) = problem.severity {
            report = report.severity(severity);
        }
        report.emit();
    }
}

/// The problems of every field rule in a state machine, placed in the file.
struct Found(Vec<Placed>);

struct Placed {
    rule: String,
    span: crate::source::Span,
    subject: Option<String>,
    locator: String,
    message: String,
    help: Option<String>,
    severity: Option<Severity>,
    code: &'static str,
}

impl Found {
    fn of(model: &Model<'_, '_>) -> Self {
        let (Some(machine), Some(schema)) = (model.state_machine(), Schema::get()) else { return Self(Vec::new()) };
        let mut out = Vec::new();
        for object in objects(machine, schema) {
            for problem in problems(machine, schema, &object, ALL_RULES) {
                let (span, subject) = crate::analyzers::span_of(model.artifact, &problem.place);
                out.push(Placed {
                    rule: problem.rule.to_string(),
                    span,
                    subject,
                    locator: problem.locator,
                    message: problem.message,
                    help: problem.help,
                    severity: problem.severity,
                    code: problem.code,
                });
            }
        }
        Self(out)
    }
}

/// Asks [`problems`] for those of every rule.
const ALL_RULES: &str = "*";

/// Whether a call of [`problems`] for `asked` looks for those of `rule`.
fn wants(asked: &str, rule: &str) -> bool {
    asked == ALL_RULES || asked == rule
}

/// The problems of one object that `rule` reports (the others are not looked for).
fn problems<'n>(machine: &StateMachine<'n>, schema: &'n Schema, object: &Object<'n>, rule: &str) -> Vec<Problem<'n>> {
    let mut out = Vec::new();
    let what = || object.describe(machine);
    let is_state = object.state.is_some() && object.relative.is_empty();
    let Some(entries) = object.node.as_object() else {
        if is_state && wants(rule, FIELD_TYPE) {
            out.push(Problem {
                rule: FIELD_TYPE,
                place: object.place(),
                locator: object.locator(machine, None),
                message: match machine.states[object.state.unwrap_or_default()].name {
                    top @ ("QueryLanguage" | "Comment" | "TimeoutSeconds" | "Version" | "StartAt") => format!(
                        "`{top}` is written inside `States`, where every key names a state: as the top-level field it must stand beside `States`"
                    ),
                    _ => format!("{} must be an object with a `Type`, not {}", what(), object.node.type_name()),
                },
                help: None,
                severity: None,
                code: "SCHEMA_VALIDATION_FAILED",
            });
        }
        return out;
    };
    let ql = object.ql;
    for (name, spec) in object.fields().filter(|_| wants(rule, MISSING_FIELD)) {
        if spec.required_in(ql) && object.node.get(name).is_none() {
            let mut message = format!("{} has no `{name}`", what());
            if name == "Type" {
                message.push_str(&format!(" (one of {})", STATE_TYPES.join(", ")));
            }
            out.push(Problem {
                rule: MISSING_FIELD,
                place: object.place(),
                locator: object.locator(machine, None),
                message,
                help: None,
                severity: None,
                code: "SCHEMA_VALIDATION_FAILED",
            });
        }
    }
    if wants(rule, MISSING_FIELD)
        && object.scope_path.is_some()
        && object.node.get("States").and_then(Node::as_object).is_some_and(<[Entry]>::is_empty)
    {
        let entry = object.node.entry("States");
        out.push(Problem {
            rule: MISSING_FIELD,
            place: entry.map_or(object.place(), Place::Key),
            locator: object.locator(machine, Some("States")),
            message: format!("`States` of {} is empty: it needs at least one state", what()),
            help: None,
            severity: None,
            code: "SCHEMA_VALIDATION_FAILED",
        });
    }
    let mut seen = BTreeSet::new();
    for entry in entries.iter().rev() {
        // Duplicate keys are reported by the parser; the last one counts.
        if !seen.insert(&*entry.key) {
            continue;
        }
        let key = &*entry.key;
        let locator = || object.locator(machine, Some(key));
        match object.field(key) {
            Some(spec) if !spec.allowed_in(ql) => {
                if !wants(rule, FIELD_NOT_ALLOWED) {
                    continue;
                }
                let other = if ql == QueryLanguage::Jsonata { "JSONPath" } else { "JSONata" };
                let source = match object.state.map(|id| &machine.states[id]) {
                    Some(state) if state.node.get_str("QueryLanguage").is_some() => "its `QueryLanguage`",
                    _ if machine.root.get_str("QueryLanguage").is_some() => "the state machine's `QueryLanguage`",
                    _ => "the default",
                };
                let instead = counterpart(key, ql).map(|c| format!("; use {c}")).unwrap_or_default();
                out.push(Problem {
                    rule: FIELD_NOT_ALLOWED,
                    place: Place::Key(entry),
                    locator: locator(),
                    message: format!("`{key}` is a {other} field, and {} uses {} ({source}){instead}", what(), ql.name()),
                    help: None,
                    severity: None,
                    code: "SCHEMA_VALIDATION_FAILED",
                });
            }
            Some(spec) => {
                if !wants(rule, spec.rule()) {
                    continue;
                }
                if let Some(problem) = value_problem(machine, object, entry, spec, &locator) {
                    out.push(problem);
                }
                if spec.items.is_some() {
                    for (i, item) in entry.value.as_array().unwrap_or(&[]).iter().enumerate() {
                        if item.as_object().is_none() && !machine.unknown_value(item) {
                            out.push(Problem {
                                rule: spec.rule(),
                                place: Place::Value(item),
                                locator: format!("{}[{i}]", locator()),
                                message: format!("entry {i} of `{key}` of {} must be an object, not {}", what(), item.type_name()),
                                help: None,
                                severity: None,
                                code: "SCHEMA_VALIDATION_FAILED",
                            });
                        }
                    }
                }
            }
            None if is_state && schema.state_fields.contains(key) => {
                if !wants(rule, FIELD_NOT_ALLOWED) {
                    continue;
                }
                let types = schema.types_with(key);
                let kind = object.kinds.first().copied().unwrap_or("state");
                out.push(Problem {
                    rule: FIELD_NOT_ALLOWED,
                    place: Place::Key(entry),
                    locator: locator(),
                    message: format!("`{key}` is not allowed in a {kind} state (only in {})", types.join(", ")),
                    help: Some(format!("Remove `{key}`, or use a state type that has it.")),
                    severity: None,
                    code: "SCHEMA_VALIDATION_FAILED",
                });
            }
            None => {
                if !wants(rule, UNKNOWN_FIELD) {
                    continue;
                }
                let known: Vec<&str> = object.fields().map(|(k, _)| k).filter(|k| object.node.get(k).is_none()).collect();
                let hint = suggestion(key, known.iter().copied());
                let (message, severity, help) = match hint {
                    Some(hint) => (
                        format!("{} has an unknown field `{key}`: did you mean `{hint}`?", what()),
                        Severity::Error,
                        Some(format!("Rename `{key}` to `{hint}`: as written, Step Functions rejects it or ignores what it says.")),
                    ),
                    None => (
                        format!("{} has a field `{key}` that the States Language does not define", what()),
                        Severity::Warning,
                        Some(
                            "Remove it, or, if Step Functions has added it since this version of deploylint, ignore this rule for it."
                                .into(),
                        ),
                    ),
                };
                out.push(Problem {
                    rule: UNKNOWN_FIELD,
                    place: Place::Key(entry),
                    locator: locator(),
                    message,
                    help,
                    severity: Some(severity),
                    code: "SCHEMA_VALIDATION_FAILED",
                });
            }
        }
    }
    if is_state
        && wants(rule, FIELD_NOT_ALLOWED)
        && machine.query_language == QueryLanguage::Jsonata
        && let Some(entry) = object.node.entry("QueryLanguage")
        && entry.value.as_str() == Some("JSONPath")
    {
        out.push(Problem {
            rule: FIELD_NOT_ALLOWED,
            place: Place::Value(&entry.value),
            locator: object.locator(machine, Some("QueryLanguage")),
            message: format!("{} sets `QueryLanguage: JSONPath` in a state machine whose `QueryLanguage` is JSONata", what()),
            help: Some("A JSONata state machine cannot have JSONPath states: convert the state, or set JSONPath at the top level and JSONata per state.".into()),
            severity: None,
            code: "SCHEMA_VALIDATION_FAILED",
        });
    }
    out
}

/// A wrong type, value or range, for the rule the data names.
fn value_problem<'n>(
    machine: &StateMachine<'n>,
    object: &Object<'n>,
    entry: &'n Entry,
    spec: &'n FieldSpec,
    locator: &dyn Fn() -> String,
) -> Option<Problem<'n>> {
    let node = &entry.value;
    if machine.unknown_value(node) {
        return None;
    }
    let key = &*entry.key;
    let jsonata = object.ql == QueryLanguage::Jsonata;
    if spec.expression && jsonata && node.as_str().is_some_and(is_expression) {
        return None;
    }
    let problem = |message: String| Problem {
        rule: spec.rule(),
        place: Place::Value(node),
        locator: locator(),
        message,
        help: None,
        severity: None,
        code: "SCHEMA_VALIDATION_FAILED",
    };
    // Words for the message, made only when there is one (most fields are right).
    let what = || object.describe(machine);
    if !spec.types.is_empty() && !spec.types.iter().any(|t| t.matches(node)) {
        let mut names: Vec<&str> = spec.types.iter().map(|t| t.name()).collect();
        if spec.expression && jsonata {
            names.push("a `{% … %}` expression");
        }
        let found = match &node.value {
            Value::Number(n) if spec.types.contains(&ValueType::Integer) => format!("{n}, which is not a whole number"),
            _ => node.type_name().to_string(),
        };
        return Some(problem(format!("`{key}` of {} must be {}, not {found}", what(), names.join(" or "))));
    }
    if let Some(text) = node.as_str()
        && !spec.values.is_empty()
        && !spec.values.contains(&text)
    {
        let hint = suggestion(text, spec.values.iter().copied()).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
        return Some(problem(format!(
            "`{key}` of {} is {}, which is not one of {}{hint}",
            what(),
            quoted(text),
            spec.values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
        )));
    }
    if let Value::Number(n) = node.value {
        let below = spec.min.is_some_and(|min| n < min);
        let above = spec.max.is_some_and(|max| n > max);
        if below || above {
            let range = match (spec.min, spec.max) {
                (Some(min), Some(max)) => format!("between {min} and {max}"),
                (Some(min), None) => format!("at least {min}"),
                (None, Some(max)) => format!("at most {max}"),
                (None, None) => String::new(),
            };
            return Some(problem(format!("`{key}` of {} is {n}; it must be {range}", what())));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_loads_and_names_known_kinds() {
        let schema = Schema::load().unwrap();
        for (_, fields) in schema.objects {
            for (_, spec) in *fields {
                for kind in spec.object.iter().chain(&spec.items) {
                    assert!(schema.kind(kind).is_some() || *kind == "scope", "unknown kind {kind}");
                }
            }
        }
        assert!(schema.state_fields.contains("Retry") && schema.state_fields.contains("Arguments"));
    }

    /// The rules the data names for wrong values (every one must be an analyzer).
    #[must_use]
    pub fn value_rules() -> BTreeSet<String> {
        let schema = Schema::load().unwrap();
        schema.objects.iter().flat_map(|(_, f)| f.iter()).map(|(_, s)| s.rule().to_string()).collect()
    }

    #[test]
    fn every_rule_the_data_names_is_an_analyzer() {
        for rule in value_rules() {
            assert!(crate::analyzers::get(&rule).is_some(), "data/asl/fields.yaml names {rule}, which no analyzer reports");
        }
    }
}
