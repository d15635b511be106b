//! `sfn/role-missing-permission`: a Task (or the machine's logging) needs an action on a
//! resource that its execution role certainly does not allow: the role and every policy
//! attached to it are in the file, and no statement grants the action there (or a Deny takes it
//! away). What each integration needs comes from `data/sfn/permissions.yaml`; the help shows
//! the statements to add, from the same function as `deploylint policy`. One finding per
//! place that names a target, listing every action missing there.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::needs::Need;
use crate::model::role::{RoleBinding, Verdict};
use crate::source::Span;

pub static ANALYZER: Analyzer = Analyzer { id: "sfn/role-missing-permission", artifact: ArtifactKind::StateMachine, run };

/// Needs missing at one place: (state, place, the needs, a Deny that takes them away).
type Group<'v, 'n> = (Option<usize>, Option<Span>, Vec<&'v Need<'n>>, Option<crate::model::role::At>);

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let (Some(context), Some(access)) = (model.artifact.machine.as_deref(), model.access()) else { return };
    let RoleBinding::Known(role) = &context.role else { return };
    let Some(machine) = model.state_machine() else { return };
    // Missing needs grouped by the place that names their target, in order.
    let mut groups: Vec<Group<'_, '_>> = Vec::new();
    for (need, verdict) in access.each() {
        let denied = match verdict {
            Verdict::Missing => None,
            Verdict::Denied(at) => Some(at.clone()),
            _ => continue,
        };
        let place = need.place.map(|p| p.span);
        match groups.iter_mut().find(|(state, at, ..)| *state == need.state && *at == place) {
            Some((_, _, needs, deny)) => {
                if !needs.iter().any(|n| n.action.eq_ignore_ascii_case(&need.action) && n.target == need.target) {
                    needs.push(need);
                }
                *deny = deny.take().or(denied);
            }
            None => groups.push((need.state, place, vec![need], denied)),
        }
    }
    for (state, _, needs, denied) in groups {
        if out.is_full() {
            return;
        }
        let how = if denied.is_some() { "denies" } else { "does not allow" };
        let what = describe(&needs, context.dialect);
        let policy = crate::model::needs::policy(&needs, &|arn| super::spelling(arn, context.dialect));
        let statements: Vec<String> = policy.statement.iter().filter_map(|s| serde_json::to_string(s).ok()).collect();
        let help = format!("Add to one of the role's policies: {}", statements.join(", "));
        let actions: Vec<String> = needs.iter().map(|n| n.action.clone()).collect();
        let report = if let (Some(state), Some(place)) = (state, needs[0].place) {
            {
                let state = &machine.states[state];
                let message = format!(
                    "state `{}` calls {what}, which {} {how}: the task fails with an access denied error",
                    crate::finding::shortened(state.name, 80),
                    role.name,
                );
                let report = out.report(Place::Value(place), &state.path.render(), message);
                if place.as_str().is_some_and(|t| t.contains("${")) { report.without_subject() } else { report }
            }
        } else {
            {
                let message = format!(
                    "logging is configured, so Step Functions calls {what} with the machine's role, which {} {how}: creating the state machine fails",
                    role.name
                );
                out.report_in(&context.file, context.logging.unwrap_or(context.at), "Logging", message)
            }
        };
        let report = report.related_in(role.at.in_file(&context.file), role.at.span, "the role").values(actions).help(help);
        let report = match denied {
            Some(at) => report.related_in(at.in_file(&context.file), at.span, "the Deny"),
            None => report,
        };
        report.aws_code("AccessDeniedException").emit();
    }
}

/// `lambda:InvokeFunction` on `!GetAtt Ship.Arn`; several actions grouped by target.
fn describe(needs: &[&Need<'_>], dialect: crate::model::symbolic::Dialect) -> String {
    let mut by_target: Vec<(String, Vec<&str>)> = Vec::new();
    for need in needs {
        let target = super::target_text(&need.target, dialect);
        match by_target.iter_mut().find(|(t, _)| *t == target) {
            Some((_, actions)) => actions.push(&need.action),
            None => by_target.push((target, vec![&need.action])),
        }
    }
    let parts: Vec<String> = by_target
        .into_iter()
        .map(|(target, actions)| {
            let actions: Vec<String> = actions.iter().map(|a| format!("`{a}`")).collect();
            format!("{} on {target}", actions.join(", "))
        })
        .collect();
    parts.join("; ")
}
