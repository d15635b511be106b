//! `sfn/failure-alarm`: no CloudWatch alarm of the file watches the state machine's failed
//! executions (`ExecutionsFailed`, `ExecutionsTimedOut`, `ExecutionThrottled` or
//! `ExecutionsAborted` of `AWS/States`
//! with its `StateMachineArn`). At the state machine. An alarm whose state machine the run
//! cannot tell (a parameter, an import, a search expression) may be it: no finding then.

use crate::analyzers::{Analyzer, Emitter};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::role::Alarm;

pub static ANALYZER: Analyzer = Analyzer { id: "sfn/failure-alarm", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(context) = model.artifact.machine.as_deref() else { return };
    if context.alarm != Alarm::None {
        return;
    }
    let scope = match context.dialect {
        crate::model::symbolic::Dialect::CloudFormation => "this template",
        crate::model::symbolic::Dialect::Terraform => "this configuration",
    };
    let message = format!(
        "no CloudWatch alarm of {scope} watches the failed executions of state machine `{}`: failures go unnoticed until someone looks",
        crate::finding::shortened(&context.resource, 80)
    );
    out.report_in(&context.file, context.at, "Alarm", message)
        .help("Add a CloudWatch alarm on `ExecutionsFailed` of namespace `AWS/States` with the dimension `StateMachineArn` set to this state machine's ARN (`!Ref` of it, `aws_sfn_state_machine.<name>.arn`).")
        .values(vec![context.resource.clone()])
        .emit();
}
