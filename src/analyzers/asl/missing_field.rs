//! `asl/missing-field`: see [`super::fields`], which judges every field once.

use super::fields;
use crate::analyzers::Analyzer;
use crate::extract::ArtifactKind;

pub static ANALYZER: Analyzer = Analyzer {
    id: fields::MISSING_FIELD,
    artifact: ArtifactKind::StateMachine,
    run: |model, out| fields::report(model, fields::MISSING_FIELD, out),
};
