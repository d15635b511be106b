//! `asl/task-timeout`: a Task state with no `TimeoutSeconds` (or `TimeoutSecondsPath`), and a
//! callback or activity task with no `HeartbeatSeconds` (or `…Path`). The message says what
//! bounds the task today: the machine's own `TimeoutSeconds`, the five minutes of an Express
//! execution, or the year of a Standard one. In an Express execution it is a note. At the
//! state's name.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::finding::Severity;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/task-timeout", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let quotas = crate::data::quotas::quotas();
    let machine_timeout = machine.root.get("TimeoutSeconds").and_then(crate::parse::Node::as_f64);
    for (id, state) in machine.states.iter().enumerate().filter(|(_, s)| s.type_name == Some("Task")) {
        if out.is_full() {
            return;
        }
        let has = |key: &str| state.node.get(key).is_some() || state.node.get(&format!("{key}Path")).is_some();
        let resource = state.node.get("Resource").and_then(super::resource_text).unwrap_or_default();
        let callback = crate::model::asl::Invocation::of(&resource).waits_for_worker();
        let timeout = has("TimeoutSeconds");
        let heartbeat = !callback || has("HeartbeatSeconds");
        // A heartbeat on a request-response call standing in for the timeout is
        // `asl/heartbeat-misuse`'s finding (one finding, not two).
        if (timeout && heartbeat) || (!timeout && super::heartbeat_misuse::misused(machine, state).is_some()) {
            continue;
        }
        let express = model.runs_express(id);
        let name = super::quoted(state.name);
        let message = if timeout {
            let given = match state.node.get("TimeoutSeconds").and_then(crate::parse::Node::as_f64) {
                Some(n) => format!("its `TimeoutSeconds` ({})", super::retries::duration(n)),
                None => "its `TimeoutSeconds`".to_string(),
            };
            format!("Task state {name} sets no HeartbeatSeconds: a worker that stops reporting is noticed only when {given} runs out")
        } else {
            let bound = if express == Some(true) {
                format!("an Express execution's limit of {}", super::retries::duration(quotas.express_seconds))
            } else if let Some(limit) = machine_timeout {
                format!("the machine's own `TimeoutSeconds` ({})", super::retries::duration(limit))
            } else if express == Some(false) {
                "the one-year limit of a Standard execution".to_string()
            } else {
                "the execution's own limit (a year for a Standard workflow, five minutes for Express)".to_string()
            };
            let missing = if heartbeat { "TimeoutSeconds" } else { "TimeoutSeconds and HeartbeatSeconds" };
            format!("Task state {name} sets no {missing}: if the task hangs, only {bound} stops it")
        };
        let mut report = out
            .report(Place::Key(state.entry), &state.path.render(), message)
            .help("Set TimeoutSeconds to a little above the task's longest expected run; for callback and activity tasks also set HeartbeatSeconds.");
        if express == Some(true) {
            report = report.severity(Severity::Note);
        }
        report.emit();
    }
}
