//! `asl/choice-rule`: the comparison grammar of Choice rules. A JSONPath rule is exactly one of
//! `And`, `Or`, `Not` or a comparison (a comparator with its `Variable`), at every depth; `And`
//! and `Or` hold non-empty lists of rules; timestamp comparators hold RFC 3339 timestamps. A
//! JSONata rule has a `Condition` (see data/asl/fields.yaml). `Choices` is a non-empty list.

use super::{fields, is_timestamp, quoted};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::asl::QueryLanguage;
use crate::parse::Node;

pub static ANALYZER: Analyzer = Analyzer { id: "asl/choice-rule", artifact: ArtifactKind::StateMachine, run };

const COMBINATORS: [&str; 3] = ["And", "Or", "Not"];

/// A comparator of the comparison grammar: `StringEquals`, `NumericLessThanPath`, `IsNull`, …
fn is_comparator(key: &str) -> bool {
    let base = key.strip_suffix("Path").unwrap_or(key);
    let typed = ["String", "Numeric", "Boolean", "Timestamp"].iter().any(|t| {
        base.strip_prefix(t).is_some_and(|op| {
            ["Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"].contains(&op)
                || (*t == "String" && op == "Matches" && base == key)
        })
    });
    typed || (base == key && ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"].contains(&key))
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    fields::report(model, ANALYZER.id, out);
    let Some(machine) = model.state_machine() else { return };
    for state in machine.states.iter().filter(|s| s.type_name == Some("Choice")) {
        let name = quoted(state.name);
        let Some(choices) = state.node.get("Choices") else { continue };
        let Some(rules) = choices.as_array() else { continue };
        if rules.is_empty() {
            out.report(
                Place::Value(choices),
                &super::field(state, "Choices"),
                format!("`Choices` of Choice state {name} is empty: it needs at least one rule"),
            )
            .aws_code("SCHEMA_VALIDATION_FAILED")
            .emit();
        }
        if state.query_language == QueryLanguage::Jsonata {
            continue;
        }
        let mut pending: Vec<(&Node, String)> = rules.iter().enumerate().map(|(i, r)| (r, format!("Choices[{i}]"))).collect();
        while let Some((rule, path)) = pending.pop() {
            if out.is_full() {
                return;
            }
            if rule.as_object().is_none() {
                if !machine.unknown_value(rule) {
                    out.report(
                        Place::Value(rule),
                        &super::field(state, &path),
                        format!("`{path}` of {name} must be an object (a Choice rule), not {}", rule.type_name()),
                    )
                    .aws_code("SCHEMA_VALIDATION_FAILED")
                    .emit();
                }
                continue;
            }
            let operators: Vec<_> = rule.unique_entries().filter(|e| COMBINATORS.contains(&&*e.key) || is_comparator(&e.key)).collect();
            let locator = super::field(state, &path);
            match operators.as_slice() {
                [] => out
                    .report(Place::Value(rule), &locator, format!("`{path}` of {name} has no comparison: a rule needs one comparator (such as `StringEquals`) with its `Variable`, or `And`, `Or` or `Not`"))
                    .aws_code("SCHEMA_VALIDATION_FAILED")
                    .emit(),
                [one] => {
                    let combinator = COMBINATORS.contains(&&*one.key);
                    match (combinator, rule.entry("Variable")) {
                        (true, Some(variable)) => out
                            .report(Place::Key(variable), &locator, format!("`{path}` of {name} has `Variable` beside `{}`: `Variable` goes in the comparisons inside it", one.key))
                            .aws_code("SCHEMA_VALIDATION_FAILED")
                            .emit(),
                        (false, None) => out
                            .report(Place::Key(one), &locator, format!("`{path}` of {name} compares with `{}` but has no `Variable` to compare", one.key))
                            .help("Add `Variable` with the path of the value to compare, such as `$.status`.")
                            .aws_code("SCHEMA_VALIDATION_FAILED")
                            .emit(),
                        _ => {}
                    }
                }
                [first, second, ..] => out
                    .report(Place::Key(second), &locator, format!("`{path}` of {name} has two comparisons, `{}` and `{}`: a rule has exactly one (combine rules with `And` or `Or`)", first.key, second.key))
                    .aws_code("SCHEMA_VALIDATION_FAILED")
                    .emit(),
            }
            for entry in rule.unique_entries() {
                match &*entry.key {
                    "And" | "Or" => match entry.value.as_array() {
                        Some([]) => out
                            .report(
                                Place::Value(&entry.value),
                                &format!("{locator}.{}", entry.key),
                                format!("`{}` of `{path}` of {name} is empty: it needs at least one rule", entry.key),
                            )
                            .aws_code("SCHEMA_VALIDATION_FAILED")
                            .emit(),
                        Some(items) => pending.extend(items.iter().enumerate().map(|(i, r)| (r, format!("{path}.{}[{i}]", entry.key)))),
                        None => {}
                    },
                    "Not" if entry.value.as_object().is_some() => pending.push((&entry.value, format!("{path}.Not"))),
                    key if key.starts_with("Timestamp") && !key.ends_with("Path") => {
                        if let Some(text) = entry.value.as_str()
                            && !machine.unknown_value(&entry.value)
                            && !is_timestamp(text)
                        {
                            out.report(
                                Place::Value(&entry.value),
                                &format!("{locator}.{key}"),
                                format!("`{key}` of `{path}` of {name} is {}, which is not an RFC 3339 timestamp", quoted(text)),
                            )
                            .help("Write it as `2026-12-01T17:00:00Z`.")
                            .aws_code("SCHEMA_VALIDATION_FAILED")
                            .emit();
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_comparator;

    #[test]
    fn comparators() {
        for key in ["StringEquals", "StringEqualsPath", "NumericGreaterThanEqualsPath", "StringMatches", "IsTimestamp", "BooleanEquals"] {
            assert!(is_comparator(key), "{key}");
        }
        for key in ["StringMatchesPath", "IsNullPath", "Variable", "Next", "NumericMatches", "And"] {
            assert!(!is_comparator(key), "{key}");
        }
    }
}
