//! `asl/unreachable-state`: every state can be reached from its scope's `StartAt`.

use std::collections::HashMap;

use super::{quoted, scope_name, transitions};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/unreachable-state", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    'scopes: for (scope_id, scope) in machine.scopes.iter().enumerate() {
        let names: HashMap<&str, usize> = machine.names(scope_id);
        let Some(start) = scope.node.get_str("StartAt") else { continue };
        // A start or a transition that names no state of the scope is `asl/transition`'s; one
        // that is a placeholder may name any state: then nothing here is known to be unreachable.
        let Some(&start) = names.get(start) else { continue };
        // A transition to a misspelt name, or a misspelt `Next`, is reported by its own rule;
        // what it leaves unreachable follows from it and is not reported again.
        let broken = scope.states.iter().any(|&id| {
            let state = &machine.states[id];
            let misspelt = state
                .node
                .unique_entries()
                .any(|e| !super::fields::is_state_field(&e.key) && super::suggestion(&e.key, ["Next", "Default"]).is_some());
            misspelt
                || transitions(state).iter().any(|(n, _)| n.as_str().is_some_and(|t| !names.contains_key(t) && !machine.unknown_text(t)))
        });
        if broken {
            continue;
        }
        // Per scope, a set: a vector over all states per scope would cost scopes × states.
        let mut reached = std::collections::HashSet::from([start]);
        let mut todo = vec![start];
        while let Some(id) = todo.pop() {
            for (node, _) in transitions(&machine.states[id]) {
                let Some(target) = node.as_str() else { continue };
                if machine.unknown_text(target) {
                    continue 'scopes;
                }
                if let Some(&next) = names.get(target)
                    && reached.insert(next)
                {
                    todo.push(next);
                }
            }
        }
        for &id in &scope.states {
            let state = &machine.states[id];
            // A "state" that is no object is `asl/field-type`'s (it is usually a top-level field
            // written inside `States`).
            if reached.contains(&id) || state.node.as_object().is_none() || out.is_full() {
                continue;
            }
            out.report(
                Place::Key(state.entry),
                &state.path.render(),
                format!(
                    "state {} cannot be reached: no transition from `StartAt` of {} leads to it",
                    quoted(state.name),
                    scope_name(machine, scope_id)
                ),
            )
            .help("Remove the state, or add a `Next`, `Default` or `Catch` that goes to it.")
            .aws_code("MISSING_TRANSITION_TARGET")
            .emit();
        }
    }
}
