//! `sfn/callback-sender-permission`: a `.waitForTaskToken` task hands its token to a function
//! (Lambda invoke) or a queue (SQS send) of the same file, and the role of that function, or of
//! the function that consumes the queue, certainly lacks `states:SendTaskSuccess` or
//! `states:SendTaskFailure` (and `states:SendTaskHeartbeat` when the task sets
//! `HeartbeatSeconds`): the token can never come back, and the execution waits until the
//! task's timeout. A note, at the value naming the function or queue; not when another role of
//! the file may answer (human approval flows hand the token on).

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::role::{RoleBinding, Target, Verdict};
use crate::model::symbolic::{Tri, covers};

pub static ANALYZER: Analyzer = Analyzer { id: "sfn/callback-sender-permission", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(context) = model.artifact.machine.as_deref() else { return };
    if context.senders.is_empty() {
        return;
    }
    let (Some(machine), Some(access)) = (model.state_machine(), model.access()) else { return };
    let mut done: Vec<usize> = Vec::new();
    for need in &access.needs {
        let (Some(state_id), Some(place), Target::Arn(target)) = (need.state, need.place, &need.target) else { continue };
        let state = &machine.states[state_id];
        let callback = state.node.get_str("Resource").is_some_and(|r| {
            matches!(
                crate::model::asl::Invocation::of(r),
                crate::model::asl::Invocation::Integration { pattern: crate::model::asl::Pattern::Callback, .. }
            )
        });
        if !callback || done.contains(&state_id) || !matches!(need.action.as_str(), "lambda:InvokeFunction" | "sqs:SendMessage") {
            continue;
        }
        let Some(sender) = context.senders.iter().find(|s| covers(&s.target, target) == Tri::Yes && covers(target, &s.target) == Tri::Yes)
        else {
            continue;
        };
        let RoleBinding::Known(role) = &sender.role else { continue };
        // Another role of the file may answer (an approval function, an API's role): the
        // function that receives the token is then not the one that sends it back.
        if context.answerers.iter().any(|a| *a != role.name) {
            continue;
        }
        let mut actions = vec!["states:SendTaskSuccess", "states:SendTaskFailure"];
        if state.node.get("HeartbeatSeconds").is_some() || state.node.get("HeartbeatSecondsPath").is_some() {
            actions.push("states:SendTaskHeartbeat");
        }
        let missing: Vec<&str> = actions.into_iter().filter(|a| role.allows(a, &Target::RunTime) == Verdict::Missing).collect();
        if missing.is_empty() || out.is_full() {
            continue;
        }
        done.push(state_id);
        let listed: Vec<String> = missing.iter().map(|a| format!("`{a}`")).collect();
        let message = format!(
            "state `{}` waits for a task token that {} sends back, and {} does not allow {}: the execution waits until the task times out",
            crate::finding::shortened(state.name, 80),
            sender.name,
            role.name,
            listed.join(", ")
        );
        let report = out.report(Place::Value(place), &state.path.render(), message);
        let report = if place.as_str().is_some_and(|t| t.contains("${")) { report.without_subject() } else { report };
        report
            .related_in(&context.file, sender.at, "the sender")
            .related_in(role.at.in_file(&context.file), role.at.span, "its role")
            .values(missing.iter().map(|a| (*a).to_string()).collect())
            .help(format!(
                "Grant the sender {} on `*` (the tokens' resource), e.g. with the SAM policy template `StepFunctionsCallbackPolicy`.",
                listed.join(", ")
            ))
            .emit();
    }
}
