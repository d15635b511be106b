//! `cfn/unfilled-substitution`: a `${Name}` in a CloudFormation state machine definition
//! (`Definition`, or a `DefinitionString` that is no `Fn::Sub`) that `DefinitionSubstitutions`
//! does not fill. CloudFormation replaces only the names the map gives; anything else reaches
//! Step Functions as the characters `${Name}` (a `TableName` of `${OrdersTable}`), and the
//! task fails at run time.
//!
//! The definition as extracted already has the literal values of the map put in; a name the
//! map gives an intrinsic function (`!GetAtt`, known at deploy) counts as filled. A Task's
//! `Resource` is left to `asl/task-resource`, which reports an unfilled placeholder there.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::{ArtifactKind, Substitutions};
use crate::model::Model;
use crate::parse::{Node, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "cfn/unfilled-substitution", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    // Only a definition the template substitutes: not a file of its own, not a `Fn::Sub` text.
    let Substitutions::Given(map) = &model.artifact.substitutions else { return };
    let mut stack: Vec<(&Node, String)> = vec![(&model.artifact.root, String::new())];
    let mut reported = 0usize;
    while let Some((node, route)) = stack.pop() {
        match &node.value {
            Value::String(text) => {
                for (start, end, name) in crate::extract::placeholders(text) {
                    if map.contains_key(name) || out.is_full() || reported >= 100 {
                        continue;
                    }
                    reported += 1;
                    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                    let close = crate::finding::suggestion(name, keys.iter().copied());
                    let hint = close.map(|c| format!("; did you mean `${{{c}}}`?")).unwrap_or_default();
                    let given = if keys.is_empty() {
                        "the state machine has no `DefinitionSubstitutions`".to_string()
                    } else {
                        "`DefinitionSubstitutions` does not give it".to_string()
                    };
                    out.report(
                        Place::InString { node, start, end },
                        &route,
                        format!(
                            "`${{{}}}` is never filled in: {given}, so Step Functions receives the text `${{{}}}`{hint}",
                            crate::finding::shortened(name, 60),
                            crate::finding::shortened(name, 60)
                        ),
                    )
                    .help(match close {
                        Some(close) => format!(
                            "Write `${{{}}}`, the name `DefinitionSubstitutions` gives, or add `{}: …` to it.",
                            crate::finding::shortened(close, 60),
                            crate::finding::shortened(name, 60)
                        ),
                        None => format!(
                            "Add `{}: …` to the state machine's `DefinitionSubstitutions` (a literal or `!GetAtt`/`!Ref`), or write the value in the definition.",
                            crate::finding::shortened(name, 60)
                        ),
                    })
                    .emit();
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((item, format!("{route}[{i}]")));
                }
            }
            Value::Object(entries) => {
                // A Task's `Resource` is asl/task-resource's, which says the same of it.
                let task = node.get_str("Type") == Some("Task");
                for entry in entries.iter().rev().filter(|e| !(task && &*e.key == "Resource")) {
                    let part = crate::finding::locator_part(&entry.key);
                    stack.push((&entry.value, if route.is_empty() { part.into_owned() } else { format!("{route}.{part}") }));
                }
            }
            _ => {}
        }
    }
}
