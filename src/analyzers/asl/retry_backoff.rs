//! `asl/retry-backoff`: a retrier for throttling (`*TooManyRequests*`, `*Throttl*`,
//! `States.ALL`, `States.TaskFailed`, …) that retries more than three times at a constant
//! interval (`BackoffRate: 1`), or whose worst-case total wait is over a day; and, as a note, one
//! that retries more than three times with backoff but without `JitterStrategy: FULL`.

use super::retries::{self, Retrier};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::finding::Severity;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/retry-backoff", artifact: ArtifactKind::StateMachine, run };

/// A day, in seconds: retrying for longer outlives any throttling.
const DAY: f64 = 86_400.0;

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let quotas = crate::data::quotas::quotas();
    for (id, state) in machine.states.iter().enumerate() {
        // In an Express execution a long wait is `asl/express-duration`'s.
        let express = model.runs_express(id) == Some(true);
        let all = retries::of(state);
        for retrier in retries::reachable(&all) {
            if out.is_full() {
                return;
            }
            let throttling = retrier.errors.iter().any(|e| matches!(*e, "States.ALL" | "States.TaskFailed") || quotas.is_throttling(e));
            if retrier.unknown || !throttling || !retrier.retries() {
                continue;
            }
            let name = super::quoted(state.name);
            let locator = super::field(state, &format!("Retry[{}]", retrier.index));
            let attempts = retrier.max_attempts;
            if retrier.backoff <= 1.0 && attempts > 3.0 {
                let place = value_or_retrier(retrier, "BackoffRate");
                out.report(
                    place,
                    &locator,
                    format!(
                        "retrier {} of {name} retries throttling errors {attempts} times at a constant interval (`BackoffRate: {}`): a throttled service is called again at the same rate",
                        retrier.index + 1,
                        retrier.backoff
                    ),
                )
                .help(r#"Back off exponentially and spread the retries: "BackoffRate": 2, "MaxDelaySeconds": 60, "JitterStrategy": "FULL"."#)
                .emit();
                continue;
            }
            let wait = retrier.worst_wait();
            if wait > DAY && !express {
                out.report(
                    value_or_retrier(retrier, "MaxAttempts"),
                    &locator,
                    format!(
                        "retrier {} of {name} may wait {} in all between its {attempts} attempts: longer than a day, long past any throttling",
                        retrier.index + 1,
                        retries::duration(wait)
                    ),
                )
                .help("Cap each wait with MaxDelaySeconds, or retry fewer times and let a Catch handle what is left.")
                .emit();
                continue;
            }
            if attempts > 3.0 && !retrier.jitter && wait <= DAY {
                out.report(
                    value_or_retrier(retrier, "MaxAttempts"),
                    &locator,
                    format!(
                        "retrier {} of {name} retries throttling errors {attempts} times without `JitterStrategy: FULL`: executions throttled together retry together",
                        retrier.index + 1
                    ),
                )
                .help(r#"Add "JitterStrategy": "FULL" to spread the retries of concurrent executions."#)
                .severity(Severity::Note)
                .emit();
            }
        }
    }
}

/// The value of `key` in the retrier, else its `ErrorEquals` (the retrier's first line).
fn value_or_retrier<'n>(retrier: &Retrier<'n>, key: &str) -> Place<'n> {
    match retrier.node.get(key) {
        Some(value) => Place::Value(value),
        None => retrier.node.entry("ErrorEquals").map_or(Place::Value(retrier.node), Place::Key),
    }
}
