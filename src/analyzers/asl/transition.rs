//! `asl/transition`: every transition names a state of its own scope, and every state that
//! needs one has exactly one way on (`Next` or `End: true`); Choice, Succeed and Fail have none.

use super::{field, quoted, scope_name, scopes_by_name, suggestion, transitions};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::asl::{ScopeId, StateMachine};
use crate::parse::{Node, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "asl/transition", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let everywhere = scopes_by_name(machine);
    for (scope_id, scope) in machine.scopes.iter().enumerate() {
        if out.is_full() {
            return;
        }
        let names = machine.names(scope_id);
        if let Some(start) = scope.node.get("StartAt")
            && let Some(target) = start.as_str()
            && !names.is_empty()
        {
            check_target(machine, scope_id, &names, &everywhere, start, target, &scope.field_path("StartAt"), "`StartAt`", out);
        }
        for &id in &scope.states {
            let state = &machine.states[id];
            let name = quoted(state.name);
            match state.type_name {
                Some("Choice" | "Succeed" | "Fail") => {
                    let kind = state.type_name.unwrap_or_default();
                    for key in ["Next", "End"] {
                        if let Some(entry) = state.node.entry(key) {
                            let why = if kind == "Choice" { "its rules and `Default` choose the next state" } else { "it ends its scope" };
                            out.report(Place::Key(entry), &field(state, key), format!("{kind} state {name} cannot have `{key}`: {why}"))
                                .help(format!("Remove `{key}`."))
                                .aws_code("SCHEMA_VALIDATION_FAILED")
                                .emit();
                        }
                    }
                    if kind == "Choice" {
                        for (i, rule) in state.node.get("Choices").and_then(Node::as_array).unwrap_or(&[]).iter().enumerate() {
                            if rule.as_object().is_some() && rule.get("Next").is_none() {
                                out.report(
                                    Place::Value(rule),
                                    &field(state, &format!("Choices[{i}]")),
                                    format!("Choice rule {i} of {name} has no `Next`: a matching rule must say which state comes next"),
                                )
                                .aws_code("SCHEMA_VALIDATION_FAILED")
                                .emit();
                            }
                        }
                    }
                }
                Some("Task" | "Pass" | "Wait" | "Parallel" | "Map") => {
                    let next = state.node.entry("Next");
                    let end = state.node.entry("End");
                    let end_true = end.is_some_and(|e| matches!(e.value.value, Value::Bool(true)));
                    match (next, end) {
                        (Some(_), Some(end)) if end_true => {
                            out.report(
                                Place::Key(end),
                                &field(state, "End"),
                                format!("state {name} has both `Next` and `End`: it must have one"),
                            )
                            .help("Keep `Next` to go on to another state, or `End: true` to end here.")
                            .aws_code("SCHEMA_VALIDATION_FAILED")
                            .emit();
                        }
                        (None, _) if !end_true => {
                            let place = end.map_or(Place::Key(state.entry), Place::Key);
                            let what = if end.is_some() {
                                "`End` is not `true` and there is no `Next`"
                            } else {
                                "it has neither `Next` nor `End: true`"
                            };
                            out.report(place, &state.path.render(), format!("state {name} does not say what comes after it: {what}"))
                                .help("Add `Next` with the name of the following state, or `End: true`.")
                                .aws_code("SCHEMA_VALIDATION_FAILED")
                                .emit();
                        }
                        _ => {}
                    }
                }
                _ => continue,
            }
            for (node, key) in transitions(state) {
                if let Some(target) = node.as_str() {
                    check_target(
                        machine,
                        state.scope,
                        &names,
                        &everywhere,
                        node,
                        target,
                        &field(state, &key),
                        &format!("`{key}` of {name}"),
                        out,
                    );
                }
            }
        }
    }
}

/// Scopes with more states than this get no "did you mean".
const MAX_SUGGESTION_NAMES: usize = 2_000;

/// A transition's target must be a state of the same scope.
#[allow(clippy::too_many_arguments)]
fn check_target(
    machine: &StateMachine<'_>,
    scope: ScopeId,
    names: &std::collections::HashMap<&str, usize>,
    everywhere: &std::collections::HashMap<&str, ScopeId>,
    node: &Node,
    target: &str,
    locator: &str,
    what: &str,
    out: &mut Emitter<'_, '_>,
) {
    if names.contains_key(target) || machine.unknown_text(target) {
        return;
    }
    let here = scope_name(machine, scope);
    let message = if let Some(&other) = everywhere.get(target) {
        format!(
            "{what} names {}, a state of {}: a transition can only go to a state of its own scope ({here})",
            quoted(target),
            scope_name(machine, other)
        )
    } else {
        // A suggestion compares the name with every state of the scope: not in huge scopes.
        let hint = if names.len() <= MAX_SUGGESTION_NAMES { suggestion(target, names.keys().copied()) } else { None };
        let hint = hint.map(|s| format!(" (did you mean {}?)", quoted(s))).unwrap_or_default();
        format!("{what} names {}, but {here} has no state of that name{hint}", quoted(target))
    };
    out.report(Place::Value(node), locator, message).aws_code("MISSING_TRANSITION_TARGET").emit();
}
