//! `asl/task-resource`: a Task's `Resource` is an ARN Step Functions can run: an optimized
//! integration (`arn:aws:states:::<service>:<action>` with a pattern the service offers), an AWS
//! SDK integration (`arn:aws:states:::aws-sdk:<service>:<action>`), an HTTP Task, a Lambda
//! function or an activity; and its `Credentials` name one role. Services and their patterns
//! come from data/asl/integrations.yaml.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{exclusive_in, fields, is_placeholder, quoted};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::finding::Severity;
use crate::model::Model;
use crate::model::asl::State;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/task-resource", artifact: ArtifactKind::StateMachine, run };

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Integrations {
    services: BTreeMap<String, Service>,
    aws_sdk_patterns: Vec<Pattern>,
    http_patterns: Vec<Pattern>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Service {
    name: String,
    patterns: Vec<Pattern>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Pattern {
    Request,
    Sync,
    Sync2,
    Callback,
}

impl Pattern {
    fn spelling(self) -> &'static str {
        match self {
            Pattern::Request => "request-response (no suffix)",
            Pattern::Sync => "`.sync`",
            Pattern::Sync2 => "`.sync:2`",
            Pattern::Callback => "`.waitForTaskToken`",
        }
    }

    fn list(patterns: &[Pattern]) -> String {
        patterns.iter().map(|p| p.spelling()).collect::<Vec<_>>().join(", ")
    }
}

fn integrations() -> Option<&'static Integrations> {
    static DATA: OnceLock<Option<Integrations>> = OnceLock::new();
    DATA.get_or_init(|| serde_json::from_str(crate::data::json("asl/integrations.yaml")?).ok()).as_ref()
}

/// What is wrong with a `Resource`, if anything: the message, and whether it is only a warning
/// (a form deploylint does not know, which Step Functions may still accept).
fn judge(resource: &str, data: &Integrations) -> Option<(String, bool)> {
    if let Some(open) = resource.find("${")
        && !resource[open..].contains('}')
    {
        return Some((format!("`Resource` {} opens a `${{` placeholder that is not closed", quoted(resource)), false));
    }
    // A placeholder may stand for any part: such parts are not judged.
    let masked = mask_placeholders(resource);
    let parts: Vec<&str> = masked.split(':').collect();
    let unknown = |p: &str| p.contains('\0');
    let partition_ok = |p: &str| {
        unknown(p)
            || p == "aws"
            || (p.starts_with("aws-") && p[4..].split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())))
    };
    if parts.first() != Some(&"arn") || parts.len() < 6 {
        return Some((
            format!(
                "`Resource` {} is not an ARN: a Task runs an integration (`arn:aws:states:::…`), a Lambda function or an activity",
                quoted(resource)
            ),
            true,
        ));
    }
    if !partition_ok(parts[1]) {
        return Some((format!("`Resource` {} has an unknown partition `{}`", quoted(resource), parts[1]), false));
    }
    match (parts[2], parts[3], parts[4]) {
        ("states", _, _) if parts[5] == "activity" => (parts.len() != 7 || parts[6].is_empty()).then(|| {
            (format!("`Resource` {} is not an activity ARN (`arn:aws:states:<region>:<account>:activity:<name>`)", quoted(resource)), false)
        }),
        // Region and account are usually left empty (the workflow's own), but may be given.
        ("states", _, _) => integration(resource, &parts[5..], data),
        ("lambda", _, _) if parts[5] == "function" => {
            let name_ok = |s: &str| unknown(s) || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            let qualifier_ok = |s: &str| unknown(s) || s == "$LATEST" || name_ok(s);
            let ok = match &parts[6..] {
                [name] => name_ok(name),
                [name, qualifier] => name_ok(name) && qualifier_ok(qualifier),
                _ => false,
            };
            (!ok).then(|| {
                (
                    format!(
                        "`Resource` {} is not a Lambda function ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>]`)",
                        quoted(resource)
                    ),
                    false,
                )
            })
        }
        _ => Some((
            format!(
                "`Resource` {} is not a Task resource Step Functions knows (an integration, a Lambda function or an activity)",
                quoted(resource)
            ),
            true,
        )),
    }
}

