//! `asl/timeout-fields`: a Task's `TimeoutSeconds` and `HeartbeatSeconds` are positive
//! integers, each given at most one way (the number or its `…Path`), and the heartbeat is
//! shorter than the timeout.

use super::{exclusive, fields, quoted};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::parse::Node;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/timeout-fields", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    fields::report(model, ANALYZER.id, out);
    let Some(machine) = model.state_machine() else { return };
    for state in machine.states.iter().filter(|s| s.type_name == Some("Task")) {
        if out.is_full() {
            return;
        }
        exclusive(state, ["TimeoutSeconds", "TimeoutSecondsPath"], out);
        exclusive(state, ["HeartbeatSeconds", "HeartbeatSecondsPath"], out);
        let number = |key: &str| state.node.get(key).and_then(Node::as_f64);
        if let (Some(timeout), Some(heartbeat)) = (number("TimeoutSeconds"), number("HeartbeatSeconds"))
            && heartbeat >= timeout
            && let Some(entry) = state.node.entry("HeartbeatSeconds")
        {
            out.report(
                Place::Value(&entry.value),
                &super::field(state, "HeartbeatSeconds"),
                format!("`HeartbeatSeconds` ({heartbeat}) of {} must be smaller than its `TimeoutSeconds` ({timeout})", quoted(state.name)),
            )
            .help("A heartbeat is how often the worker reports within one run of the task: make it shorter than the timeout.")
            .aws_code("SCHEMA_VALIDATION_FAILED")
            .emit();
        }
    }
}
