//! `asl/fail-fields`: a Fail state gives its `Error` and its `Cause` each at most one way (the
//! text, or the `…Path` that reads it).

use super::{exclusive, fields};
use crate::analyzers::{Analyzer, Emitter};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/fail-fields", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    fields::report(model, ANALYZER.id, out);
    let Some(machine) = model.state_machine() else { return };
    for state in machine.states.iter().filter(|s| s.type_name == Some("Fail")) {
        exclusive(state, ["Error", "ErrorPath"], out);
        exclusive(state, ["Cause", "CausePath"], out);
    }
}
