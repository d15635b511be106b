//! `asl/no-terminal-state`: every scope has a state that ends it (`Succeed`, `Fail` or
//! `End: true`). A loop that can never exit while a terminal state exists is the limits pack's
//! `asl/unbounded-loop`; a state with no transition at all is `asl/transition`'s.

use super::{is_terminal, scope_name};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/no-terminal-state", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    for (scope_id, scope) in machine.scopes.iter().enumerate() {
        let states = || scope.states.iter().map(|&id| &machine.states[id]);
        if scope.states.is_empty() || states().any(is_terminal) {
            continue;
        }
        // Unknown types and states without a transition are reported by other rules; a
        // placeholder `End` or `Type` may well make the scope end.
        let all_known = states().all(|s| {
            matches!(s.type_name, Some(t) if super::STATE_TYPES.contains(&t))
                && (s.type_name == Some("Choice") || s.node.get("Next").is_some())
                && s.node.get("End").is_none()
        });
        // A transition out of the scope is `asl/transition`'s: fixing it fixes this too.
        let names = machine.names(scope_id);
        let inside = states().all(|s| super::transitions(s).iter().all(|(n, _)| n.as_str().is_some_and(|t| names.contains_key(t))));
        if !all_known || !inside || out.is_full() {
            continue;
        }
        let place = scope.node.entry("States").map_or(Place::Value(scope.node), Place::Key);
        out.report(
            place,
            &scope.field_path("States"),
            format!("{} has no terminal state: no `Succeed`, `Fail` or `End: true`, so it can never finish", scope_name(machine, scope_id)),
        )
        .help("End the last state of the workflow with `End: true`, or add a `Succeed` or `Fail` state that a transition leads to.")
        .aws_code("MISSING_END_STATE")
        .emit();
    }
}
