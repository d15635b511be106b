//! `asl/variable`: workflow variables (`Assign`, `$name`) used as Step Functions scopes them.
//! `$states` is reserved (an error); a warning, since whether Step Functions refuses them when
//! the state machine is created or fails the execution is not documented, for: a Parallel
//! branch or Map processor assigning a variable its outer scopes assign (inner scopes cannot),
//! a Distributed Map's processor reading a variable of the outer scopes (it cannot see them),
//! assigning to a sub-path (`x.y`), a name over 80 characters, and a JSONPath reference to a
//! variable nothing in the state machine assigns.

use std::collections::{HashMap, HashSet};

use super::expressions::expressions;
use super::{quoted, scope_name};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::finding::Severity;
use crate::lang::{jsonata, jsonpath};
use crate::model::Model;
use crate::model::asl::{ScopeId, State, StateMachine, Via};
use crate::parse::{Entry, Node, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "asl/variable", artifact: ArtifactKind::StateMachine, run };

/// The longest variable name, in characters.
const MAX_NAME_CHARS: usize = 80;

/// The `Assign` members of a state, its Catchers and its Choice rules: (entry, locator).
fn assignments<'n>(state: &State<'n>) -> Vec<(&'n Entry, String)> {
    let mut blocks: Vec<(&Node, String)> = state.node.get("Assign").map(|a| (a, super::field(state, "Assign"))).into_iter().collect();
    for list in ["Catch", "Choices"] {
        for (i, item) in state.node.get(list).and_then(Node::as_array).unwrap_or(&[]).iter().enumerate() {
            if let Some(assign) = item.get("Assign") {
                blocks.push((assign, super::field(state, &format!("{list}[{i}].Assign"))));
            }
        }
    }
    blocks
        .into_iter()
        .flat_map(|(block, locator)| {
            block.unique_entries().map(move |e| (e, format!("{locator}.{}", crate::finding::locator_part(&e.key))))
        })
        .collect()
}

/// A variable's name as an `Assign` key writes it (`x.$` assigns `x`).
fn name_of(key: &str) -> &str {
    key.strip_suffix(".$").unwrap_or(key)
}

/// The scopes around `scope`, innermost first.
fn outer_scopes(machine: &StateMachine<'_>, scope: ScopeId) -> Vec<ScopeId> {
    let mut out = Vec::new();
    let mut current = scope;
    while let Some(owner) = machine.scopes[current].owner {
        current = machine.states[owner].scope;
        out.push(current);
    }
    out
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    // The names each scope assigns.
    let mut by_scope: Vec<HashMap<&str, &Entry>> = vec![HashMap::new(); machine.scopes.len()];
    for state in &machine.states {
        for (entry, _) in assignments(state) {
            by_scope[state.scope].entry(name_of(&entry.key)).or_insert(entry);
        }
    }
    let everywhere: HashSet<&str> = by_scope.iter().flat_map(|names| names.keys().copied()).collect();
    for state in &machine.states {
        if out.is_full() {
            return;
        }
        let outer = outer_scopes(machine, state.scope);
        for (entry, locator) in assignments(state) {
            let name = name_of(&entry.key);
            if name == "states" {
                out.report(
                    Place::Key(entry),
                    &locator,
                    format!(
                        "`Assign` of {} sets `$states`, which is reserved for the state's input, context and result",
                        quoted(state.name)
                    ),
                )
                .help("Use another variable name.")
                .severity(Severity::Error)
                .aws_code("SCHEMA_VALIDATION_FAILED")
                .emit();
                continue;
            }
            if name.contains(['.', '[']) {
                out.report(
                    Place::Key(entry),
                    &locator,
                    format!(
                        "`Assign` of {} writes to `{name}`, a part of a variable: only whole variables can be assigned",
                        quoted(state.name)
                    ),
                )
                .help("Assign the whole value, built with JSONata or an intrinsic function.")
                .emit();
            } else if name.chars().count() > MAX_NAME_CHARS {
                out.report(
                    Place::Key(entry),
                    &locator,
                    format!("variable name {} is longer than {MAX_NAME_CHARS} characters", quoted(name)),
                )
                .emit();
            }
            if let Some((&scope, first)) = outer.iter().find_map(|s| by_scope[*s].get(name).map(|e| (s, e))) {
                out.report(
                    Place::Key(entry),
                    &locator,
                    format!(
                        "{} in {} assigns `${name}`, which {} assigns: an inner scope cannot assign a variable of an outer scope",
                        quoted(state.name),
                        scope_name(machine, state.scope),
                        scope_name(machine, scope)
                    ),
                )
                .related(&Place::Key(first), "assigned in the outer scope here")
                .help("Use another name inside the branch or processor, and return the value through its output.")
                .emit();
            }
        }
    }
    // JSONPath references to variables: assigned somewhere, and visible from a Distributed Map.
    for expression in expressions(machine) {
        let Some(text) = expression.node.as_str() else { continue };
        let Ok(path) = jsonpath::parse(text) else { continue };
        if path.root != jsonpath::Root::Variable {
            continue;
        }
        let end = text[1..].find(['.', '[']).map_or(text.len(), |i| i + 1);
        let name = &text[1..end];
        if !everywhere.contains(name) && !out.is_full() {
            out.report(
                Place::InString { node: expression.node, start: 0, end },
                &expression.locator,
                format!(
                    "`{}` of {} reads `${name}`, which no state of this state machine assigns: the state fails when it runs",
                    expression.entry.key,
                    quoted(expression.state)
                ),
            )
            .emit();
        }
    }
    distributed_reads(machine, &by_scope, out);
}

