//! `iam/unknown-service`: an action whose service prefix no AWS service has (`s3:GetObject`
//! written `S3-:GetObject`, `stepfunctions:StartExecution` for `states:`). The statement then
//! grants (or denies) nothing, which surfaces at run time as `AccessDenied`.

use super::Reading;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "iam/unknown-service", artifact: ArtifactKind::Policy, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    super::for_each_action(model, out, |out, data, node, text, route| {
        let Reading::UnknownService { prefix } = super::read(data, text) else { return };
        // A misspelling, or an SDK client's name for the service (`bedrock-agent` is `bedrock`).
        let close = crate::finding::suggestion(prefix, data.services.iter().map(|s| s.prefix)).or_else(|| {
            let (head, _) = prefix.split_once('-')?;
            data.service(head).map(|s| s.prefix)
        });
        let shown = crate::finding::shortened(text, 120);
        let message = match close {
            Some(close) => {
                format!("`{shown}`: no AWS service has the prefix `{}`; did you mean `{close}`?", crate::finding::shortened(prefix, 60))
            }
            None => format!(
                "`{shown}`: no AWS service has the prefix `{}` (IAM action data of {})",
                crate::finding::shortened(prefix, 60),
                crate::data::iam::DATE
            ),
        };
        let mut report = out.report(Place::Value(node), route, message);
        if let Some(close) = close {
            let fixed = format!("{close}{}", &text[prefix.len()..]);
            report = report.help(format!("Write `{}`.", crate::finding::shortened(&fixed, 120)));
        } else {
            report = report.help("Use the service prefix of the Service Authorization Reference (`states`, `s3`, `lambda`, …).");
        }
        report.access_analyzer("INVALID_SERVICE_IN_ACTION").emit();
    });
}
