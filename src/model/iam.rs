//! The policy view: a policy document's statements, borrowed from the tree (never copied), with
//! each element's values listed (a string or a list; CloudFormation `Fn::If` read both ways) and
//! their places. Built once per policy artifact on first use, shared by the `iam.statement`
//! targets of the declarative rules and by the IAM analyzers.

use crate::extract::Intrinsics;
use crate::extract::PolicyKind;
use crate::parse::{Entry, Node, Value};

/// A policy document.
#[derive(Debug)]
pub struct Policy<'n> {
    pub root: &'n Node,
    pub kind: PolicyKind,
    pub version: Option<&'n Entry>,
    /// The `Statement` entry itself (absent: a malformed policy).
    pub statement: Option<&'n Entry>,
    /// Every statement, each `Fn::If` branch of a conditional statement on its own.
    pub statements: Vec<Statement<'n>>,
}

/// One statement.
#[derive(Debug)]
pub struct Statement<'n> {
    /// The statement object (or, for a statement that is not an object, the node found there).
    pub node: &'n Node,
    /// Its route in the policy: `Statement[Sid=Logs]` where it has a `Sid`, else
    /// `Statement[2]`; `Statement` when the policy has one statement object; `Statement#1` for
    /// the second branch of an `Fn::If` over the whole list.
    pub path: String,
    /// Which branch of an `Fn::If` over the whole list it is in (0 without one), and its
    /// index in that list: the branches of a conditional statement share the index.
    pub list: usize,
    pub item: usize,
    pub sid: Option<&'n Entry>,
    pub effect: Option<&'n Entry>,
    pub action: Option<Element<'n>>,
    pub not_action: Option<Element<'n>>,
    pub resource: Option<Element<'n>>,
    pub not_resource: Option<Element<'n>>,
    pub principal: Option<&'n Entry>,
    pub not_principal: Option<&'n Entry>,
    pub condition: Option<&'n Entry>,
}

/// An element that IAM allows as a string or a list (`Action`, `Resource` and their negations).
#[derive(Debug)]
pub struct Element<'n> {
    pub entry: &'n Entry,
    /// Its values, in order: a string's one value, a list's items, both branches of an
    /// `Fn::If`. Intrinsic functions (`!GetAtt`, `!Sub`) are values too.
    pub values: Vec<&'n Node>,
}

impl<'n> Element<'n> {
    fn of(entry: &'n Entry) -> Self {
        let mut values = Vec::new();
        for alternative in entry.value.alternatives() {
            match &alternative.value {
                Value::Array(items) => {
                    for item in items {
                        for value in item.alternatives() {
                            match &value.value {
                                Value::Array(inner) => values.extend(inner.iter()),
                                _ => values.push(value),
                            }
                        }
                    }
                }
                _ => values.push(alternative),
            }
        }
        Self { entry, values }
    }

    /// The values that are plain text (intrinsic functions left out).
    pub fn strings(&self) -> impl Iterator<Item = (&'n Node, &'n str)> + '_ {
        self.values.iter().filter_map(|v| v.as_str().map(|s| (*v, s)))
    }
}

impl<'n> Statement<'n> {
    fn of(node: &'n Node, path: String, (list, item): (usize, usize)) -> Self {
        let entry = |key: &str| node.entry(key);
        Self {
            node,
            path,
            list,
            item,
            sid: entry("Sid"),
            effect: entry("Effect"),
            action: entry("Action").map(Element::of),
            not_action: entry("NotAction").map(Element::of),
            resource: entry("Resource").map(Element::of),
            not_resource: entry("NotResource").map(Element::of),
            principal: entry("Principal"),
            not_principal: entry("NotPrincipal"),
            condition: entry("Condition"),
        }
    }

    /// Whether the statement allows (`Effect: Allow`, exactly as IAM requires).
    #[must_use]
    pub fn allows(&self) -> bool {
        self.effect.and_then(|e| e.value.as_str()) == Some("Allow")
    }
}

impl<'n> Policy<'n> {
    /// A standalone policy (its kind unknown) that names no principal anywhere: an identity
    /// policy to be attached, by inference. Rules hold it to identity policies' grammar, as
    /// warnings.
    #[must_use]
    pub fn inferred_identity(&self) -> bool {
        self.kind == PolicyKind::Unknown && self.statements.iter().all(|s| s.principal.is_none() && s.not_principal.is_none())
    }