/// `${…}` placeholders replaced by a NUL each, so that `:` inside them splits nothing.
fn mask_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        match rest[open..].find('}') {
            Some(close) => {
                out.push_str(&rest[..open]);
                out.push('\0');
                rest = &rest[open + close + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// `arn:…:states:::` followed by `parts`: `<service>:<action>[.pattern]`, `aws-sdk:<service>:<action>`, `http:invoke`.
fn integration(resource: &str, parts: &[&str], data: &Integrations) -> Option<(String, bool)> {
    let unknown = |p: &str| p.contains('\0');
    let (service, rest) = parts.split_first()?;
    if unknown(service) {
        return None;
    }
    let (allowed, offered_by): (&[Pattern], String) = match *service {
        "aws-sdk" => {
            if rest.len() < 2 || rest.iter().any(|p| p.is_empty()) {
                return Some((
                    format!(
                        "`Resource` {} is not an AWS SDK integration (`arn:aws:states:::aws-sdk:<service>:<action>`)",
                        quoted(resource)
                    ),
                    false,
                ));
            }
            (&data.aws_sdk_patterns, "AWS SDK integrations do".to_string())
        }
        "http" => (&data.http_patterns, "the HTTP Task does".to_string()),
        other => match data.services.get(other) {
            Some(known) => (&known.patterns, format!("{} does", known.name)),
            None => {
                return Some((
                    format!(
                        "`Resource` {} names `{other}`, which is not an optimized integration deploylint knows; other services are called as `arn:aws:states:::aws-sdk:{other}:<action>`",
                        quoted(resource)
                    ),
                    true,
                ));
            }
        },
    };
    let action_parts = if *service == "aws-sdk" { &rest[1..] } else { rest };
    let (action, pattern) = match action_parts {
        [action] => split_pattern(action)?,
        [action, "2"] if let Some(action) = action.strip_suffix(".sync") => (action, Some("sync:2")),
        _ => return Some((format!("`Resource` {} has more parts than an integration ARN", quoted(resource)), false)),
    };
    if action.is_empty() || (*service == "http" && action != "invoke" && !unknown(action)) {
        return Some((format!("`Resource` {} names no action of `{service}`", quoted(resource)), false));
    }
    let pattern = match pattern {
        None => Pattern::Request,
        Some("sync") => Pattern::Sync,
        Some("sync:2") => Pattern::Sync2,
        Some("waitForTaskToken") => Pattern::Callback,
        Some(other) => {
            return Some((
                format!(
                    "`Resource` {} ends in `.{other}`, which is no integration pattern (`.sync`, `.sync:2`, `.waitForTaskToken`)",
                    quoted(resource)
                ),
                false,
            ));
        }
    };
    (!allowed.contains(&pattern)).then(|| {
        (
            format!(
                "{offered_by} not offer {} (`Resource` {}); it offers {}",
                pattern.spelling(),
                quoted(resource),
                Pattern::list(allowed)
            ),
            false,
        )
    })
}

fn split_pattern(action: &str) -> Option<(&str, Option<&str>)> {
    if action.contains('\0') {
        return None;
    }
    Some(match action.split_once('.') {
        Some((action, pattern)) => (action, Some(pattern)),
        None => (action, None),
    })
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    fields::report(model, ANALYZER.id, out);
    let (Some(machine), Some(data)) = (model.state_machine(), integrations()) else { return };
    for state in machine.states.iter().filter(|s| s.type_name == Some("Task")) {
        if out.is_full() {
            return;
        }
        credentials(state, out);
        let Some(node) = state.node.get("Resource") else { continue };
        let Some(resource) = node.as_str() else { continue };
        if is_placeholder(resource) && !machine.unknown_text(resource) {
            // The template says what `${…}` stand for, and not this one: it is deployed as written.
            out.report(
                Place::Value(node),
                &super::field(state, "Resource"),
                format!("`Resource` {} holds a `${{…}}` that the template's `DefinitionSubstitutions` does not give: it is deployed as written, and that is no ARN", quoted(resource)),
            )
            .help("Add the name to `DefinitionSubstitutions` (a map of names to values), or write the ARN.")
            .aws_code("INVALID_RESOURCE")
            .emit();
        } else if !(is_placeholder(resource) && mask_placeholders(resource) == "\0")
            && let Some((message, warning)) = judge(resource, data)
        {
            let mut report = out.report(Place::Value(node), &super::field(state, "Resource"), message).aws_code("INVALID_RESOURCE");
            if warning {
                report = report.severity(Severity::Warning);
            }
            report.emit();
        }
    }
}

fn credentials(state: &State<'_>, out: &mut Emitter<'_, '_>) {
    let Some(credentials) = state.node.get("Credentials").filter(|c| c.as_object().is_some()) else { return };
    let locator = super::field(state, "Credentials");
    let what = format!("`Credentials` of {}", quoted(state.name));
    exclusive_in(credentials, &locator, &what, ["RoleArn", "RoleArn.$"], out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        let data = integrations().unwrap();
        let ok = [
            "arn:aws:states:::lambda:invoke",
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "arn:aws-cn:states:::states:startExecution.sync:2",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
            "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
            "arn:aws:states:us-east-1:123456789012:activity:review",
            "arn:aws:states:::aws-sdk:s3:listObjectsV2",
            "arn:aws:states:::aws-sdk:sfn:startExecution.waitForTaskToken",
            "arn:aws:states:::http:invoke",
            "arn:${AWS::Partition}:states:::glue:startJobRun.sync",
            "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Name}",
            "arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject",
        ];
        for resource in ok {
            assert_eq!(judge(resource, data), None, "{resource}");
        }
        let errors = [
            "arn:aws:states:::sns:publish.sync",
            "arn:aws:states:::lambda:invoke.sync",
            "arn:aws:states:::aws-sdk:s3:listObjectsV2.sync",
            "arn:aws:states:::glue:startJobRun.waitForTaskTokens",
            "arn:aws:lambda:region-1:1234567890:function:FUNCTION_NAME:",
            "arn:aws:lambda:region-1:1234567890:function:FUNCTION_NAME:$*#$7485",
            "${lambdaArn",
        ];
        for resource in errors {
            assert!(matches!(judge(resource, data), Some((_, false))), "{resource}: {:?}", judge(resource, data));
        }
        for resource in ["foo:bar", "arn:aws:swf:us-east-1:123456789012:task:X", "arn:aws:states:::s4:getObject"] {
            assert!(matches!(judge(resource, data), Some((_, true))), "{resource}");
        }
    }
}
