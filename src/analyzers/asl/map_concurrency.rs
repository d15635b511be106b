//! `asl/map-concurrency`: a Map whose iterations call a service (any Task: Lambda and every
//! other API throttles) with no concurrency limit (`MaxConcurrency` 0 or unset): an Inline Map
//! then runs 40 at once, a Distributed Map 10,000, and a large input throttles what they call.
//! When `sfn/fanout-exceeds-concurrency` reports the Map (a function's concurrency is known), it
//! is left to that rule. And, as a note, a Distributed Map with no tolerated failure threshold.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::finding::Severity;
use crate::model::Model;
use crate::model::asl::{StateId, StateMachine, Via};
use crate::parse::Value;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/map-concurrency", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let quotas = crate::data::quotas::quotas();
    // The scopes each Map or Parallel holds, once.
    let mut held: std::collections::HashMap<StateId, Vec<usize>> = std::collections::HashMap::new();
    for (i, scope) in machine.scopes.iter().enumerate() {
        if let Some(owner) = scope.owner {
            held.entry(owner).or_default().push(i);
        }
    }
    for (id, state) in machine.states.iter().enumerate().filter(|(_, s)| s.type_name == Some("Map")) {
        if out.is_full() {
            return;
        }
        let mode = crate::model::asl::distributed_config(state.node).and_then(|c| c.entry("Mode"));
        let distributed = mode.is_some();
        let name = super::quoted(state.name);
        let limit = state.node.get("MaxConcurrency");
        let unlimited = state.node.get("MaxConcurrencyPath").is_none()
            && match limit.map(|l| &l.value) {
                None => true,
                Some(Value::Number(n)) => *n == 0.0,
                Some(_) => false,
            };
        if unlimited
            && let Some(task) = first_task(machine, &held, id)
            && !super::super::sfn::fanout_exceeds_concurrency::reports(model, id)
        {
            let (at_once, what) = if distributed {
                (quotas.distributed_map_concurrency, "child executions")
            } else {
                (quotas.inline_map_concurrency, "iterations")
            };
            let place = limit.map_or(Place::Key(state.entry), Place::Value);
            out.report(
                place,
                &state.path.render(),
                format!(
                    "Map state {name} sets no concurrency limit, so up to {at_once} {what} call {} at once: a large input throttles it",
                    super::quoted(machine.states[task].name)
                ),
            )
            .help("Set MaxConcurrency to what the service it calls can take (a function's reserved concurrency, a table's capacity), and retry throttling errors with backoff.")
            .emit();
        }
        let tolerated =
            ["ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath"]
                .iter()
                .any(|k| state.node.get(k).is_some());
        if distributed
            && !tolerated
            && let Some(mode) = mode
        {
            out.report(
                Place::Value(&mode.value),
                &super::field(state, "ItemProcessor.ProcessorConfig.Mode"),
                format!("Distributed Map {name} sets no tolerated failure threshold: one failed item fails the whole Map Run"),
            )
            .help("Set ToleratedFailurePercentage (or ToleratedFailureCount) to the failures the job may absorb, and read the failed items from ResultWriter's output.")
            .severity(Severity::Note)
            .emit();
        }
    }
}

/// The first Task the Map's iterations run (in its processor, or a Parallel inside it; a Map
/// inside it has its own limit).
fn first_task(machine: &StateMachine<'_>, held: &std::collections::HashMap<StateId, Vec<usize>>, map: StateId) -> Option<StateId> {
    let mut scopes: Vec<usize> =
        held.get(&map).into_iter().flatten().copied().filter(|s| matches!(machine.scopes[*s].via, Via::Processor(_))).collect();
    while let Some(scope) = scopes.pop() {
        for &id in &machine.scopes[scope].states {
            match machine.states[id].type_name {
                Some("Task") => return Some(id),
                Some("Parallel") => scopes.extend(held.get(&id).into_iter().flatten().copied()),
                _ => {}
            }
        }
    }
    None
}
