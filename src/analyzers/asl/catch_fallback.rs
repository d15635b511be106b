//! `asl/catch-fallback`: a Task, Map or Parallel state of the machine's top level with no
//! `Catch` for `States.ALL` (a Map or Parallel only when a Task runs inside it): an error its
//! retries do not absorb ends the execution with no fallback state. States inside a Map or
//! Parallel are not reported: their errors fail the state that holds it, where one Catch covers
//! them all. At the state's name.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use std::collections::HashSet;

use crate::model::asl::{State, StateId, StateMachine};
use crate::parse::Node;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/catch-fallback", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let holders = holding_tasks(machine);
    let top = machine.scopes.first().map_or(&[][..], |s| s.states.as_slice());
    for (id, state) in top.iter().map(|&id| (id, &machine.states[id])) {
        let relevant = match state.type_name {
            Some("Task") => true,
            Some("Map" | "Parallel") => holders.contains(&id),
            _ => false,
        };
        if !relevant || catches_all(state) {
            continue;
        }
        if out.is_full() {
            return;
        }
        let kind = state.type_name.unwrap_or_default();
        out.report(
            Place::Key(state.entry),
            &state.path.render(),
            format!(
                "{kind} state {} has no Catch for States.ALL: an error its retries do not absorb fails the execution, with no state to clean up or report it",
                super::quoted(state.name)
            ),
        )
        .help(r#"Add a last Catch entry, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "HandleFailure"}], to a state that compensates, notifies or fails with a clear cause."#)
        .emit();
    }
}

fn catches_all(state: &State<'_>) -> bool {
    state
        .node
        .get("Catch")
        .and_then(Node::as_array)
        .unwrap_or(&[])
        .iter()
        .any(|c| c.get("ErrorEquals").and_then(Node::as_array).is_some_and(|l| l.iter().any(|e| e.as_str() == Some("States.ALL"))))
}

/// Whether a Task runs inside a Map or Parallel state (at any depth).
/// The Map and Parallel states a Task runs inside (at any depth): each Task's holders, marked
/// once.
fn holding_tasks(machine: &StateMachine<'_>) -> HashSet<StateId> {
    let mut holders = HashSet::new();
    for state in machine.states.iter().filter(|s| s.type_name == Some("Task")) {
        let mut scope = state.scope;
        while let Some(owner) = machine.scopes[scope].owner {
            // A holder already marked has its own holders marked too.
            if !holders.insert(owner) {
                break;
            }
            scope = machine.states[owner].scope;
        }
    }
    holders
}