    #[must_use]
    pub fn build(root: &'n Node, kind: PolicyKind) -> Self {
        let statement = root.entry("Statement");
        let mut statements = Vec::new();
        if let Some(entry) = statement {
            for (i, alternative) in entry.value.alternatives().into_iter().enumerate() {
                let prefix = if i == 0 { "Statement".to_string() } else { format!("Statement#{i}") };
                match &alternative.value {
                    Value::Array(items) => {
                        for (j, item) in items.iter().enumerate() {
                            for node in item.alternatives() {
                                // Named by its Sid where it has one: the route (and the
                                // fingerprint) then survives a statement inserted before it.
                                let path = match node.get_str("Sid").filter(|sid| !sid.is_empty()) {
                                    Some(sid) => format!("{prefix}[Sid={}]", crate::finding::locator_part(sid)),
                                    None => format!("{prefix}[{j}]"),
                                };
                                statements.push(Statement::of(node, path, (i, j)));
                            }
                        }
                    }
                    _ => statements.push(Statement::of(alternative, prefix, (i, 0))),
                }
            }
        }
        Self { root, kind, version: root.entry("Version"), statement, statements }
    }
}

/// Whether a `Resource` value names one specific resource: an ARN with no wildcard before its
/// last part, after the name (S3's bucket, else what follows the resource type: `table/Orders`
/// and `bucket/prefix/*` are specific, `table/*`, `arn:aws:s3:::*` and `*` are not), or a value
/// only deploy time knows (`!GetAtt`, `!Ref`, `${…}`, which name one resource each).
#[must_use]
pub fn specific_resource(node: &Node) -> bool {
    if node.intrinsic().is_some() && !matches!(node.intrinsic(), Some(("Fn::Sub", _))) {
        return true;
    }
    let text = match node.as_str() {
        Some(text) => std::borrow::Cow::Borrowed(text),
        None => match crate::extract::intrinsic_text(node) {
            Some(text) => std::borrow::Cow::Owned(text),
            None => return false,
        },
    };
    // A placeholder names one thing (`${AWS::AccountId}`, `${Bucket}`), colons and all.
    let placeholder_first = text.starts_with("${") && text.contains('}');
    // A placeholder stands for one specific name.
    let text = crate::extract::strip_placeholders(&text, "x");
    if placeholder_first {
        // `${Bucket.Arn}/*`: one resource's ARN, then a path in it.
        let parts: Vec<&str> = text.split('/').collect();
        return parts.split_last().is_some_and(|(_, head)| head.iter().all(|p| !p.contains(['*', '?'])));
    }
    let Some(rest) = text.strip_prefix("arn:") else { return false };
    // arn:partition:service:region:account:resource — the resource part may hold `:` and `/`.
    let mut parts = rest.splitn(5, ':');
    let (Some(_partition), Some(service), Some(_region), Some(_account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if service.contains('*') || resource.is_empty() {
        return false;
    }
    // A wildcard is allowed only in the last part, after a specific name: the bucket in S3
    // (`bucket/prefix/*`), else what follows the resource type (`table/Orders/index/*` is
    // specific, `table/*` is every table).
    let mut parts: Vec<&str> = resource.split(['/', ':']).collect();
    if service != "s3" && parts.len() >= 2 {
        parts.remove(0);
    }
    let Some((last, head)) = parts.split_last() else { return false };
    head.iter().all(|p| !p.contains(['*', '?'])) && (!head.is_empty() || !last.contains(['*', '?']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_resources() {
        let node = |text: &str| Node::new(Value::String(text.into()), crate::source::Span::default());
        for specific in [
            "arn:aws:dynamodb:us-east-1:123456789012:table/Orders",
            "arn:aws:s3:::bucket/prefix/*",
            "arn:aws:s3:::orders",
            "arn:aws:states:us-east-1:123456789012:stateMachine:Flow",
            "arn:aws:lambda:*:123456789012:function:Fn",
            "arn:${AWS::Partition}:s3:::${Bucket}/*",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/*",
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orders",
            "${Bucket.Arn}/*",
            "${TableArn}",
        ] {
            assert!(specific_resource(&node(specific)), "{specific}");
        }
        for wide in [
            "*",
            "arn:aws:s3:::*",
            "arn:aws:s3:::*/*",
            "arn:aws:dynamodb:us-east-1:123456789012:table/*",
            "arn:aws:*:*:*:*",
            "s3://bucket",
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*",
            "${Prefix}*/x/*",
        ] {
            assert!(!specific_resource(&node(wide)), "{wide}");
        }
    }
}
