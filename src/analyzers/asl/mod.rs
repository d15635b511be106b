//! Analyzers of the Amazon States Language specification: what Step Functions would reject
//! when the definition is created or updated, at the place it would complain about.

pub mod no_terminal_state;
pub mod state_name;
pub mod transition;
pub mod unreachable_state;

use crate::model::asl::{ScopeId, State, StateMachine};
use crate::parse::Node;

/// A value supplied at deploy time: `${Name}` of SAM/CloudFormation `DefinitionSubstitutions`
/// or Terraform `templatefile()`. What it stands for is unknown here, so it is never an error.
#[must_use]
pub fn is_placeholder(text: &str) -> bool {
    text.contains("${")
}

/// The locator of a field of a state (`States.A.Retry[0]`).
#[must_use]
pub fn field(state: &State<'_>, field: &str) -> String {
    format!("{}.{field}", state.path.render())
}

/// A state's transitions, as the nodes that name their targets and the field they are in:
/// `Next`, Choice `Default` and `Choices[i].Next`, `Catch[i].Next`.
#[must_use]
pub fn transitions<'n>(state: &State<'n>) -> Vec<(&'n Node, String)> {
    let mut out = Vec::new();
    let node = state.node;
    if state.type_name == Some("Choice") {
        for (i, rule) in node.get("Choices").and_then(Node::as_array).unwrap_or(&[]).iter().enumerate() {
            if let Some(next) = rule.get("Next") {
                out.push((next, format!("Choices[{i}].Next")));
            }
        }
        if let Some(default) = node.get("Default") {
            out.push((default, "Default".to_string()));
        }
    } else if let Some(next) = node.get("Next") {
        out.push((next, "Next".to_string()));
    }
    for (i, catcher) in node.get("Catch").and_then(Node::as_array).unwrap_or(&[]).iter().enumerate() {
        if let Some(next) = catcher.get("Next") {
            out.push((next, format!("Catch[{i}].Next")));
        }
    }
    out
}

/// Whether a state ends its scope: `Succeed`, `Fail`, or `End: true`.
#[must_use]
pub fn is_terminal(state: &State<'_>) -> bool {
    matches!(state.type_name, Some("Succeed" | "Fail"))
        || matches!(state.node.get("End").map(|n| &n.value), Some(crate::parse::Value::Bool(true)))
}

/// The state types of the specification.
pub const STATE_TYPES: [&str; 8] = ["Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"];

/// The known name closest to `name`, when it is close enough to be a misspelling of it.
#[must_use]
pub fn suggestion<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let best = known
        .into_iter()
        .filter(|k| *k != name)
        .map(|k| (strsim::damerau_levenshtein(&name.to_lowercase(), &k.to_lowercase()), k))
        .min_by_key(|(distance, _)| *distance)?;
    let allowed = match name.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    (best.0 <= allowed).then_some(best.1)
}

/// Where a name that is not in `scope` is, if anywhere: the scope that has it.
#[must_use]
pub fn scope_with(machine: &StateMachine<'_>, name: &str) -> Option<ScopeId> {
    machine.states.iter().find(|s| s.name == name).map(|s| s.scope)
}

/// A scope in words: "the top level", "branch 1 of `P`", "the ItemProcessor of `M`".
#[must_use]
pub fn scope_name(machine: &StateMachine<'_>, scope: ScopeId) -> String {
    let scope = &machine.scopes[scope];
    let owner = scope.owner.map(|o| crate::finding::shortened(machine.states[o].name, 80).into_owned()).unwrap_or_default();
    match &scope.via {
        crate::model::asl::Via::Top => "the top level".to_string(),
        crate::model::asl::Via::Branch(i) => format!("branch {i} of `{owner}`"),
        crate::model::asl::Via::Processor(key) => format!("the {key} of `{owner}`"),
    }
}

/// A name for a message: shortened (a state name may be a megabyte long).
#[must_use]
pub fn quoted(name: &str) -> String {
    format!("`{}`", crate::finding::shortened(name, 80))
}
