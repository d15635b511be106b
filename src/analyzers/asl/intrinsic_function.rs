//! `asl/intrinsic-function`: every intrinsic function call (`States.Format(…)` in a `.$` value,
//! `ErrorPath` or `CausePath`) parses, names a function Step Functions has, and passes it the
//! right number of arguments with literals of the right types.

use super::expressions::{Want, expressions};
use super::{quoted, suggestion};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::lang::intrinsic::{self, ArgKind, Call, HASH_ALGORITHMS, Rest};
use crate::model::Model;
use crate::parse::Node;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/intrinsic-function", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    for expression in expressions(machine) {
        if out.is_full() {
            return;
        }
        let Some(text) = expression.node.as_str() else { continue };
        if expression.want != Want::PathOrCall || !intrinsic::looks_like_call(text) {
            continue;
        }
        let what = format!("`{}` of {}", expression.entry.key, quoted(expression.state));
        let mut problems = Vec::new();
        match intrinsic::parse(text) {
            Err(error) => problems.push((error.start, error.end, format!("{what}: {}", error.message))),
            Ok(call) => {
                let key = &*expression.entry.key;
                if matches!(key, "ErrorPath" | "CausePath")
                    && let Some(function) = intrinsic::function(&call.name)
                    && !function.string
                {
                    let takes: Vec<String> =
                        intrinsic::FUNCTIONS.iter().filter(|f| f.string).map(|f| format!("`States.{}`", f.name)).collect();
                    problems.push((
                        call.name_start,
                        call.name_end,
                        format!("{what}: `States.{}` does not return a string; `{key}` takes {}", call.name, takes.join(", ")),
                    ));
                }
                check(&call, text, &what, &mut problems);
            }
        }
        for (start, end, message) in problems {
            report(out, expression.node, start, end, &expression.locator, message);
        }
    }
}

fn report(out: &mut Emitter<'_, '_>, node: &Node, start: usize, end: usize, locator: &str, message: String) {
    out.report(Place::InString { node, start, end }, locator, message).aws_code("SCHEMA_VALIDATION_FAILED").emit();
}

/// The problems of a call and the calls in its arguments (explicit stack).
fn check(call: &Call, text: &str, what: &str, problems: &mut Vec<(usize, usize, String)>) {
    let mut pending = vec![call];
    while let Some(call) = pending.pop() {
        pending.extend(call.args.iter().filter_map(|a| match &a.kind {
            ArgKind::Call(inner) => Some(inner),
            _ => None,
        }));
        let Some(function) = intrinsic::function(&call.name) else {
            let hint = suggestion(&call.name, intrinsic::FUNCTIONS.iter().map(|f| f.name))
                .map(|s| format!(" (did you mean `States.{s}`?)"))
                .unwrap_or_default();
            problems.push((call.name_start, call.name_end, format!("{what}: `States.{}` is not an intrinsic function{hint}", call.name)));
            continue;
        };
        let (min, max) = match function.rest {
            Rest::None => (function.args.len(), Some(function.args.len())),
            Rest::Any => (function.args.len(), None),
            Rest::Optional(_) => (function.args.len(), Some(function.args.len() + 1)),
        };
        let count = call.args.len();
        if count < min || max.is_some_and(|m| count > m) {
            let expected = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min} or {m}"),
                None => format!("at least {min}"),
            };
            problems.push((
                call.start,
                call.end,
                format!("{what}: `States.{}` takes {expected} argument{}, not {count}", call.name, if expected == "1" { "" } else { "s" }),
            ));
            continue;
        }
        for (i, arg) in call.args.iter().enumerate() {
            let want = function.args.get(i).copied().or(match function.rest {
                Rest::Optional(w) => Some(w),
                _ => None,
            });
            let Some(want) = want else { continue };
            let ok = match (&arg.kind, want) {
                (ArgKind::Path | ArgKind::Call(_), _)
                | (_, intrinsic::Want::Any)
                | (ArgKind::String(_), intrinsic::Want::String)
                | (ArgKind::Number(_), intrinsic::Want::Number)
                | (ArgKind::Bool(_), intrinsic::Want::Boolean) => true,
                (ArgKind::Number(n), intrinsic::Want::Integer) => n.fract() == 0.0,
                _ => false,
            };
            if !ok {
                let name = match want {
                    intrinsic::Want::String => "a string",
                    intrinsic::Want::Number => "a number",
                    intrinsic::Want::Integer => "an integer",
                    intrinsic::Want::Boolean => "a boolean",
                    intrinsic::Want::Any => "a value",
                };
                problems.push((
                    arg.start,
                    arg.end,
                    format!("{what}: argument {} of `States.{}` must be {name}, not `{}`", i + 1, call.name, &text[arg.start..arg.end]),
                ));
            }
        }
        match (call.name.as_str(), call.args.as_slice()) {
            ("Hash", [_, algorithm]) => {
                if let ArgKind::String(name) = &algorithm.kind
                    && !HASH_ALGORITHMS.contains(&name.as_str())
                {
                    problems.push((
                        algorithm.start,
                        algorithm.end,
                        format!("{what}: `States.Hash` algorithm `{name}` is not one of {}", HASH_ALGORITHMS.join(", ")),
                    ));
                }
            }
            ("JsonMerge", [_, _, deep]) if deep.kind == ArgKind::Bool(true) => {
                problems.push((
                    deep.start,
                    deep.end,
                    format!("{what}: `States.JsonMerge` only merges shallowly: its third argument must be `false`"),
                ));
            }
            ("Format", [template, rest @ ..]) => {
                if let ArgKind::String(literal) = &template.kind {
                    let holes = literal.replace("\\{", "").replace("\\}", "").matches("{}").count();
                    if holes != rest.len() {
                        problems.push((
                            template.start,
                            template.end,
                            format!(
                                "{what}: the `States.Format` template has {holes} `{{}}` but {} value{} follow{}",
                                rest.len(),
                                if rest.len() == 1 { "" } else { "s" },
                                if rest.len() == 1 { "s" } else { "" }
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}
