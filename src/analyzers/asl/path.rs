//! `asl/path`: every path of a JSONPath state parses in Step Functions' dialect (see
//! [`crate::lang::jsonpath`]); fields that name one node hold reference paths, and
//! `ResultPath` does not write into the context object; every `.$` key of a payload template
//! holds a path or an intrinsic function call, and no two keys collide once `.$` is removed.

use super::expressions::{Want, expressions, stripped_duplicates, template_objects};
use super::quoted;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::lang::{intrinsic, jsonpath};
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/path", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    for expression in expressions(machine) {
        if out.is_full() {
            return;
        }
        let key = &*expression.entry.key;
        let state = quoted(expression.state);
        let Some(text) = expression.node.as_str() else {
            if key.ends_with(".$") {
                out.report(
                    Place::Value(expression.node),
                    &expression.locator,
                    format!("`{key}` in {state} must hold a path or an intrinsic function call, not {}", expression.node.type_name()),
                )
                .help(format!("For a fixed value, drop `.$` from the key: `{}`.", key.trim_end_matches(".$")))
                .aws_code("SCHEMA_VALIDATION_FAILED")
                .emit();
            }
            continue;
        };
        if expression.want == Want::PathOrCall && intrinsic::looks_like_call(text) {
            continue;
        }
        let place = |e: &jsonpath::Error| Place::InString { node: expression.node, start: e.start, end: e.end };
        match jsonpath::parse(text) {
            Err(error) => {
                let mut message = format!("`{key}` of {state} is not a valid path: {}", error.message);
                let mut help = None;
                if expression.want == Want::PathOrCall && !text.starts_with('$') {
                    message = format!("`{key}` of {state} is neither a path (`$…`) nor an intrinsic function call (`States.…`)");
                    help = Some(if text.trim_start().starts_with("States.") || text.trim_start().starts_with('$') {
                        "Remove the leading spaces.".to_string()
                    } else if key.ends_with(".$") {
                        format!("For a fixed value, drop `.$` from the key: `{}`.", key.trim_end_matches(".$"))
                    } else {
                        "Write a path starting with `$`.".to_string()
                    });
                }
                let mut report = out.report(place(&error), &expression.locator, message).aws_code("SCHEMA_VALIDATION_FAILED");
                if let Some(help) = help {
                    report = report.help(help);
                }
                report.emit();
            }
            Ok(path) => {
                if let Want::Reference { context } = expression.want {
                    if let Some(multi) = &path.multi {
                        out.report(
                            place(multi),
                            &expression.locator,
                            format!("`{key}` of {state} must be a reference path, naming one node: {}", multi.message),
                        )
                        .help("Use only `.name`, `['name']` and `[index]` steps here.")
                        .aws_code("SCHEMA_VALIDATION_FAILED")
                        .emit();
                    } else if !context && path.root == jsonpath::Root::Variable {
                        let name_end = text[1..].find(['.', '[']).map_or(text.len(), |i| i + 1);
                        out.report(
                            Place::InString { node: expression.node, start: 0, end: name_end },
                            &expression.locator,
                            format!("`{key}` of {state} cannot write into a variable (`{}`)", &text[..name_end]),
                        )
                        .help("Set variables with `Assign`; `ResultPath` places the result in the state's output, such as `$.result`.")
                        .aws_code("SCHEMA_VALIDATION_FAILED")
                        .emit();
                    } else if !context && path.root == jsonpath::Root::Context {
                        out.report(
                            Place::InString { node: expression.node, start: 0, end: 2 },
                            &expression.locator,
                            format!("`{key}` of {state} cannot write into the context object (`$$`)"),
                        )
                        .help("Write the result into the state's output, such as `$.result`.")
                        .aws_code("SCHEMA_VALIDATION_FAILED")
                        .emit();
                    }
                }
            }
        }
    }
    for (object, locator) in template_objects(machine) {
        for (plain, dollar) in stripped_duplicates(object) {
            out.report(
                Place::Key(dollar),
                &format!("{locator}.{}", crate::finding::locator_part(&dollar.key)),
                format!("`{}` and `{}` are the same field once `.$` is removed", dollar.key, plain.key),
            )
            .related(&Place::Key(plain), "the other one")
            .aws_code("SCHEMA_VALIDATION_FAILED")
            .emit();
        }
    }
}
