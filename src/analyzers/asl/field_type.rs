//! `asl/field-type`: see [`super::fields`], which judges every field once.

use super::fields;
use crate::analyzers::Analyzer;
use crate::extract::ArtifactKind;

pub static ANALYZER: Analyzer = Analyzer {
    id: fields::FIELD_TYPE,
    artifact: ArtifactKind::StateMachine,
    run: |model, out| fields::report(model, fields::FIELD_TYPE, out),
};
