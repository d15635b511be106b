//! `asl/retrier` and, through [`check_error_lists`], `asl/catcher`: `ErrorEquals` lists are
//! non-empty lists of error names, `States.ALL` stands alone and in the last entry; Retrier
//! fields have their types and ranges (from data/asl/fields.yaml).

use super::{fields, quoted};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::parse::Node;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/retrier", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    fields::report(model, ANALYZER.id, out);
    check_error_lists(model, "Retry", "Retrier", out);
}

/// The `ErrorEquals` checks of every entry of `field` (`Retry` or `Catch`) of every state.
pub fn check_error_lists(model: &Model<'_, '_>, field: &str, what: &str, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    for state in &machine.states {
        let Some(entries) = state.node.get(field).and_then(Node::as_array) else { continue };
        for (i, entry) in entries.iter().enumerate() {
            if out.is_full() {
                return;
            }
            let Some(list) = entry.get("ErrorEquals") else { continue };
            let locator = super::field(state, &format!("{field}[{i}].ErrorEquals"));
            let name = quoted(state.name);
            let Some(items) = list.as_array() else { continue };
            if items.is_empty() {
                out.report(
                    Place::Value(list),
                    &locator,
                    format!("{what} {i} of {name} has an empty `ErrorEquals`: it must name at least one error"),
                )
                .help("Name the errors to handle, such as `States.TaskFailed`, or `States.ALL` for every error.")
                .aws_code("SCHEMA_VALIDATION_FAILED")
                .emit();
                continue;
            }
            for item in items {
                if item.as_str().is_none() && !machine.unknown_value(item) {
                    out.report(
                        Place::Value(item),
                        &locator,
                        format!("`ErrorEquals` of {what} {i} of {name} must list error names (strings), not {}", item.type_name()),
                    )
                    .aws_code("SCHEMA_VALIDATION_FAILED")
                    .emit();
                }
            }
            let Some(all) = items.iter().find(|e| e.as_str() == Some("States.ALL")) else { continue };
            if items.len() > 1 {
                out.report(
                    Place::Value(all),
                    &locator,
                    format!("`States.ALL` in {what} {i} of {name} must be the only error of its `ErrorEquals`"),
                )
                .help("`States.ALL` already matches every error: remove the others, or move them to an entry before this one.")
                .aws_code("SCHEMA_VALIDATION_FAILED")
                .emit();
            } else if i + 1 < entries.len() {
                out.report(
                    Place::Value(all),
                    &locator,
                    format!("{what} {i} of {name} matches `States.ALL` but is not the last: the {what}s after it can never apply"),
                )
                .help(format!("Move the {what} with `States.ALL` to the end of `{field}`."))
                .aws_code("SCHEMA_VALIDATION_FAILED")
                .emit();
            }
        }
    }
}
