//! `asl/catcher`: Catchers' `ErrorEquals` (see [`super::retrier::check_error_lists`]) and the
//! types of their fields; a Catcher's `Next` is checked by `asl/transition`.

use super::fields;
use crate::analyzers::{Analyzer, Emitter};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/catcher", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    fields::report(model, ANALYZER.id, out);
    super::retrier::check_error_lists(model, "Catch", "Catcher", out);
}
