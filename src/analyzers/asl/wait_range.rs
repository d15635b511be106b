//! `asl/wait-range`: a Wait state's literal `Seconds` above 99,999,999 (Step Functions rejects
//! it), or, in a Standard execution, above a year (the execution ends first). A wait beyond
//! five minutes in an Express execution is `asl/express-duration`'s. At the value.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/wait-range", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let quotas = crate::data::quotas::quotas();
    for (id, state) in machine.states.iter().enumerate().filter(|(_, s)| s.type_name == Some("Wait")) {
        let Some(value) = state.node.get("Seconds") else { continue };
        let Some(seconds) = value.as_f64() else { continue };
        let name = super::quoted(state.name);
        let report = if seconds > quotas.wait_seconds {
            let message = format!(
                "Wait state {name} waits {seconds} s, more than the {} s Step Functions accepts: it rejects the definition",
                quotas.wait_seconds
            );
            out.report(Place::Value(value), &super::field(state, "Seconds"), message).aws_code("SCHEMA_VALIDATION_FAILED")
        } else if seconds > quotas.standard_seconds && model.runs_express(id) != Some(true) {
            let message = format!(
                "Wait state {name} waits {}, longer than a Standard execution may run (a year): the execution times out before it ends",
                super::retries::duration(seconds)
            );
            out.report(Place::Value(value), &super::field(state, "Seconds"), message)
        } else {
            continue;
        };
        report.help("Wait at most a year; for longer schedules start a new execution from an EventBridge Scheduler schedule.").emit();
        if out.is_full() {
            return;
        }
    }
}
