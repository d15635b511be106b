//! Targets: the normalised units a declarative rule looks at, cut from artifacts.
//!
//! A rule never needs to know where an artifact came from: a state inside a `DefinitionString`
//! is an `asl.state` like one in a `.asl.json` file, and an IAM statement's `Action` and
//! `Resource` are always lists here, whatever the document wrote.

use crate::extract::ArtifactKind;
use crate::extract::Intrinsics;
use crate::model::Model;
use crate::model::path::TargetPath;
use crate::parse::{Node, Value};
use crate::source::Span;
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    AslState,
    AslStateMachine,
    IamStatement,
    IamPolicy,
    CfnResource,
    TfResource,
}

impl TargetKind {
    pub const ALL: [TargetKind; 6] = [
        TargetKind::AslState,
        TargetKind::AslStateMachine,
        TargetKind::IamStatement,
        TargetKind::IamPolicy,
        TargetKind::CfnResource,
        TargetKind::TfResource,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::AslState => "asl.state",
            TargetKind::AslStateMachine => "asl.state_machine",
            TargetKind::IamStatement => "iam.statement",
            TargetKind::IamPolicy => "iam.policy",
            TargetKind::CfnResource => "cfn.resource",
            TargetKind::TfResource => "tf.resource",
        }
    }

    /// Message placeholders a target provides (besides `path` and `resource`).
    #[must_use]
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            TargetKind::AslState => &["name", "type", "machine_type"],
            TargetKind::CfnResource | TargetKind::TfResource => &["name", "type"],
            TargetKind::IamStatement => &["sid", "effect", "kind"],
            TargetKind::IamPolicy => &["kind"],
            TargetKind::AslStateMachine => &["machine_type"],
        }
    }

    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether targets of this kind are found in artifacts of `kind` (a plan's resources and a
    /// configuration's are read alike).
    fn reads(self, kind: ArtifactKind) -> bool {
        match self {
            TargetKind::AslState | TargetKind::AslStateMachine => kind == ArtifactKind::StateMachine,
            TargetKind::IamStatement | TargetKind::IamPolicy => kind == ArtifactKind::Policy,
            TargetKind::CfnResource => kind == ArtifactKind::Template,
            TargetKind::TfResource => matches!(kind, ArtifactKind::Plan | ArtifactKind::Configuration),
        }
    }
}

/// One unit a rule checks.
#[derive(Debug)]
pub struct Target<'n> {
    pub node: Cow<'n, Node>,
    /// Where a finding about the whole target points: a state's name, a resource's logical id.
    pub anchor: Span,
    /// The key or value the anchor covers, when it is one (a state's name).
    pub anchor_text: Option<String>,
    /// Dotted path of the target inside its artifact (`States.A.Branches[0].States.B`).
    pub path: TargetPath<'n>,
    /// Values for message placeholders: `name`, `type`, `sid`, …
    pub vars: Vec<(&'static str, String)>,
}

impl Target<'_> {
    #[must_use]
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
}

/// The targets of a kind in one artifact (none when the artifact is of another kind), made as
/// they are consumed: a statement whose `Action` is a string is copied to make it a list, and
/// a policy of 200,000 statements must not hold 200,000 copies at once.
#[must_use]
pub fn targets<'n>(kind: TargetKind, model: &'n Model<'n, '_>) -> Box<dyn Iterator<Item = Target<'n>> + 'n> {
    let artifact = model.artifact;
    if !kind.reads(artifact.kind) {
        return Box::new(std::iter::empty());
    }
    let root: &Node = &artifact.root;
    match kind {
        TargetKind::AslState => Box::new(states(model).into_iter()),
        TargetKind::AslStateMachine | TargetKind::IamPolicy => Box::new(std::iter::once(Target {
            node: Cow::Borrowed(root),
            anchor: Span { start: root.span.start, end: root.span.start + 1 },
            anchor_text: None,
            path: TargetPath::text(String::new()),
            vars: if kind == TargetKind::IamPolicy {
                vec![("kind", policy_kind(model.policy()).to_string())]
            } else {
                vec![("machine_type", machine_type_name(model.machine_type()).to_string())]
            },
        })),
        TargetKind::IamStatement => Box::new(statements(model.policy())),
        TargetKind::CfnResource => Box::new(resources(root)),
        // A plan writes the address where the anchor is; a configuration's anchor is the block's
        // header (`resource "type" "name"`), which spells it otherwise.
        TargetKind::TfResource => Box::new(crate::extract::plan_resources(root).into_iter().map(move |r| Target {
            node: r.node,
            anchor: r.address_span,
            anchor_text: (artifact.kind == ArtifactKind::Plan).then(|| r.address.to_string()),
            path: TargetPath::text(crate::finding::locator_part(r.address).into_owned()),
            vars: vec![("name", r.address.to_string()), ("type", r.kind.to_string())],
        })),
    }
}

