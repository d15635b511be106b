//! Analyzers of the Amazon States Language specification: what Step Functions would reject
//! when the definition is created or updated, at the place it would complain about.

pub mod catch_fallback;
pub mod catcher;
pub mod choice_rule;
pub mod definition_size;
pub mod express_duration;
pub mod express_integration_pattern;
pub mod expressions;
pub mod fail_fields;
pub mod field_not_allowed;
pub mod field_type;
pub mod fields;
pub mod heartbeat_misuse;
pub mod intrinsic_function;
pub mod jsonata;
pub mod map_concurrency;
pub mod map_config;
pub mod missing_field;
pub mod no_terminal_state;
pub mod path;
pub mod payload_limit;
pub mod retrier;
pub mod retries;
pub mod retry_backoff;
pub mod retry_order;
pub mod size;
pub mod state_name;
pub mod task_resource;
pub mod task_retry;
pub mod task_timeout;
pub mod timeout_fields;
pub mod transition;
pub mod unbounded_loop;
pub mod unknown_field;
pub mod unreachable_state;
pub mod variable;
pub mod wait_fields;
pub mod wait_range;

use crate::model::asl::{ScopeId, State, StateMachine};
use crate::parse::Node;

/// A value supplied at deploy time: a `${Name}` of SAM/CloudFormation `DefinitionSubstitutions`
/// or Terraform `templatefile()`. What it stands for is unknown here, so it is never an error.
/// (`${name` with no closing brace is no placeholder.)
#[must_use]
pub fn is_placeholder(text: &str) -> bool {
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        let after = &rest[open + 2..];
        match after.find('}') {
            Some(close) if close > 0 && !after[..close].contains("${") => return true,
            Some(_) => rest = after,
            None => return false,
        }
    }
    false
}

/// Reports the second of two fields of a state that exclude each other, when both are there.
pub fn exclusive(state: &State<'_>, fields: [&str; 2], out: &mut crate::analyzers::Emitter<'_, '_>) {
    exclusive_in(state.node, &state.path.render(), &format!("state {}", quoted(state.name)), fields, out);
}

/// [`exclusive`] for any object: `locator` is the object's, `what` names it in the message.
pub fn exclusive_in(node: &Node, locator: &str, what: &str, fields: [&str; 2], out: &mut crate::analyzers::Emitter<'_, '_>) {
    let (Some(_), Some(second)) = (node.entry(fields[0]), node.entry(fields[1])) else { return };
    out.report(
        crate::analyzers::Place::Key(second),
        &format!("{locator}.{}", fields[1]),
        format!("{what} has both `{}` and `{}`: it may have only one", fields[0], fields[1]),
    )
    .help(format!("Keep one of `{}` and `{}`.", fields[0], fields[1]))
    .aws_code("SCHEMA_VALIDATION_FAILED")
    .emit();
}

/// An RFC 3339 timestamp as Step Functions takes it: `2026-12-01T12:00:00Z`, with an uppercase
/// `T`, optional fractional seconds, and `Z` or a numeric offset.
#[must_use]
pub fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        (!part.is_empty() && part.bytes().all(|c| c.is_ascii_digit())).then(|| part.parse().ok())?
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (digits(0..4), digits(5..7), digits(8..10), digits(11..13), digits(14..16), digits(17..19))
    else {
        return false;
    };
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return false;
        }
        rest = &fraction[len..];
    }
    match rest.as_bytes() {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') < 24
                && (m1 - b'0') * 10 + (m2 - b'0') < 60
        }
        _ => false,
    }
}

/// A Task's `Resource` as text: a string, or what a `Fn::Sub` or `Fn::Join` spells (with
/// `${…}` for what only the deploy knows), so `!Sub arn:…:activity:a` is an activity.
#[must_use]
pub fn resource_text(node: &Node) -> Option<std::borrow::Cow<'_, str>> {
    match node.as_str() {
        Some(text) => Some(std::borrow::Cow::Borrowed(text)),
        None => crate::extract::intrinsic_text(node).map(std::borrow::Cow::Owned),
    }
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

pub use crate::finding::suggestion;

/// The scope of every state name (the first, for a name used twice): where a name that is not
/// in a scope is, if anywhere.
#[must_use]
pub fn scopes_by_name<'n>(machine: &StateMachine<'n>) -> std::collections::HashMap<&'n str, ScopeId> {
    let mut out = std::collections::HashMap::with_capacity(machine.states.len());
    for state in &machine.states {
        out.entry(state.name).or_insert(state.scope);
    }
    out
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
