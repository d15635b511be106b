//! `asl/state-name`: state names are 1 to 80 characters and unique in the whole state machine
//! (a Parallel branch or Map processor cannot reuse a name from elsewhere in the definition).

use std::collections::HashMap;

use super::{quoted, scope_name};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/state-name", artifact: ArtifactKind::StateMachine, run };

/// The longest state name Step Functions accepts, in characters.
pub const MAX_NAME_CHARS: usize = 80;

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(machine.states.len());
    for (id, state) in machine.states.iter().enumerate() {
        if out.is_full() {
            return;
        }
        let chars = state.name.chars().count();
        if (chars > MAX_NAME_CHARS && !machine.unknown_text(state.name)) || chars == 0 {
            let message = if chars == 0 {
                "a state name cannot be empty".to_string()
            } else {
                format!("state name {} is {chars} characters long; Step Functions allows at most {MAX_NAME_CHARS}", quoted(state.name))
            };
            out.report(Place::Key(state.entry), &state.path.render(), message)
                .help("Use a shorter name, and change every `Next`, `Default` and `StartAt` that names it.")
                .aws_code("INVALID_STATE_NAME")
                .emit();
        }
        match first.get(state.name) {
            Some(&earlier) => {
                let other = &machine.states[earlier];
                out.report(
                    Place::Key(state.entry),
                    &state.path.render(),
                    format!(
                        "state name {} is used twice, in {} and in {}: names must be unique in the whole state machine",
                        quoted(state.name),
                        scope_name(machine, other.scope),
                        scope_name(machine, state.scope)
                    ),
                )
                .related(&Place::Key(other.entry), "first used here")
                .help("Rename one of the states (and every transition to it).")
                .aws_code("DUPLICATE_STATE_NAME")
                .emit();
            }
            None => {
                first.insert(state.name, id);
            }
        }
    }
}
