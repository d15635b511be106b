//! Suppressions in a CloudFormation resource's metadata, as cfn-lint reads `Metadata.cfn-lint`:
//!
//! ```yaml
//! Metadata:
//!   deploylint:
//!     ignore:
//!       - asl/task-timeout                     # every finding of the rule in this resource
//!       - id: iam/wildcard-action              # or with a reason, and for some values only
//!         values: ["logs:*"]
//!         reason: log delivery needs logs:* on *
//! ```
//!
//! It covers the findings inside the resource (its key to the end of its value). JSON
//! templates, which cannot hold comments, are suppressed this way.

use std::sync::Arc;

use super::{Cover, Directive, Rules, Selector, note, without_reason};
use crate::finding::Finding;
use crate::parse::{Node, Value};
use crate::rule::builtin;
use crate::source::{Source, Span};

/// The directives in the `Metadata.deploylint.ignore` lists of a template's resources.
pub(super) fn directives(source: &Arc<Source>, documents: &[Node], rules: &Rules<'_>, notes: &mut Vec<Finding>) -> Vec<Directive> {
    let mut out = Vec::new();
    for resources in documents.iter().filter_map(|d| d.get("Resources")) {
        for resource in resources.unique_entries() {
            let Some(settings) = resource.value.get("Metadata").and_then(|m| m.get("deploylint")) else { continue };
            let base = format!("Resources.{}.Metadata.deploylint", crate::finding::locator_part(&resource.key));
            let range = Span::new(resource.key_span.start(), resource.value.span.end());
            let invalid = |notes: &mut Vec<Finding>, span: Span, locator: &str, why: String| {
                notes.push(note(builtin::INVALID_IGNORE, source, span, locator, format!("`Metadata.deploylint` {why}")));
            };
            let Some(entries) = settings.as_object() else {
                invalid(notes, settings.span, &base, "must be a mapping with an `ignore` list".into());
                continue;
            };
            for entry in entries.iter().filter(|e| &*e.key != "ignore") {
                invalid(
                    notes,
                    entry.key_span,
                    &base,
                    format!("has no setting `{}`: it takes `ignore`", crate::finding::shortened(&entry.key, 100)),
                );
            }
            let Some(list) = settings.get("ignore") else { continue };
            let Some(items) = list.as_array() else {
                invalid(notes, list.span, &base, "`ignore` must be a list of rule ids or `{id, reason, values}` mappings".into());
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                let locator = format!("{base}.ignore[{i}]");
                match read(item) {
                    Ok((name_node, name, reason, values)) => {
                        if let Err(why) = Selector::check(&name, rules.known) {
                            invalid(notes, name_node.span, &locator, format!("ignore item: {why}"));
                            continue;
                        }
                        let mut selector = Selector::parse(&name);
                        selector.values.extend(values);
                        if reason.is_none() {
                            notes.push(without_reason(source, item.span, &locator, "give it as `{id: …, reason: …}`"));
                        }
                        out.push(Directive {
                            span: item.span,
                            locator,
                            cover: Cover::Range(range),
                            selectors: vec![selector],
                            reason,
                            kind: "metadata",
                            used: false,
                        });
                    }
                    Err((span, why)) => invalid(notes, span, &locator, why),
                }
            }
        }
    }
    out
}

type Item<'n> = (&'n Node, String, Option<String>, Vec<String>);

/// One `ignore` item: a rule id, or `{id, reason, values}`.
fn read(item: &Node) -> Result<Item<'_>, (Span, String)> {
    let shape = "an `ignore` item is a rule id or an `{id, reason, values}` mapping";
    match &item.value {
        Value::String(id) => Ok((item, id.to_string(), None, Vec::new())),
        Value::Object(entries) => {
            if let Some(entry) = entries.iter().find(|e| !matches!(&*e.key, "id" | "reason" | "values")) {
                return Err((
                    entry.key_span,
                    format!("has no setting `{}` in an `ignore` item: {shape}", crate::finding::shortened(&entry.key, 100)),
                ));
            }
            let Some(id) = item.get("id") else { return Err((item.span, format!("names no rule: {shape}"))) };
            let Some(name) = id.as_str() else { return Err((id.span, "`id` must be a rule id".into())) };
            let reason = match item.get("reason") {
                None => None,
                Some(r) => match r.as_str() {
                    Some(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
                    Some(_) => None,
                    None => return Err((r.span, "`reason` must be text".into())),
                },
            };
            let values = match item.get("values") {
                None => Vec::new(),
                Some(v) => match v.as_array().map(|items| items.iter().map(|i| i.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
                {
                    Some(Some(values)) if !values.is_empty() => values,
                    _ => return Err((v.span, "`values` must be a list of the values it covers (`[\"logs:*\"]`)".into())),
                },
            };
            Ok((id, name.to_string(), reason, values))
        }
        _ => Err((item.span, shape.to_string())),
    }
}