/// A Distributed Map's processor cannot read the variables of the scopes around it.
fn distributed_reads(machine: &StateMachine<'_>, by_scope: &[HashMap<&str, &Entry>], out: &mut Emitter<'_, '_>) {
    for (id, scope) in machine.scopes.iter().enumerate() {
        let distributed = matches!(scope.via, Via::Processor(_))
            && scope.node.get("ProcessorConfig").and_then(|c| c.get_str("Mode")) == Some("DISTRIBUTED");
        if !distributed {
            continue;
        }
        let outer: HashSet<&str> = outer_scopes(machine, id).into_iter().flat_map(|s| by_scope[s].keys().copied()).collect();
        if outer.is_empty() {
            continue;
        }
        // Scopes inside the processor, which it may read.
        let inside: Vec<ScopeId> = (0..machine.scopes.len()).filter(|s| *s == id || outer_scopes(machine, *s).contains(&id)).collect();
        let own: HashSet<&str> = inside.iter().flat_map(|s| by_scope[*s].keys().copied()).collect();
        for state in machine.states.iter().filter(|s| inside.contains(&s.scope)) {
            let mut pending: Vec<&Node> = state
                .node
                .unique_entries()
                .filter(|e| !matches!(&*e.key, "Branches" | "ItemProcessor" | "Iterator"))
                .map(|e| &e.value)
                .collect();
            while let Some(node) = pending.pop() {
                match &node.value {
                    Value::String(text) => {
                        for (name, start, end) in references(text) {
                            if outer.contains(name.as_str()) && !own.contains(name.as_str()) && !out.is_full() {
                                out.report(
                                    Place::InString { node, start, end },
                                    &state.path.render(),
                                    format!("{} reads `${name}`, a variable of the scopes around its Distributed Map, which a Distributed Map's processor cannot see", quoted(state.name)),
                                )
                                .help("Pass the value to each item through `ItemSelector`.")
                                .emit();
                            }
                        }
                    }
                    Value::Array(items) => pending.extend(items),
                    Value::Object(entries) => pending.extend(entries.iter().map(|e| &e.value)),
                    _ => {}
                }
            }
        }
    }
}

/// The variables a string reads: a JSONPath `$name…`, or the `$name`s of a `{% … %}` expression.
fn references(text: &str) -> Vec<(String, usize, usize)> {
    let trimmed = text.trim();
    if let Some(inner) = trimmed.strip_prefix("{%").and_then(|t| t.strip_suffix("%}")) {
        let offset = text.find("{%").unwrap_or(0) + 2;
        return jsonata::parse(inner)
            .map(|vars| {
                vars.into_iter()
                    .filter(|v| !v.name.is_empty() && v.name != "$" && v.name != "states")
                    .map(|v| (v.name, offset + v.start, offset + v.end))
                    .collect()
            })
            .unwrap_or_default();
    }
    match jsonpath::parse(text) {
        Ok(path) if path.root == jsonpath::Root::Variable => {
            let end = text[1..].find(['.', '[']).map_or(text.len(), |i| i + 1);
            vec![(text[1..end].to_string(), 0, end)]
        }
        _ => Vec::new(),
    }
}
