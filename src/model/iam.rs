//! The policy view: a policy document's statements, borrowed from the tree (never copied), with
//! each element's values listed (a string or a list; CloudFormation `Fn::If` read both ways) and
//! their places. Built once per policy artifact on first use, shared by the `iam.statement`
//! targets of the declarative rules and by the IAM analyzers.

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
