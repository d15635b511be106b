//! `asl/definition-size`: a definition longer than Step Functions accepts (1,048,576
//! characters), counted as it is sent: the text of a definition held as a string (a
//! `DefinitionString`, a Terraform attribute, a definition file), compact JSON of one written as
//! an object in a template. At the definition's first character.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/definition-size", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let artifact = model.artifact;
    let limit = crate::data::quotas::quotas().definition_characters;
    let root = &artifact.root;
    let size = match &artifact.embedded {
        // Characters are at most bytes: a shorter text cannot pass the limit.
        Some(embedded) if embedded.text.len() <= limit => return,
        Some(embedded) => embedded.text.chars().count(),
        // A JSON definition file on its own is sent as written.
        None if artifact.resource.is_none() && artifact.source.text.trim_start().starts_with('{') => {
            let text = artifact.source.text.get(root.span.start()..root.span.end()).unwrap_or_default();
            if text.len() <= limit {
                return;
            }
            text.chars().count()
        }
        // An object (a template's `Definition`, a YAML file, YAML aliases and all): as the
        // compact JSON it is sent as.
        None => super::size::json_chars(root, limit),
    };
    if size <= limit {
        return;
    }
    // At the definition's first key (a whole-document span would cover the file).
    let place = root.as_object().and_then(<[_]>::first).map_or(Place::Value(root), Place::Key);
    out.report(
        place,
        "",
        format!("the definition is longer than the {limit} characters Step Functions accepts: creating or updating the state machine fails"),
    )
    .label("Definition larger than Step Functions accepts")
    .help("Move large static data out of the definition (into the input, S3 or a parameter store) and split the workflow into child state machines.")
    .aws_code("InvalidDefinition")
    .emit();
}
