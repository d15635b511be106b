//! `iam/unknown-action`: an action its service does not have (`s3:GetObjects`), a wildcard
//! that matches none of its actions (`s3:Gett*`), or a value that is no `service:Action` at
//! all. The statement then grants (or denies) less than it says.

use super::Reading;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "iam/unknown-action", artifact: ArtifactKind::Policy, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let data_date = crate::data::iam::DATE;
    super::for_each_action(model, out, |out, data, node, text, route| {
        let shown = crate::finding::shortened(text, 120);
        if text.trim() != text && !matches!(super::read(data, text.trim()), Reading::UnknownAction { .. } | Reading::NotAnAction) {
            let message = format!("`{shown}` has spaces around it: IAM compares actions exactly, so it matches no action");
            out.report(Place::Value(node), route, message)
                .help(format!("Write `{}`.", text.trim()))
                .access_analyzer("INVALID_ACTION")
                .emit();
            return;
        }
        let (message, help) = match super::read(data, text) {
            Reading::NotAnAction => (
                format!("`{shown}` is not an action: actions are written `service:Action` (`states:StartExecution`), or `*`"),
                "Add the service prefix.".to_string(),
            ),
            Reading::UnknownAction { service, name } if name.contains(['*', '?']) => (
                format!("`{shown}` matches no action of {} (`{}`, IAM action data of {data_date})", service.name, service.prefix),
                format!("`deploylint` knows {} actions of `{}`; check the pattern's spelling.", service.actions().len(), service.prefix),
            ),
            Reading::UnknownAction { service, name } => {
                let close = crate::finding::suggestion(name, service.actions().iter().map(|a| a.name));
                match close {
                    Some(close) => (
                        format!(
                            "`{shown}`: {} has no action `{}`; did you mean `{}:{close}`?",
                            service.name,
                            crate::finding::shortened(name, 80),
                            service.prefix
                        ),
                        format!("Write `{}:{close}`.", service.prefix),
                    ),
                    None => (
                        format!(
                            "`{shown}`: {} has no action `{}` (IAM action data of {data_date})",
                            service.name,
                            crate::finding::shortened(name, 80)
                        ),
                        format!(
                            "See the actions of `{}` in the Service Authorization Reference; an action newer than the data needs a newer deploylint.",
                            service.prefix
                        ),
                    ),
                }
            }
            Reading::Known | Reading::UnknownService { .. } => return,
        };
        out.report(Place::Value(node), route, message).help(help).access_analyzer("INVALID_ACTION").emit();
    });
}
