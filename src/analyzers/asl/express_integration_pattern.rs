//! `asl/express-integration-pattern`: in an Express execution (an Express machine, or the
//! children of a Distributed Map with `ExecutionType: EXPRESS`), a Task that waits for a job
//! (`.sync`, `.sync:2`) or a callback (`.waitForTaskToken`), or an activity: Step Functions
//! rejects the definition. At the Task's `Resource`.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::asl::{Invocation, Pattern};

pub static ANALYZER: Analyzer = Analyzer { id: "asl/express-integration-pattern", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    for (id, state) in machine.states.iter().enumerate().filter(|(_, s)| s.type_name == Some("Task")) {
        let Some(resource) = state.node.get("Resource") else { continue };
        let Some(text) = super::resource_text(resource) else { continue };
        let pattern = match Invocation::of(&text) {
            Invocation::Integration { pattern: Pattern::Sync, .. } => "waits for a job to finish (`.sync`)",
            Invocation::Integration { pattern: Pattern::Callback, .. } => "waits for a callback (`.waitForTaskToken`)",
            Invocation::Activity => "runs an activity",
            _ => continue,
        };
        if model.runs_express(id) != Some(true) {
            continue;
        }
        if out.is_full() {
            return;
        }
        let execution = if model.machine_type() == crate::model::role::MachineType::Express {
            "an Express state machine"
        } else {
            "the Express child executions of a Distributed Map"
        };
        out.report(
            Place::Value(resource),
            &super::field(state, "Resource"),
            format!("Task state {} {pattern}, which {execution} does not support: Step Functions rejects the definition", super::quoted(state.name)),
        )
        .help("Use the request-response form of the integration (drop `.sync` or `.waitForTaskToken`) and poll, or run this part in a Standard workflow (a Standard state machine, or ExecutionType STANDARD for the Distributed Map).")
        .aws_code("InvalidDefinition")
        .emit();
    }
}
