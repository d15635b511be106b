//! `sfn/role-unverifiable`: the state machine's role, or a policy attached to it, is outside
//! what the run sees (an ARN of another stack, a parameter, a customer managed policy named by
//! ARN), so whether it allows what the states call cannot be checked. One note per machine,
//! at the role or the policy, naming how many actions are left unchecked.

use crate::analyzers::{Analyzer, Emitter};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::role::{Boundary, RoleBinding, Verdict};

pub static ANALYZER: Analyzer = Analyzer { id: "sfn/role-unverifiable", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some((context, verdicts)) = super::verdicts(model) else { return };
    let mut unknown: Vec<&str> =
        verdicts.iter().filter(|(_, v)| matches!(v, Verdict::Unknown(_))).map(|(n, _)| n.action.as_str()).collect();
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
        RoleBinding::Unseen { at, what } => (
            *at,
            format!(
                "the role of state machine `{}` is {what}, outside what the run sees: whether it allows {} is not checked",
                crate::finding::shortened(&context.resource, 80),
                listed(&unknown)
            ),
        ),
        RoleBinding::Known(role) => {
            let unseen = role.unseen.first().map(|(at, what)| (*at, what.clone())).or_else(|| match &role.boundary {
                Some(Boundary::Unseen { at, what }) => Some((*at, format!("the permissions boundary {what}"))),
                _ => None,
            });
            // Unknowns from values known only at deploy time are not this rule's.
            let Some((at, what)) = unseen else { return };
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
    out.report_in(&context.file, at, "Role", message)
        .help("Run deploylint on the files that define the role and its policies together, or grant the actions in a policy this file defines.")
        .values(vec![context.resource.clone()])
        .emit();
}
