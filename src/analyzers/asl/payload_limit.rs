//! `asl/payload-limit`: a static `Parameters`, `Arguments` or `Result` literal whose JSON comes
//! near the 256 KiB a state's input or output may hold (80 % by default, from the quota file):
//! with the data added at run time it fails with `States.DataLimitExceeded`. At the field.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/payload-limit", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let quotas = crate::data::quotas::quotas();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let threshold = (quotas.payload_bytes as f64 * quotas.payload_share) as usize;
    for state in &machine.states {
        for key in ["Parameters", "Arguments", "Result"] {
            let Some(entry) = state.node.entry(key) else { continue };
            let cap = quotas.payload_bytes * 2;
            let size = super::size::json_chars(&entry.value, cap);
            if size < threshold {
                continue;
            }
            if out.is_full() {
                return;
            }
            out.report(
                Place::Key(entry),
                &super::field(state, key),
                format!(
                    "`{key}` of {} is {} of static JSON, near or past the {} KiB a state's input or output may hold: with the data added at run time the state fails with `States.DataLimitExceeded`",
                    super::quoted(state.name),
                    if size > cap { format!("more than {} KiB", cap / 1024) } else { format!("{} KiB", size / 1024) },
                    quotas.payload_bytes / 1024
                ),
            )
            .help("Keep large static data in S3 (or a parameter store) and pass its location instead.")
            .emit();
        }
    }
}
