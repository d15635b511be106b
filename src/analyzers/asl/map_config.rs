//! `asl/map-config`: a Map state has exactly one of `ItemProcessor` and `Iterator`, gives each
//! setting at most one way (`Parameters` or `ItemSelector`, a number or its `…Path`), and its
//! processor, reader, batcher and writer fields have their types and values.

use super::{exclusive, exclusive_in, fields, quoted};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/map-config", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    fields::report(model, ANALYZER.id, out);
    let Some(machine) = model.state_machine() else { return };
    for state in machine.states.iter().filter(|s| s.type_name == Some("Map")) {
        if out.is_full() {
            return;
        }
        let name = quoted(state.name);
        match (state.node.entry("ItemProcessor"), state.node.entry("Iterator")) {
            (None, None) => out
                .report(Place::Key(state.entry), &state.path.render(), format!("Map state {name} has neither `ItemProcessor` nor `Iterator`: it has nothing to run for each item"))
                .help("Add an `ItemProcessor` with the `StartAt` and `States` to run for each item.")
                .aws_code("SCHEMA_VALIDATION_FAILED")
                .emit(),
            (Some(_), Some(iterator)) => out
                .report(Place::Key(iterator), &super::field(state, "Iterator"), format!("Map state {name} has both `ItemProcessor` and `Iterator`: `Iterator` is the older name of `ItemProcessor`, keep one"))
                .aws_code("SCHEMA_VALIDATION_FAILED")
                .emit(),
            _ => {}
        }
        for pair in [
            ["ItemSelector", "Parameters"],
            ["MaxConcurrency", "MaxConcurrencyPath"],
            ["ToleratedFailurePercentage", "ToleratedFailurePercentagePath"],
            ["ToleratedFailureCount", "ToleratedFailureCountPath"],
        ] {
            exclusive(state, pair, out);
        }
        let base = state.path.render();
        if let Some(config) = state.node.get("ItemReader").and_then(|r| r.get("ReaderConfig")) {
            exclusive_in(
                config,
                &format!("{base}.ItemReader.ReaderConfig"),
                &format!("`ItemReader.ReaderConfig` of {name}"),
                ["MaxItems", "MaxItemsPath"],
                out,
            );
        }
        if let Some(batcher) = state.node.get("ItemBatcher") {
            let what = format!("`ItemBatcher` of {name}");
            exclusive_in(batcher, &format!("{base}.ItemBatcher"), &what, ["MaxItemsPerBatch", "MaxItemsPerBatchPath"], out);
            exclusive_in(batcher, &format!("{base}.ItemBatcher"), &what, ["MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"], out);
        }
    }
}
