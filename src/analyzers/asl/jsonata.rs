//! `asl/jsonata`: every `{% … %}` expression of a JSONata state parses (see
//! [`crate::lang::jsonata`]) and reads only the `$states` fields that exist where it stands:
//! `input` and `context` everywhere, `result` in the `Output` and `Assign` of a Task, Map or
//! Parallel state, `errorOutput` in those of a Catcher (`asl/variable` checks `Assign`). A valid use of `Arguments`, `Output`, `Assign`, `Items` and `Condition` gives
//! nothing.

use super::quoted;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::finding::Severity;
use crate::lang::jsonata;
use crate::model::Model;
use crate::model::asl::{QueryLanguage, State, StateMachine};
use crate::parse::{Node, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "asl/jsonata", artifact: ArtifactKind::StateMachine, run };

/// Fields of a state that hold no expressions (or hold other states).
const NOT_EVALUATED: [&str; 10] =
    ["Type", "Comment", "Next", "End", "QueryLanguage", "Resource", "Branches", "ItemProcessor", "Iterator", "Default"];

/// Which `$states` fields an expression may read where it stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Where {
    Anywhere,
    /// `Output` or `Assign` of a Task, Map or Parallel state: `$states.result` exists.
    Result,
    /// `Output` or `Assign` of a Catcher: `$states.errorOutput` exists.
    ErrorOutput,
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    for state in &machine.states {
        if out.is_full() {
            return;
        }
        if state.query_language != QueryLanguage::Jsonata {
            continue;
        }
        let result_here = matches!(state.type_name, Some("Task" | "Map" | "Parallel"));
        let mut pending: Vec<(&Node, String, Where)> = Vec::new();
        for entry in state.node.unique_entries().filter(|e| !NOT_EVALUATED.contains(&&*e.key)) {
            let place = match &*entry.key {
                "Output" | "Assign" if result_here => Where::Result,
                _ => Where::Anywhere,
            };
            pending.push((&entry.value, super::field(state, &entry.key), place));
        }
        while let Some((node, locator, place)) = pending.pop() {
            match &node.value {
                Value::String(text) => check(machine, state, node, text, &locator, place, out),
                Value::Array(items) => {
                    let in_catch = locator.ends_with(".Catch");
                    for (i, item) in items.iter().enumerate() {
                        if in_catch {
                            for entry in item.unique_entries().filter(|e| matches!(&*e.key, "Output" | "Assign")) {
                                pending.push((&entry.value, format!("{locator}[{i}].{}", entry.key), Where::ErrorOutput));
                            }
                        } else {
                            pending.push((item, format!("{locator}[{i}]"), place));
                        }
                    }
                }
                Value::Object(entries) => {
                    for entry in entries.iter().filter(|e| !(matches!(&*e.key, "Next" | "Comment"))) {
                        pending.push((&entry.value, format!("{locator}.{}", crate::finding::locator_part(&entry.key)), place));
                    }
                }
                _ => {}
            }
        }
    }
}

fn check(machine: &StateMachine<'_>, state: &State<'_>, node: &Node, text: &str, locator: &str, place: Where, out: &mut Emitter<'_, '_>) {
    if machine.unknown_value(node) && !text.contains("{%") {
        return;
    }
    let name = quoted(state.name);
    let trimmed = text.trim_end();
    let lead = text.len() - text.trim_start().len();
    let in_string = |start: usize, end: usize| Place::InString { node, start, end };
    if !text[lead..].starts_with("{%") {
        if trimmed.ends_with("%}") {
            out.report(
                in_string(trimmed.len() - 2, trimmed.len()),
                locator,
                format!("a string of {name} ends with `%}}` but does not start with `{{%`: it is plain text, not a JSONata expression"),
            )
            .help("Start the expression with `{%`, or remove the `%}`.")
            .severity(Severity::Warning)
            .emit();
        }
        return;
    }
    if trimmed.len() < lead + 4 || !trimmed.ends_with("%}") {
        out.report(
            in_string(text.len().saturating_sub(1), text.len()),
            locator,
            format!("a JSONata expression of {name} opens with `{{%` but does not end with `%}}`"),
        )
        .aws_code("SCHEMA_VALIDATION_FAILED")
        .emit();
        return;
    }
    let inner_start = lead + 2;
    let inner = &text[inner_start..trimmed.len() - 2];
    match jsonata::parse(inner) {
        Err(error) => {
            out.report(
                in_string(inner_start + error.start, inner_start + error.end),
                locator,
                format!("JSONata expression of {name} does not parse: {}", error.message),
            )
            .aws_code("SCHEMA_VALIDATION_FAILED")
            .emit();
        }
        Ok(variables) => {
            for variable in variables.iter().filter(|v| v.name == "states") {
                let Some(field) = &variable.field else { continue };
                let allowed = match field.as_str() {
                    "input" | "context" => true,
                    "result" => place == Where::Result,
                    "errorOutput" => place == Where::ErrorOutput,
                    _ => {
                        // Read at run time as nothing; whether it is refused when the state
                        // machine is created is not known, so a warning.
                        out.report(
                            in_string(inner_start + variable.start, inner_start + variable.end),
                            locator,
                            format!(
                                "`$states.{field}` in {name} does not exist: `$states` has `input`, `context`, `result` and `errorOutput`"
                            ),
                        )
                        .severity(Severity::Warning)
                        .emit();
                        continue;
                    }
                };
                if !allowed {
                    let only = if field == "result" {
                        "the `Output` and `Assign` of Task, Map and Parallel states"
                    } else {
                        "the `Output` and `Assign` of a Catcher"
                    };
                    out.report(
                        in_string(inner_start + variable.start, inner_start + variable.end),
                        locator,
                        format!("`$states.{field}` is not available here in {name}: only in {only}"),
                    )
                    .aws_code("SCHEMA_VALIDATION_FAILED")
                    .emit();
                }
            }
        }
    }
}
