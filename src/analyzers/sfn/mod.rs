//! Step Functions analyzers that read a state machine in its file's context: the role it runs
//! with against what its states call, the log group it logs to, the alarms that watch it.

pub mod callback_sender_permission;
pub mod failure_alarm;
pub mod fanout_exceeds_concurrency;
pub mod log_group_prefix;
pub mod role_missing_permission;
pub mod role_overly_broad;
pub mod role_unverifiable;

use crate::model::role::Target;
use crate::model::symbolic::Dialect;

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