/// Every state at any depth (top-level `States`, Parallel `Branches`, Map `ItemProcessor` and
/// `Iterator`), from the artifact's state machine view; `machine_type` is the type of the
/// execution it runs in (a Distributed Map's children have their own).
fn states<'a>(model: &'a Model<'a, '_>) -> Vec<Target<'a>> {
    model.state_machine().map_or_else(Vec::new, |machine| {
        machine
            .states
            .iter()
            .enumerate()
            .map(|(id, state)| Target {
                node: Cow::Borrowed(state.node),
                anchor: state.entry.key_span,
                anchor_text: Some(state.name.to_string()),
                path: state.path.clone(),
                vars: vec![
                    ("name", state.name.to_string()),
                    ("type", state.type_name.unwrap_or_default().to_string()),
                    (
                        "machine_type",
                        match model.runs_express(id) {
                            Some(true) => "express",
                            Some(false) => "standard",
                            None => "unknown",
                        }
                        .to_string(),
                    ),
                ],
            })
            .collect()
    })
}

/// `express`, `standard` or `unknown` (a definition on its own).
fn machine_type_name(machine_type: crate::model::role::MachineType) -> &'static str {
    match machine_type {
        crate::model::role::MachineType::Express => "express",
        crate::model::role::MachineType::Standard => "standard",
        crate::model::role::MachineType::Unknown => "unknown",
    }
}

/// Statements, from the artifact's policy view (`Fn::If` read both ways): a conditional
/// statement (or statement list) is checked in each branch, and a conditional `Action`
/// contributes the values of both branches.
fn statements<'n>(policy: Option<&'n crate::model::iam::Policy<'n>>) -> impl Iterator<Item = Target<'n>> {
    let kind = policy_kind(policy);
    policy.into_iter().flat_map(|p| p.statements.iter()).filter(|s| s.node.as_object().is_some()).map(move |s| statement_target(s, kind))
}

/// The `{kind}` of a policy: what the file attaches it to, or for a standalone document with a
/// principal, `resource` (an identity policy names none).
fn policy_kind(policy: Option<&crate::model::iam::Policy<'_>>) -> &'static str {
    use crate::extract::PolicyKind;
    match policy.map(|p| (p.kind, p.inferred_identity())) {
        Some((PolicyKind::Identity, _) | (PolicyKind::Unknown, true)) => "identity",
        Some((PolicyKind::Trust, _)) => "trust",
        Some((PolicyKind::Resource, _)) => "resource",
        Some((PolicyKind::Unknown, false)) => {
            // A standalone document with a principal: a trust policy when it only lets
            // principals assume roles, else a resource policy.
            let assumes = policy.is_some_and(|p| {
                !p.statements.is_empty()
                    && p.statements.iter().all(|s| {
                        s.action.as_ref().is_some_and(|a| {
                            !a.values.is_empty()
                                && a.values.iter().all(|v| v.as_str().is_some_and(|t| t.to_ascii_lowercase().starts_with("sts:assumerole")))
                        })
                    })
            });
            if assumes { "trust" } else { "resource" }
        }
        None => "unknown",
    }
}

/// A statement as a target: `Action`/`Resource` and their negations are lists of the values
/// the view lists (a copy only when the document wrote a string or a conditional).
fn statement_target<'n>(statement: &crate::model::iam::Statement<'n>, kind: &'static str) -> Target<'n> {
    let s = statement.node;
    let elements = [&statement.action, &statement.not_action, &statement.resource, &statement.not_resource];
    let listed = |v: &Node| v.as_array().is_some_and(|items| items.iter().all(|i| i.if_branches().is_none()));
    let node = if elements.iter().copied().flatten().any(|e| !listed(&e.entry.value)) {
        let mut owned = s.clone();
        if let Value::Object(entries) = &mut owned.value {
            for element in elements.into_iter().flatten().filter(|e| !listed(&e.entry.value)) {
                if let Some(entry) = entries.iter_mut().rev().find(|e| e.key == element.entry.key) {
                    let items = element.values.iter().map(|v| (*v).clone()).collect();
                    entry.value = Node::new(Value::Array(items), entry.value.span);
                }
            }
        }
        Cow::Owned(owned)
    } else {
        Cow::Borrowed(s)
    };
    let mut vars = vec![("sid", s.get_str("Sid").unwrap_or_default().to_string())];
    vars.push(("effect", s.get_str("Effect").unwrap_or_default().to_string()));
    vars.push(("kind", kind.to_string()));
    Target {
        node,
        anchor: Span { start: s.span.start, end: s.span.start + 1 },
        anchor_text: None,
        path: TargetPath::text(statement.path.clone()),
        vars,
    }
}

fn resources(root: &Node) -> impl Iterator<Item = Target<'_>> {
    root.get("Resources").into_iter().flat_map(Node::unique_entries).map(|e| Target {
        node: Cow::Borrowed(&e.value),
        anchor: e.key_span,
        anchor_text: Some(e.key.to_string()),
        path: TargetPath::text(format!("Resources.{}", crate::finding::locator_part(&e.key))),
        vars: vec![("name", e.key.to_string()), ("type", e.value.get_str("Type").unwrap_or_default().to_string())],
    })
}
