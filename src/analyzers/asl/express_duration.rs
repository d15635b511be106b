//! `asl/express-duration`: in an Express execution (five minutes at most), a Wait or a
//! `TimeoutSeconds` above that, a path of Waits that adds up to more, or a retrier whose
//! worst-case total wait does. At the offending `Seconds`, `TimeoutSeconds` or retrier. (A Wait
//! above what Step Functions accepts at all is `asl/wait-range`'s.)

use std::collections::HashMap;

use super::retries;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::asl::StateId;
use crate::parse::Node;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/express-duration", artifact: ArtifactKind::StateMachine, run };

const HELP: &str = "Keep an Express workflow within five minutes, or run the long part in a Standard workflow (a Standard state machine, or ExecutionType STANDARD for a Distributed Map's children).";

fn number(node: Option<&Node>) -> Option<f64> {
    node.and_then(Node::as_f64)
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let quotas = crate::data::quotas::quotas();
    let limit = quotas.express_seconds;
    let express: Vec<bool> = (0..machine.states.len()).map(|id| model.runs_express(id) == Some(true)).collect();
    if !express.iter().any(|e| *e) {
        return;
    }
    let minutes = retries::duration(limit);
    if model.machine_type() == crate::model::role::MachineType::Express
        && let Some(timeout) = machine.root.get("TimeoutSeconds").filter(|t| number(Some(t)).is_some_and(|n| n > limit))
    {
        let message = format!("the Express state machine's `TimeoutSeconds` is above {minutes}, the most an Express execution runs");
        out.report(Place::Value(timeout), "TimeoutSeconds", message).help(HELP).emit();
    }
    for state in machine.states.iter().zip(&express).filter(|(_, e)| **e).map(|(s, _)| s) {
        if out.is_full() {
            return;
        }
        let name = super::quoted(state.name);
        for key in ["Seconds", "TimeoutSeconds"] {
            let value = state.node.get(key);
            let Some(seconds) = number(value).filter(|s| *s > limit && !(key == "Seconds" && *s > quotas.wait_seconds)) else { continue };
            if key == "Seconds" && state.type_name != Some("Wait") {
                continue;
            }
            let what = if key == "Seconds" { "waits" } else { "may run" };
            out.report(
                Place::Value(value.unwrap_or(state.node)),
                &super::field(state, key),
                format!("state {name} {what} {}, but an Express execution stops after {minutes}", retries::duration(seconds)),
            )
            .help(HELP)
            .emit();
        }
        let all = retries::of(state);
        for retrier in retries::reachable(&all).filter(|r| !r.unknown && r.retries()) {
            let wait = retrier.worst_wait();
            if wait > limit {
                let place = retrier.node.get("MaxAttempts").map_or(Place::Value(retrier.node), Place::Value);
                out.report(
                    place,
                    &super::field(state, &format!("Retry[{}]", retrier.index)),
                    format!(
                        "retrier {} of {name} may wait {} in all, but an Express execution stops after {minutes}: the last retries never run",
                        retrier.index + 1,
                        retries::duration(wait)
                    ),
                )
                .help("Retry within the five minutes (fewer attempts, MaxDelaySeconds), or run the work in a Standard workflow.")
                .emit();
            }
        }
    }
    waits_along_paths(model, &express, out);
    long_functions(model, &express, out);
}

