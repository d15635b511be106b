//! `asl/wait-fields`: a Wait state says how long to wait exactly one way (`Seconds`,
//! `Timestamp`, `SecondsPath` or `TimestampPath`; in JSONata `Seconds` or `Timestamp`, which may
//! be expressions), with a non-negative integer or an RFC 3339 timestamp. The maximum wait is the
//! limits pack's (`asl/wait-range`).

use super::{fields, is_timestamp, quoted};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/wait-fields", artifact: ArtifactKind::StateMachine, run };

const WAYS: [&str; 4] = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    fields::report(model, ANALYZER.id, out);
    let Some(machine) = model.state_machine() else { return };
    for state in machine.states.iter().filter(|s| s.type_name == Some("Wait")) {
        if out.is_full() {
            return;
        }
        let name = quoted(state.name);
        let given: Vec<_> = WAYS.iter().filter_map(|k| state.node.entry(k)).collect();
        match given.as_slice() {
            [] => out
                .report(Place::Key(state.entry), &state.path.render(), format!("Wait state {name} does not say how long to wait"))
                .help("Add one of `Seconds`, `Timestamp`, `SecondsPath` or `TimestampPath`.")
                .aws_code("SCHEMA_VALIDATION_FAILED")
                .emit(),
            [_] => {}
            [first, rest @ ..] => {
                for extra in rest {
                    out.report(
                        Place::Key(extra),
                        &super::field(state, &extra.key),
                        format!("Wait state {name} has both `{}` and `{}`: it must say how long to wait one way", first.key, extra.key),
                    )
                    .aws_code("SCHEMA_VALIDATION_FAILED")
                    .emit();
                }
            }
        }
        if let Some(entry) = state.node.entry("Timestamp")
            && let Some(text) = entry.value.as_str()
            && !machine.unknown_value(&entry.value)
            && !fields::is_expression(text)
            && !is_timestamp(text)
        {
            out.report(
                Place::Value(&entry.value),
                &super::field(state, "Timestamp"),
                format!("`Timestamp` of Wait state {name} is {}, which is not an RFC 3339 timestamp", quoted(text)),
            )
            .help("Write it as `2026-12-01T17:00:00Z`: date, an uppercase `T`, time, and `Z` or an offset such as `+01:00`.")
            .aws_code("SCHEMA_VALIDATION_FAILED")
            .emit();
        }
    }
}
