//! `asl/task-retry`: a Task state whose retriers leave throttling and transient failures
//! unretried. `States.TaskFailed` or `States.ALL` covers every task; for a Lambda task,
//! retriers that together name the four transient Lambda errors (the set the Step Functions
//! console writes) do too. The message names what is not retried, the help the retrier to add.
//! The finding is at `Retry`, else at the state's name.

use super::retries::{self, Retrier};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/task-retry", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let transient = &crate::data::quotas::quotas().lambda_transient_errors;
    for state in machine.states.iter().filter(|s| s.type_name == Some("Task")) {
        if out.is_full() {
            return;
        }
        let entry = state.node.entry("Retry");
        // A `Retry` that is not a list is `asl/field-type`'s; one whose errors or numbers this
        // check cannot read is not judged.
        if entry.is_some_and(|e| e.value.as_array().is_none()) {
            continue;
        }
        let retriers = retries::of(state);
        if retriers.iter().any(|r| r.unknown) || retries::retried(&retriers, "States.TaskFailed") {
            continue;
        }
        let resource = state.node.get("Resource");
        // A Lambda task, or one whose resource only the deploy knows that retries Lambda errors.
        let lambda = retries::is_lambda(state)
            || (resource.is_some_and(|r| machine.unknown_value(r))
                && retriers.iter().any(|r| r.errors.iter().any(|e| e.starts_with("Lambda."))));
        let missing: Vec<&str> =
            if lambda { transient.iter().map(String::as_str).filter(|e| !retries::retried(&retriers, e)).collect() } else { Vec::new() };
        if lambda && missing.is_empty() {
            continue;
        }
        let name = super::quoted(state.name);
        let active: Vec<&Retrier<'_>> = retriers.iter().filter(|r| r.retries()).collect();
        let message = if retriers.is_empty() {
            format!("Task state {name} has no Retry: a throttled call or a transient service error fails the execution")
        } else if active.is_empty() {
            format!("Task state {name} has a Retry whose entries never retry (`MaxAttempts: 0`): a transient failure fails the execution")
        } else if lambda {
            let what = if missing.contains(&"Lambda.TooManyRequestsException") {
                "a throttled invocation fails the execution"
            } else {
                "a transient Lambda error fails the execution"
            };
            format!("Task state {name} does not retry {}: {what}", listed(&missing))
        } else {
            let named: Vec<&str> = active.iter().flat_map(|r| r.errors.iter().copied()).collect();
            format!(
                "Task state {name} retries only {}: throttling and transient service errors (`States.TaskFailed`) fail the execution",
                listed(&named)
            )
        };
        let errors = if lambda { missing.clone() } else { vec!["States.TaskFailed"] };
        let retrier = format!(
            r#"{{"ErrorEquals": [{}], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2, "JitterStrategy": "FULL"}}"#,
            errors.iter().map(|e| format!("\"{e}\"")).collect::<Vec<_>>().join(", ")
        );
        let help = if lambda && !active.is_empty() {
            format!("Add {} to a retrier, or add this one: {retrier}", listed(&missing))
        } else {
            format!("Add a retrier (after narrower ones: the first that matches is used): {retrier}")
        };
        let (place, locator) = match entry {
            Some(e) => (Place::Key(e), super::field(state, "Retry")),
            None => (Place::Key(state.entry), state.path.render()),
        };
        out.report(place, &locator, message).help(help).emit();
    }
}

/// `` `A`, `B` and `C` ``.
fn listed(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().take(6).map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] if names.len() <= 6 => format!("{} and {last}", init.join(", ")),
        _ => format!("{} and {} more", quoted.join(", "), names.len() - 6),
    }
}