/// A Lambda function of the file, invoked from an Express execution, whose timeout is above
/// five minutes: at the parameter that names it, with the function's timeout as a related place.
fn long_functions(model: &Model<'_, '_>, express: &[bool], out: &mut Emitter<'_, '_>) {
    let (Some(machine), Some(context), Some(access)) = (model.state_machine(), model.artifact.machine.as_deref(), model.access()) else {
        return;
    };
    let limit = crate::data::quotas::quotas().express_seconds;
    let mut seen = std::collections::HashSet::new();
    for need in &access.needs {
        let (Some(state), Some(place)) = (need.state, need.place) else { continue };
        if !express.get(state).copied().unwrap_or(false) {
            continue;
        }
        let Some(function) = crate::model::needs::function_invoked(need, context) else { continue };
        if !seen.insert(state) {
            continue;
        }
        let Some((seconds, at)) = function.timeout.as_ref().filter(|(s, _)| *s > limit) else { continue };
        // A Task timeout within the limit already bounds the call.
        if number(machine.states[state].node.get("TimeoutSeconds")).is_some_and(|t| t <= limit) || out.is_full() {
            continue;
        }
        out.report(
            Place::Value(place),
            &super::field(&machine.states[state], "Resource"),
            format!(
                "{} may run {} (its timeout), but an Express execution stops after {}: a long invocation is cut off with the execution",
                function.name,
                retries::duration(*seconds),
                retries::duration(limit)
            ),
        )
        .help("Lower the function's timeout to what the Express workflow allows, give the Task a TimeoutSeconds within five minutes, or invoke the function from a Standard workflow.")
        .related_in(at.in_file(&context.file), at.span, "the function's timeout")
        .emit();
    }
}

/// Waits that add up along one path of a scope to more than five minutes, none of them longer
/// on its own: at the Wait where the sum passes the limit. Scopes with a loop are left alone
/// (how often a loop runs is not known here).
fn waits_along_paths(model: &Model<'_, '_>, express: &[bool], out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let limit = crate::data::quotas::quotas().express_seconds;
    for scope in &machine.scopes {
        let Some(&first) = scope.states.first() else { continue };
        if !express[first] {
            continue;
        }
        let names = machine.names(machine.states[first].scope);
        // A Wait longer than the limit on its own is reported on its own: not counted again.
        let wait = |id: StateId| {
            let state = &machine.states[id];
            let seconds = if state.type_name == Some("Wait") { number(state.node.get("Seconds")).unwrap_or(0.0) } else { 0.0 };
            if seconds > limit { 0.0 } else { seconds }
        };
        let next = |id: StateId| -> Vec<StateId> {
            super::transitions(&machine.states[id]).iter().filter_map(|(n, _)| n.as_str().and_then(|t| names.get(t).copied())).collect()
        };
        // The longest wait before leaving each state, by depth-first search (a loop: give up).
        let mut longest: HashMap<StateId, f64> = HashMap::new();
        let mut on_path: std::collections::HashSet<StateId> = std::collections::HashSet::new();
        let Some(start) = scope.node.get_str("StartAt").and_then(|s| names.get(s).copied()) else { continue };
        let mut stack: Vec<(StateId, bool)> = vec![(start, false)];
        let mut cyclic = false;
        while let Some((id, done)) = stack.pop() {
            if done {
                on_path.remove(&id);
                let best = next(id).iter().filter_map(|n| longest.get(n)).fold(0.0_f64, |a, b| a.max(*b));
                longest.insert(id, wait(id) + best);
                continue;
            }
            if longest.contains_key(&id) {
                continue;
            }
            if on_path.contains(&id) {
                cyclic = true;
                break;
            }
            on_path.insert(id);
            stack.push((id, true));
            for n in next(id) {
                if !longest.contains_key(&n) {
                    stack.push((n, false));
                }
            }
        }
        if cyclic || longest.get(&start).is_none_or(|l| *l <= limit) {
            continue;
        }
        // Walk the longest path from the start to the Wait where the sum passes the limit.
        let (mut id, mut sum) = (start, 0.0);
        loop {
            sum += wait(id);
            if sum > limit {
                break;
            }
            let Some(n) = next(id).into_iter().max_by(|a, b| longest[a].total_cmp(&longest[b])) else { break };
            id = n;
        }
        let state = &machine.states[id];
        if sum <= limit || out.is_full() {
            continue;
        }
        let Some(seconds) = state.node.get("Seconds") else { continue };
        out.report(
            Place::Value(seconds),
            &super::field(state, "Seconds"),
            format!(
                "the Waits up to {} add up to {}, but an Express execution stops after {}",
                super::quoted(state.name),
                retries::duration(sum),
                retries::duration(limit)
            ),
        )
        .help(HELP)
        .emit();
    }
}
