//! What an `aws_iam_policy_document` data source renders of its `principals` and `condition`
//! blocks, for the `.tf` and `.tf.json` readers: each block is given as the nodes of its
//! attributes, with their spans, and comes out as the JSON IAM reads.

use crate::parse::{Entry, Node, Value};
use crate::source::Span;

/// The `Principal` (or `NotPrincipal`) value of `principals` blocks given as (`type`,
/// `identifiers`): `"*"` for a `type = "*"` block alone, as the provider renders it, else an
/// object by type, the identifiers of blocks of one type together; `at` is the object's span.
pub(super) fn principal(blocks: Vec<(Node, Node)>, at: Span) -> Node {
    let mut principal: Vec<Entry> = Vec::new();
    let mut everyone = None;
    for (kind, ids) in blocks {
        let Some(kind_text) = kind.as_str() else { continue };
        if kind_text == "*" {
            everyone = Some(ids.as_array().and_then(|a| a.first()).cloned().unwrap_or(ids));
            continue;
        }
        match principal.iter_mut().find(|e| &*e.key == kind_text) {
            Some(Entry { value: Node { value: Value::Array(items), .. }, .. }) => {
                items.extend(ids.as_array().map_or_else(|| vec![ids.clone()], <[Node]>::to_vec));
            }
            _ => principal.push(Entry { key: kind_text.into(), key_span: kind.span, value: ids }),
        }
    }
    match everyone {
        Some(star) if principal.is_empty() => star,
        _ => Node::new(Value::Object(principal), at),
    }
}

/// The `Condition` value of `condition` blocks given as (`test`, `variable`, `values`): an
/// object by operator, each the variables it tests with their values; `at` is its span.
pub(super) fn condition(blocks: Vec<(Node, Node, Node)>, at: Span) -> Node {
    let mut operators: Vec<Entry> = Vec::new();
    for (test, variable, values) in blocks {
        let (Some(operator), Some(key)) = (test.as_str(), variable.as_str()) else { continue };
        let bound = Entry { key: key.into(), key_span: variable.span, value: values };
        match operators.iter_mut().find(|e| &*e.key == operator) {
            Some(Entry { value: Node { value: Value::Object(keys), .. }, .. }) => keys.push(bound),
            _ => {
                operators.push(Entry {
                    key: operator.into(),
                    key_span: test.span,
                    value: Node::new(Value::Object(vec![bound]), test.span),
                });
            }
        }
    }
    Node::new(Value::Object(operators), at)
}
