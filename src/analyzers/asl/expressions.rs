//! Where a state machine holds paths and intrinsic function calls (JSONPath states only):
//! the path fields, the `Variable` and `…Path` comparators of Choice rules, and every `.$` key
//! of a payload template (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`, …) at any
//! depth. `asl/path` and `asl/intrinsic-function` read this one list.

use super::field;
use crate::model::asl::{QueryLanguage, StateMachine};
use crate::parse::{Entry, Node, Value};

/// What a string must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Any path (`InputPath`, `OutputPath`).
    Path,
    /// A reference path; `$$` allowed or not (`ResultPath` writes, so not).
    Reference { context: bool },
    /// A path or an intrinsic function call (`ErrorPath`, `CausePath`, a `.$` value).
    PathOrCall,
}

/// One string to check.
pub struct Expression<'n> {
    pub node: &'n Node,
    /// The member holding it (for messages: its key).
    pub entry: &'n Entry,
    pub want: Want,
    pub locator: String,
    /// The state's name, for messages.
    pub state: &'n str,
}

const PATHS: [&str; 2] = ["InputPath", "OutputPath"];
const REFERENCES: [&str; 8] = [
    "ItemsPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
];
/// Payload templates of a state, and of objects it holds (`ItemReader.Parameters`).
const TEMPLATES: [&str; 5] = ["Parameters", "ResultSelector", "ItemSelector", "Credentials", "Assign"];

/// Every path and call of the machine's JSONPath states.
#[must_use]
pub fn expressions<'n>(machine: &StateMachine<'n>) -> Vec<Expression<'n>> {
    let mut out = Vec::new();
    for state in machine.states.iter().filter(|s| s.query_language == QueryLanguage::JsonPath) {
        let mut push = |entry: &'n Entry, want: Want, locator: String| {
            if !matches!(entry.value.value, Value::Null) {
                out.push(Expression { node: &entry.value, entry, want, locator, state: state.name });
            }
        };
        let node = state.node;
        for entry in node.unique_entries() {
            let key = &*entry.key;
            if PATHS.contains(&key) {
                push(entry, Want::Path, field(state, key));
            } else if key == "ResultPath" {
                push(entry, Want::Reference { context: false }, field(state, key));
            } else if REFERENCES.contains(&key) {
                push(entry, Want::Reference { context: true }, field(state, key));
            } else if state.type_name == Some("Fail") && matches!(key, "ErrorPath" | "CausePath") {
                push(entry, Want::PathOrCall, field(state, key));
            }
        }
        let mut templates: Vec<(&'n Node, String)> = TEMPLATES.iter().filter_map(|k| node.get(k).map(|v| (v, field(state, k)))).collect();
        for (holder, fields) in [("ItemReader", &["Parameters"][..]), ("ResultWriter", &["Parameters"]), ("ItemBatcher", &["BatchInput"])] {
            for inner in fields {
                if let Some(value) = node.get(holder).and_then(|h| h.get(inner)) {
                    templates.push((value, field(state, &format!("{holder}.{inner}"))));
                }
            }
        }
        for (holder, sub) in [("ItemReader", "ReaderConfig"), ("ItemBatcher", "")] {
            let Some(object) = node.get(holder) else { continue };
            let object = if sub.is_empty() { Some(object) } else { object.get(sub) };
            for entry in object.into_iter().flat_map(Node::unique_entries).filter(|e| e.key.ends_with("Path")) {
                let place = if sub.is_empty() { format!("{holder}.{}", entry.key) } else { format!("{holder}.{sub}.{}", entry.key) };
                push(entry, Want::Reference { context: true }, field(state, &place));
            }
        }
        for (i, catcher) in node.get("Catch").and_then(Node::as_array).unwrap_or(&[]).iter().enumerate() {
            if let Some(entry) = catcher.entry("ResultPath") {
                push(entry, Want::Reference { context: false }, field(state, &format!("Catch[{i}].ResultPath")));
            }
            if let Some(assign) = catcher.get("Assign") {
                templates.push((assign, field(state, &format!("Catch[{i}].Assign"))));
            }
        }
        if state.type_name == Some("Choice") {
            let mut rules: Vec<(&'n Node, String)> = node
                .get("Choices")
                .and_then(Node::as_array)
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .map(|(i, r)| (r, format!("Choices[{i}]")))
                .collect();
            while let Some((rule, path)) = rules.pop() {
                for entry in rule.unique_entries() {
                    let key = &*entry.key;
                    if key == "Variable" || (key.ends_with("Path") && key != "Path") {
                        push(entry, Want::Reference { context: true }, field(state, &format!("{path}.{key}")));
                    } else if key == "Assign" {
                        templates.push((&entry.value, field(state, &format!("{path}.Assign"))));
                    } else if matches!(key, "And" | "Or") {
                        rules.extend(
                            entry.value.as_array().unwrap_or(&[]).iter().enumerate().map(|(i, r)| (r, format!("{path}.{key}[{i}]"))),
                        );
                    } else if key == "Not" {
                        rules.push((&entry.value, format!("{path}.Not")));
                    }
                }
            }
        }
        // `.$` keys at any depth of the templates (explicit stack: depth comes from the input).
        while let Some((value, locator)) = templates.pop() {
            match &value.value {
                Value::Object(_) => {
                    for entry in value.unique_entries() {
                        let child = format!("{locator}.{}", crate::finding::locator_part(&entry.key));
                        if entry.key.ends_with(".$") {
                            push(entry, Want::PathOrCall, child);
                        } else {
                            templates.push((&entry.value, child));
                        }
                    }
                }
                Value::Array(items) => templates.extend(items.iter().enumerate().map(|(i, item)| (item, format!("{locator}[{i}]")))),
                _ => {}
            }
        }
    }
    out.retain(|e| !machine.unknown_value(e.node));
    out
}

/// Keys of one template object that collide once `.$` is removed (`x` and `x.$`), as pairs of
/// (kept, colliding) entries.
#[must_use]
pub fn stripped_duplicates(object: &Node) -> Vec<(&Entry, &Entry)> {
    let entries: Vec<&Entry> = object.unique_entries().collect();
    let mut out = Vec::new();
    for entry in entries.iter().filter(|e| e.key.ends_with(".$")) {
        let plain = &entry.key[..entry.key.len() - 2];
        if let Some(other) = entries.iter().find(|e| &*e.key == plain) {
            out.push((*other, *entry));
        }
    }
    out
}

/// Every object of the machine's payload templates (for [`stripped_duplicates`]), with locators.
#[must_use]
pub fn template_objects<'n>(machine: &StateMachine<'n>) -> Vec<(&'n Node, String)> {
    let mut out = Vec::new();
    for state in machine.states.iter().filter(|s| s.query_language == QueryLanguage::JsonPath) {
        let mut pending: Vec<(&'n Node, String)> =
            // `Credentials` is `asl/task-resource`'s (`RoleArn` or `RoleArn.$`).
            TEMPLATES.iter().filter(|k| **k != "Credentials").filter_map(|k| state.node.get(k).map(|v| (v, field(state, k)))).collect();
        while let Some((value, locator)) = pending.pop() {
            match &value.value {
                Value::Object(entries) => {
                    out.push((value, locator.clone()));
                    pending.extend(entries.iter().map(|e| (&e.value, format!("{locator}.{}", crate::finding::locator_part(&e.key)))));
                }
                Value::Array(items) => pending.extend(items.iter().enumerate().map(|(i, item)| (item, format!("{locator}[{i}]")))),
                _ => {}
            }
        }
    }
    out
}
