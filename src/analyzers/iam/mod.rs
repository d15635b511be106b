//! IAM analyzers: what a policy's grammar and the action data say, over the policy view
//! ([`crate::model::iam`]) of every policy the pipeline extracts (standalone, in templates, in
//! plans).

pub mod arn;
pub mod condition;
pub mod condition_key;
pub mod policy_element;
pub mod policy_size;
pub mod privilege_escalation;
pub mod sid;
pub mod statement_element;
pub mod unknown_action;
pub mod unknown_service;

use crate::analyzers::Emitter;
use crate::data::iam::{Actions, Service};
use crate::extract::Intrinsics;
use crate::model::Model;
use crate::parse::{Node, Value};

/// An action as a policy writes it, read against the action data.
pub enum Reading<'d> {
    /// `*`, a known action, or a wildcard that matches some.
    Known,
    /// No `service:` prefix at all.
    NotAnAction,
    /// A prefix no service has.
    UnknownService { prefix: &'d str },
    /// A known service without this action (or a wildcard that matches none of its actions).
    UnknownAction { service: &'d Service, name: &'d str },
}

/// Reads one action value. Text that only deploy time knows (`${…}`) is taken as known.
#[must_use]
pub fn read<'d>(data: &'d Actions, text: &'d str) -> Reading<'d> {
    if text == "*" || text.contains("${") {
        return Reading::Known;
    }
    let Some((prefix, name)) = text.split_once(':') else { return Reading::NotAnAction };
    if prefix.contains(['*', '?']) {
        return if data.matching(text).next().is_some() { Reading::Known } else { Reading::UnknownService { prefix } };
    }
    let Some(service) = data.service(prefix) else { return Reading::UnknownService { prefix } };
    let known = if name.contains(['*', '?']) {
        service.actions().iter().any(|a| crate::data::iam::glob_match(name, a.name))
    } else {
        service.action(name).is_some()
    };
    if known { Reading::Known } else { Reading::UnknownAction { service, name } }
}

/// Calls `check` with every action value of the artifact's policy (`Action` and `NotAction`
/// of every statement, plain text only: intrinsic functions are left to deploy time), its
/// route (`Statement[0].Action`) and the action data, which is read only if there is a value.
/// Stops once the rule is full.
pub fn for_each_action(
    model: &Model<'_, '_>,
    out: &mut Emitter<'_, '_>,
    mut check: impl FnMut(&mut Emitter<'_, '_>, &'static Actions, &Node, &str, &str),
) {
    let Some(policy) = model.policy() else { return };
    let mut data = None;
    for statement in &policy.statements {
        for element in statement.action.iter().chain(&statement.not_action) {
            let route = format!("{}.{}", statement.path, element.entry.key);
            for (node, text) in element.strings() {
                if out.is_full() {
                    return;
                }
                let data = *data.get_or_insert_with(crate::data::iam::actions);
                check(out, data, node, text, &route);
            }
        }
    }
}

/// Whether only deploy time knows a value: an intrinsic function (`!Ref`, `!GetAtt`, `!Sub`),
/// or text with a `${…}` placeholder.
#[must_use]
pub fn deploy_time(node: &Node) -> bool {
    node.intrinsic().is_some() || matches!(&node.value, Value::String(s) if s.contains("${"))
}

/// `an object`, `a string`, … for messages.
#[must_use]
pub fn a(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
        Value::Tagged(..) => "a tagged value",
    }
}
