//! `asl/heartbeat-misuse`: `HeartbeatSeconds` on a request-response Task, which sends no
//! heartbeats (only an activity worker, a callback task's worker, or a `.sync` job does): the
//! setting only stands in for the timeout the task lacks, failing the task once the call takes
//! longer. A heartbeat not below the timeout is `asl/timeout-fields`'s. At `HeartbeatSeconds`.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::asl::{State, StateMachine};
use crate::parse::Entry;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/heartbeat-misuse", artifact: ArtifactKind::StateMachine, run };

/// The `HeartbeatSeconds` (or `…Path`) entry of a request-response Task, when the rule
/// reports it (`asl/task-timeout` then leaves the state's missing timeout to it).
#[must_use]
pub fn misused<'n>(machine: &StateMachine<'n>, state: &State<'n>) -> Option<&'n Entry> {
    if state.type_name != Some("Task") {
        return None;
    }
    let entry = state.node.entry("HeartbeatSeconds").or_else(|| state.node.entry("HeartbeatSecondsPath"))?;
    let resource = state.node.get("Resource")?;
    let text = resource.as_str().filter(|_| !machine.unknown_value(resource))?;
    if !crate::model::asl::Invocation::of(text).is_request_response() {
        return None;
    }
    let number = |key: &str| state.node.get(key).and_then(crate::parse::Node::as_f64);
    if let (Some(heartbeat), Some(timeout)) = (number("HeartbeatSeconds"), number("TimeoutSeconds"))
        && heartbeat >= timeout
    {
        return None;
    }
    Some(entry)
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    for state in &machine.states {
        let Some(entry) = misused(machine, state) else { continue };
        if out.is_full() {
            return;
        }
        let timeout = state.node.get("TimeoutSeconds").is_some() || state.node.get("TimeoutSecondsPath").is_some();
        let consequence = if timeout {
            "it only fails the call early, with `States.Timeout`, once it runs longer than the heartbeat"
        } else {
            "it only stands in for the `TimeoutSeconds` the task lacks, failing the call with `States.Timeout` once it runs longer"
        };
        out.report(
            Place::Key(entry),
            &super::field(state, &entry.key),
            format!("`{}` on request-response task {}: the call sends no heartbeats, so {consequence}", entry.key, super::quoted(state.name)),
        )
        .help("Remove HeartbeatSeconds and bound the call with TimeoutSeconds; heartbeats are for activities, callback (.waitForTaskToken) and .sync tasks.")
        .emit();
    }
}
