//! `iam/policy-element`: the policy document itself: an object with `Version` (`2012-10-17` or
//! `2008-10-17`), an optional `Id`, and `Statement` (one statement object or a non-empty list),
//! and nothing else. IAM rejects anything else as a malformed policy document. Policy
//! variables (`${aws:username}`) need `Version: 2012-10-17`: without it IAM reads them as
//! literal text, and the statement matches nothing.

use super::{a, deploy_time};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::extract::Intrinsics;
use crate::model::Model;
use crate::parse::Value;

pub static ANALYZER: Analyzer = Analyzer { id: "iam/policy-element", artifact: ArtifactKind::Policy, run };

/// The top-level elements of a policy document.
const ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
/// The policy language versions IAM accepts (`2012-10-17` is current; `2008-10-17` has no
/// policy variables).
pub const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(policy) = model.policy() else { return };
    let root = policy.root;
    let Some(entries) = root.as_object() else {
        if !deploy_time(root) {
            out.report(Place::Value(root), "", format!("a policy document is an object with `Version` and `Statement`, not {}", a(root)))
                .emit();
        }
        return;
    };
    if root.intrinsic().is_some() {
        return;
    }
    for entry in entries.iter().filter(|e| !ELEMENTS.contains(&&*e.key)) {
        let close = crate::finding::suggestion(&entry.key, ELEMENTS);
        let hint = close.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
        out.report(
            Place::Key(entry),
            "",
            format!(
                "`{}` is no element of a policy document (it takes `Version`, `Id` and `Statement`){hint}",
                crate::finding::shortened(&entry.key, 80)
            ),
        )
        .help("Element names are case-sensitive; remove the element or move it into a statement.")
        .access_analyzer("INVALID_POLICY_ELEMENT")
        .emit();
    }
    if let Some(version) = policy.version {
        let value = &version.value;
        let ok = match &value.value {
            Value::String(text) => VERSIONS.contains(&text.as_str()),
            _ => deploy_time(value),
        };
        if !ok && !deploy_time(value) {
            let shown = value.as_str().map_or_else(|| a(value).to_string(), |s| format!("`{}`", crate::finding::shortened(s, 60)));
            out.report(
                Place::Value(value),
                "Version",
                format!("`Version` is {shown}: IAM accepts only `2012-10-17` (current) and `2008-10-17`"),
            )
            .help("Write \"Version\": \"2012-10-17\" (the date of the policy language, not of your policy).")
            .access_analyzer("INVALID_VERSION")
            .emit();
        }
    }
    let current = policy.version.is_some_and(|v| v.value.as_str() == Some("2012-10-17") || deploy_time(&v.value));
    if !current && let Some((node, variable)) = first_variable(policy) {
        let why = match policy.version {
            Some(_) => "with `Version: 2008-10-17`",
            None => "without a `Version`",
        };
        out.report(
            Place::Value(node),
            "",
            format!(
                "`{variable}` is a policy variable, but {why} IAM reads it as literal text: the statement matches nothing it was meant to"
            ),
        )
        .help("Add \"Version\": \"2012-10-17\" at the top of the policy.")
        .access_analyzer("VARIABLE_UNSUPPORTED_IN_VERSION")
        .emit();
    }
    let Some(statement) = policy.statement else {
        out.report(Place::Value(root), "", "the policy has no `Statement`: IAM rejects a policy without statements")
            .label("no Statement")
            .access_analyzer("MISSING_STATEMENT")
            .emit();
        return;
    };
    for value in statement.value.alternatives() {
        match &value.value {
            Value::Array(items) if items.is_empty() => {
                out.report(Place::Value(value), "Statement", "`Statement` is an empty list: IAM rejects a policy without statements")
                    .emit();
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    for item in item.alternatives() {
                        if !matches!(item.value, Value::Object(_)) && !deploy_time(item) {
                            out.report(
                                Place::Value(item),
                                &format!("Statement[{i}]"),
                                format!("a statement is an object, not {}", a(item)),
                            )
                            .emit();
                        }
                    }
                }
            }
            Value::Object(_) => {}
            _ if deploy_time(value) => {}
            _ => {
                out.report(
                    Place::Value(value),
                    "Statement",
                    format!("`Statement` is one statement object or a list of them, not {}", a(value)),
                )
                .emit();
            }
        }
    }
}

/// The first policy variable (`${aws:username}`, `${s3:prefix}`, `${*}`) in a statement's
/// resources or conditions. CloudFormation's own `${Name}`, `${AWS::Region}` and
/// `${Res.Attr}` are not policy variables.
fn first_variable<'n>(policy: &crate::model::iam::Policy<'n>) -> Option<(&'n crate::parse::Node, String)> {
    for statement in &policy.statements {
        let mut pending: Vec<&crate::parse::Node> = Vec::new();
        for element in [&statement.resource, &statement.not_resource].into_iter().flatten() {
            pending.extend(element.values.iter().copied());
        }
        pending.extend(statement.condition.map(|c| &c.value));
        while let Some(node) = pending.pop() {
            match &node.value {
                Value::String(text) => {
                    if let Some(variable) = variable_in(text) {
                        return Some((node, variable));
                    }
                }
                Value::Array(items) => pending.extend(items),
                Value::Object(entries) if node.intrinsic().is_none() => pending.extend(entries.iter().map(|e| &e.value)),
                _ => {}
            }
        }
    }
    None
}

fn variable_in(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        let after = &rest[open + 2..];
        let close = after.find('}')?;
        let inner = &after[..close];
        if matches!(inner, "*" | "?" | "$") || (inner.contains(':') && !inner.contains("::") && !inner.starts_with('!')) {
            return Some(format!("${{{inner}}}"));
        }
        rest = &after[close + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::variable_in;

    #[test]
    fn policy_variables() {
        assert_eq!(variable_in("arn:aws:s3:::bucket/home/${aws:username}/*").as_deref(), Some("${aws:username}"));
        assert_eq!(variable_in("arn:aws:s3:::b/${*}").as_deref(), Some("${*}"));
        assert_eq!(variable_in("arn:${AWS::Partition}:s3:::${Bucket}/${Fn.Arn}"), None);
        assert_eq!(variable_in("${!aws:username}"), None);
    }
}
