//! `asl/retry-order`: a retrier for `States.TaskFailed` before retriers for narrower task errors:
//! Step Functions uses the first retrier that matches, and `States.TaskFailed` matches every
//! error but `States.Timeout`, so the later names never match. (`States.ALL` out of place is
//! `asl/retrier`'s: Step Functions rejects it.) At each name that never matches.

use super::retries;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::parse::Node;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/retry-order", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    for state in &machine.states {
        let retriers = retries::of(state);
        let Some(broad) = retriers.iter().find(|r| r.errors.contains(&"States.TaskFailed")) else { continue };
        let broad_name =
            broad.node.get("ErrorEquals").and_then(Node::as_array).and_then(|l| l.iter().find(|n| n.as_str() == Some("States.TaskFailed")));
        for later in retriers.iter().filter(|r| r.index > broad.index) {
            let names = later.node.get("ErrorEquals").and_then(Node::as_array).unwrap_or(&[]);
            for (i, name) in names.iter().enumerate() {
                let Some(error) = name.as_str() else { continue };
                if matches!(error, "States.Timeout" | "States.ALL" | "States.TaskFailed") || super::is_placeholder(error) {
                    continue;
                }
                if out.is_full() {
                    return;
                }
                let mut report = out
                    .report(
                        Place::Value(name),
                        &super::field(state, &format!("Retry[{}].ErrorEquals[{i}]", later.index)),
                        format!(
                            "`{error}` in retrier {} of {} never matches: retrier {} retries `States.TaskFailed`, which matches it first",
                            later.index + 1,
                            super::quoted(state.name),
                            broad.index + 1
                        ),
                    )
                    .help("Move the retriers for narrower errors before the one for States.TaskFailed: the first retrier that matches is used.");
                if let Some(at) = broad_name {
                    report = report.related(&Place::Value(at), "matches it first");
                }
                report.emit();
            }
        }
    }
}
