//! Step Functions analyzers that read a state machine in its file's context: the role it runs
//! with against what its states call.

pub mod callback_sender_permission;
pub mod role_missing_permission;
pub mod role_overly_broad;
pub mod role_unverifiable;

use crate::model::Model;
use crate::model::needs::{Need, needs};
use crate::model::role::{MachineContext, Role, RoleBinding, Target, Verdict};
use crate::model::symbolic::Dialect;

/// Each need of the machine with the role's answer, when the machine has a context.
pub(crate) fn verdicts<'m>(model: &'m Model<'_, '_>) -> Option<(&'m MachineContext, Vec<(Need<'m>, Verdict)>)> {
    let context = model.artifact.machine.as_deref()?;
    let machine = model.state_machine()?;
    let needs = needs(machine, context);
    let verdicts = needs
        .into_iter()
        .map(|need| {
            let verdict = match &context.role {
                RoleBinding::Known(role) => verdict(role, &need),
                RoleBinding::Unseen { what, .. } => Verdict::Unknown(format!("the role is {what}")),
            };
            (need, verdict)
        })
        .collect();
    Some((context, verdicts))
}

fn verdict(role: &Role, need: &Need<'_>) -> Verdict {
    let verdict = role.allows(&need.action, &need.target);
    if let (Verdict::Missing, Some(depends)) = (&verdict, &need.depends_on) {
        return Verdict::Unknown(format!("whether it is needed depends on {depends}"));
    }
    match (&verdict, &need.unqualified) {
        // A grant on the function may or may not cover its alias or version.
        (Verdict::Missing, Some(function)) if role.allows(&need.action, &Target::Arn(function.clone())) != Verdict::Missing => {
            Verdict::Unknown("a statement grants the function, not the version or alias the state names".into())
        }
        _ => verdict,
    }
}

/// How a message names a target: as the file spells it where it can.
pub(crate) fn target_text(target: &Target, dialect: Dialect) -> String {
    match target {
        Target::RunTime => "whatever resource it names".into(),
        Target::Arn(arn) if crate::model::needs::named_at_run_time(target) => {
            format!("the resource named at run time (`{}`)", crate::finding::shortened(&arn.render_in(dialect), 120))
        }
        Target::Arn(arn) => {
            let text = match &arn.shown {
                Some(shown) => crate::analyzers::sfn::short_json(shown),
                None => arn.render_in(dialect),
            };
            format!("`{}`", crate::finding::shortened(&text, 160))
        }
    }
}

/// A CloudFormation intrinsic in its short YAML form where it has one (`!GetAtt Ship.Arn`).
pub(crate) fn short_json(value: &serde_json::Value) -> String {
    if let Some(text) = value.as_str() {
        return text.to_string();
    }
    if let Some(object) = value.as_object()
        && object.len() == 1
        && let Some((key, argument)) = object.iter().next()
    {
        match (key.as_str(), argument) {
            ("Fn::GetAtt", serde_json::Value::Array(parts)) if parts.len() == 2 => {
                return format!("!GetAtt {}.{}", parts[0].as_str().unwrap_or_default(), parts[1].as_str().unwrap_or_default());
            }
            ("Ref", serde_json::Value::String(name)) => return format!("!Ref {name}"),
            ("Fn::Sub", serde_json::Value::String(text)) => return format!("!Sub {text}"),
            _ => {}
        }
    }
    value.to_string()
}

/// A symbolic resource as a policy of the file would write it: the intrinsic that names it
/// where the file has one, plain text, or a `Fn::Sub` over the pseudo parameters and names.
pub(crate) fn spelling(arn: &crate::model::symbolic::Symbolic, dialect: Dialect) -> serde_json::Value {
    if let Some(shown) = &arn.shown {
        return shown.clone();
    }
    match (arn.as_text(), dialect) {
        (Some(text), _) => serde_json::Value::String(text),
        (None, Dialect::Terraform) => serde_json::Value::String(arn.render_in(dialect)),
        (None, Dialect::CloudFormation) => serde_json::json!({ "Fn::Sub": arn.render() }),
    }
}
