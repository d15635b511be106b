//! `sfn/log-group-prefix`: the CloudWatch Logs log group a state machine logs to has a name
//! that does not start with `/aws/vendedlogs/states/`. Step Functions adds each log group to
//! the account's CloudWatch Logs resource policy, limited to 5,120 characters; names under
//! `/aws/vendedlogs/` are covered by one entry, and `/aws/vendedlogs/states/` is the prefix AWS
//! advises for state machines. At the log group's name (or its resource,
//! when the name is generated), else at the destination's ARN. A name that starts with a value
//! known only at deploy time is left alone.

use crate::analyzers::{Analyzer, Emitter};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::role::LogGroupName;

pub static ANALYZER: Analyzer = Analyzer { id: "sfn/log-group-prefix", artifact: ArtifactKind::StateMachine, run };

/// The prefix AWS advises for state machine log groups (under `/aws/vendedlogs/`, which
/// CloudWatch Logs covers with one resource policy entry).
const VENDED: &str = "/aws/vendedlogs/states/";

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(context) = model.artifact.machine.as_deref() else { return };
    let Some(group) = &context.log_group else { return };
    let machine = crate::finding::shortened(&context.resource, 80);
    let named = match &group.resource {
        Some(resource) => format!("log group `{}`", crate::finding::shortened(resource, 80)),
        None => "a log group".to_string(),
    };
    let message = match &group.name {
        LogGroupName::Generated => {
            let (property, tool) = match context.dialect {
                crate::model::symbolic::Dialect::CloudFormation => ("LogGroupName", "CloudFormation"),
                crate::model::symbolic::Dialect::Terraform => ("name", "Terraform"),
            };
            format!("state machine `{machine}` logs to {named}, which has no `{property}`: the name {tool} generates is outside `{VENDED}`")
        }
        LogGroupName::Known { start, complete } if outside(start, *complete) => {
            let shown = if *complete {
                format!("`{}`", crate::finding::shortened(start, 120))
            } else {
                format!("`{}…`", crate::finding::shortened(start, 120))
            };
            format!("state machine `{machine}` logs to {named}, named {shown}, outside `{VENDED}`")
        }
        LogGroupName::Known { .. } => return,
    };
    out.report_in(group.at.in_file(&context.file), group.at.span, "LogGroup", message)
        .help("Name the log group `/aws/vendedlogs/states/<name>`: each log group outside `/aws/vendedlogs/` adds to the account's CloudWatch Logs resource policy, which deployments fail to update once it reaches 5,120 characters, and `/aws/vendedlogs/states/` is the prefix AWS advises for state machines.")
        .values(vec![context.resource.clone()])
        .emit();
}

/// Whether a name (or the start of one, when not `complete`) is certainly outside the prefix.
fn outside(start: &str, complete: bool) -> bool {
    if start.starts_with(VENDED) {
        return false;
    }
    complete || !VENDED.starts_with(start)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_outside_the_prefix() {
        assert!(super::outside("/aws/states/flow", true));
        assert!(super::outside("/aws/states/", false), "no name that starts so is under the prefix");
        assert!(!super::outside("/aws/vendedlogs/states/flow", true));
        assert!(super::outside("/aws/vendedlogs/flow", true));
        assert!(!super::outside("/aws/vended", false), "the rest is known only at deploy time");
        assert!(!super::outside("", false));
        assert!(super::outside("", true));
    }
}
