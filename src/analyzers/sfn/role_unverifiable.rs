//! `sfn/role-unverifiable`: the state machine's role, or a policy attached to it, is outside
//! what the run sees (an ARN of another stack, a parameter, a customer managed policy named by
//! ARN), so whether it allows what the states call cannot be checked. One note per machine,
//! at the role or the policy, naming the actions left unchecked. Also, once per machine, a
//! target named only at run time (`FunctionName.$`) whose action the role grants on specific
//! resources only.

use crate::analyzers::{Analyzer, Emitter};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::role::{At, Boundary, RoleBinding, Verdict};

pub static ANALYZER: Analyzer = Analyzer { id: "sfn/role-unverifiable", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let (Some(context), Some(access)) = (model.artifact.machine.as_deref(), model.access()) else { return };
    let mut unknown: Vec<&str> = access.each().filter(|(_, v)| matches!(v, Verdict::Unknown(_))).map(|(n, _)| n.action.as_str()).collect();
    unknown.sort_unstable();
    unknown.dedup();
    if unknown.is_empty() {
        return;
    }
    let listed = |actions: &[&str]| {
        let shown: Vec<String> = actions.iter().take(5).map(|a| format!("`{a}`")).collect();
        let more = if actions.len() > 5 { format!(" and {} more", actions.len() - 5) } else { String::new() };
        format!("{}{more}", shown.join(", "))
    };
    let (at, message) = match &context.role {
        RoleBinding::Generated => return,
        RoleBinding::Unseen { at, what } => (
            At::from(*at),
            format!(
                "the role of state machine `{}` is {what}, outside what the run sees: whether it allows {} is not checked",
                crate::finding::shortened(&context.resource, 80),
                listed(&unknown)
            ),
        ),
        RoleBinding::Known(role) => {
            let unseen = role.unseen.first().map(|(at, what)| (at.clone(), what.clone())).or_else(|| match &role.boundary {
                Some(Boundary::Unseen { at, what }) => Some((at.clone(), format!("the permissions boundary {what}"))),
                _ => None,
            });
            let Some((at, what)) = unseen else {
                run_time(model, role, access, out);
                return;
            };
            (
                at,
                format!(
                    "state machine `{}` runs with {}, and the run cannot read {what}: whether it allows {} is not checked",
                    crate::finding::shortened(&context.resource, 80),
                    role.name,
                    listed(&unknown)
                ),
            )
        }
    };
    out.report_in(at.in_file(&context.file), at.span, "Role", message)
        .help("Run deploylint on the files that define the role and its policies together, or grant the actions in a policy this file defines.")
        .values(vec![context.resource.clone()])
        .emit();
}

/// A target named only at run time (`FunctionName.$`) that the role grants on specific
/// resources only: whether the one named is among them is not checked. One note per machine,
/// at the first such value. (Other unknowns, values known only at deploy time, are not this
/// rule's.)
fn run_time(model: &Model<'_, '_>, role: &crate::model::role::Role, access: &crate::model::needs::Access<'_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    // A parameter named at run time (`.$`, a JSONata expression), not the resource of an AWS
    // SDK call, which this check does not derive from the call's parameters.
    let named_at_run_time = |need: &crate::model::needs::Need<'_>| {
        let resource = need.state.and_then(|s| machine.states[s].node.get("Resource"));
        need.place.is_some_and(|p| !resource.is_some_and(|r| std::ptr::eq(r, p)))
    };
    let unchecked: Vec<&crate::model::needs::Need<'_>> = access
        .each()
        .filter(|(need, verdict)| {
            crate::model::needs::named_at_run_time(&need.target)
                && need.depends_on.is_none()
                && matches!(verdict, Verdict::Unknown(_))
                && named_at_run_time(need)
        })
        .map(|(need, _)| need)
        .collect();
    let Some(first) = unchecked.first() else { return };
    let (Some(state), Some(place)) = (first.state, first.place) else { return };
    let state = &machine.states[state];
    let mut actions: Vec<&str> = unchecked.iter().map(|n| n.action.as_str()).collect();
    actions.dedup();
    let listed: Vec<String> = actions.iter().take(5).map(|a| format!("`{a}`")).collect();
    let message = format!(
        "state `{}` names its target at run time, and {} grants {} only on specific resources: whether they cover the one named is not checked",
        crate::finding::shortened(state.name, 80),
        role.name,
        listed.join(", ")
    );
    let report = out.report(crate::analyzers::Place::Value(place), &state.path.render(), message);
    let report = if place.as_str().is_some_and(|t| t.contains("${")) { report.without_subject() } else { report };
    report
        .help("Grant the action on every resource the state may name (a pattern such as `function:orders-*`), or name the target in the definition.")
        .values(actions.iter().map(|a| (*a).to_string()).collect())
        .emit();
}
