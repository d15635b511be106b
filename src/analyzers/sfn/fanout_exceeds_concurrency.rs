//! `sfn/fanout-exceeds-concurrency`: a Map whose iterations invoke a Lambda function of the
//! same file at a concurrency above what the function may run at once (its reserved
//! concurrency, else the account's default quota), with no retrier for
//! `Lambda.TooManyRequestsException` on the invoking Task: the invocations beyond it are
//! throttled and fail the iterations. The Map's concurrency is its `MaxConcurrency`, else
//! 10,000 for a Distributed Map and 40 for an Inline one. At `MaxConcurrency` (else the Map's
//! name), with the function's limit as a related place.

use crate::analyzers::asl::retries;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::asl::{StateId, StateMachine};
use crate::model::role::Function;
use crate::parse::Value;

pub static ANALYZER: Analyzer = Analyzer { id: "sfn/fanout-exceeds-concurrency", artifact: ArtifactKind::StateMachine, run };

/// One Map over a function's limit: the Task, the function, the Map's concurrency, the limit.
struct Excess<'m> {
    task: StateId,
    function: &'m Function,
    concurrency: f64,
    limit: f64,
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let Some(context) = model.artifact.machine.as_deref() else { return };
    for (id, state) in machine.states.iter().enumerate().filter(|(_, s)| s.type_name == Some("Map")) {
        let Some(excess) = excess(model, id) else { continue };
        if out.is_full() {
            return;
        }
        let limit = match &excess.function.reserved {
            Some(_) => format!("its reserved concurrency, {}", excess.limit),
            None => format!("the account's default of {} concurrent executions, as it reserves none", excess.limit),
        };
        let place = state.node.get("MaxConcurrency").map_or(Place::Key(state.entry), Place::Value);
        let task = &machine.states[excess.task];
        let mut report = out
            .report(
                place,
                &state.path.render(),
                format!(
                    "Map state {} runs up to {} iterations at once, each invoking {} ({}); Task {} does not retry `Lambda.TooManyRequestsException`, so the throttled iterations fail",
                    super::super::asl::quoted(state.name),
                    excess.concurrency,
                    excess.function.name,
                    limit,
                    super::super::asl::quoted(task.name),
                ),
            )
            .help(format!(
                "Set MaxConcurrency to at most {} (or raise the function's reserved concurrency), and retry Lambda.TooManyRequestsException with backoff and jitter.",
                excess.limit
            ));
        let (at, label) = match &excess.function.reserved {
            Some((_, at)) => (at, "reserved concurrency"),
            None => (&excess.function.at, "the function"),
        };
        report = report.related_in(at.in_file(&context.file), at.span, label);
        report.emit();
    }
}

/// Whether the rule reports the Map `map` (then `asl/map-concurrency` leaves it alone).
#[must_use]
pub fn reports(model: &Model<'_, '_>, map: StateId) -> bool {
    excess(model, map).is_some()
}

fn excess<'m>(model: &'m Model<'_, '_>, map: StateId) -> Option<Excess<'m>> {
    let machine = model.state_machine()?;
    let context = model.artifact.machine.as_deref()?;
    if context.functions.is_empty() {
        return None;
    }
    let quotas = crate::data::quotas::quotas();
    let state = &machine.states[map];
    let cap = if crate::model::asl::distributed_config(state.node).is_some() {
        quotas.distributed_map_concurrency
    } else {
        quotas.inline_map_concurrency
    };
    let concurrency = match state.node.get("MaxConcurrency").map(|m| &m.value) {
        None if state.node.get("MaxConcurrencyPath").is_some() => return None,
        None | Some(Value::Number(0.0)) => cap,
        Some(Value::Number(n)) => n.min(cap),
        Some(_) => return None,
    };
    let access = model.access()?;
    for need in &access.needs {
        let Some(task) = need.state.filter(|t| inside(machine, *t, map)) else { continue };
        let Some(function) = crate::model::needs::function_invoked(need, context) else { continue };
        let limit = function.reserved.as_ref().map_or(quotas.lambda_account_concurrency, |(n, _)| *n);
        if concurrency <= limit {
            continue;
        }
        let retriers = retries::of(&machine.states[task]);
        if retriers.iter().any(|r| r.unknown) || retries::retried(&retriers, "Lambda.TooManyRequestsException") {
            continue;
        }
        return Some(Excess { task, function, concurrency, limit });
    }
    None
}

/// Whether `state` runs in the iterations of `map` (not of a Map nested inside it).
fn inside(machine: &StateMachine<'_>, state: StateId, map: StateId) -> bool {
    let mut scope = machine.states[state].scope;
    while let Some(owner) = machine.scopes[scope].owner {
        if owner == map {
            return true;
        }
        if machine.states[owner].type_name == Some("Map") {
            return false;
        }
        scope = machine.states[owner].scope;
    }
    false
}
