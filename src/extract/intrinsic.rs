//! CloudFormation intrinsic functions on the parsed tree: `{"Fn::Sub": x}` and its YAML short
//! form `!Sub x` read alike, `Fn::If` read both ways, `AWS::NoValue` dropped. Extraction and the
//! checks that read templates use them; the parser knows no AWS (a `!Sub` is a tagged node
//! there).

use crate::parse::{Node, Value};

/// CloudFormation's view of a node.
pub trait Intrinsics {
    /// A CloudFormation intrinsic function, in either spelling: `{"Fn::Sub": x}` or `!Sub x`.
    /// Gives the long name (`Fn::Sub`, `Ref`, `Fn::GetAtt`, …) and the argument.
    #[must_use]
    fn intrinsic(&self) -> Option<(&str, &Node)>;

    /// The two values of a CloudFormation `Fn::If` (`[condition, when_true, when_false]`).
    #[must_use]
    fn if_branches(&self) -> Option<[&Node; 2]>;

    /// `{"Ref": "AWS::NoValue"}`: the value CloudFormation removes.
    #[must_use]
    fn is_no_value(&self) -> bool;

    /// The values a node may take after CloudFormation resolves `Fn::If` (both branches, nested
    /// ones too, `AWS::NoValue` dropped); the node itself otherwise. Bounded by nesting depth.
    #[must_use]
    fn alternatives(&self) -> Vec<&Node>;
}

impl Intrinsics for Node {
    fn intrinsic(&self) -> Option<(&str, &Node)> {
        match &self.value {
            Value::Object(entries) if entries.len() == 1 => {
                let e = &entries[0];
                (e.key.starts_with("Fn::") || &*e.key == "Ref" || &*e.key == "Condition").then_some((&*e.key, &e.value))
            }
            Value::Tagged(tag, inner) => Some((long_intrinsic_name(tag)?, inner)),
            _ => None,
        }
    }

    fn if_branches(&self) -> Option<[&Node; 2]> {
        match self.intrinsic()? {
            ("Fn::If", arg) => match arg.as_array()? {
                [_, yes, no] => Some([yes, no]),
                _ => None,
            },
            _ => None,
        }
    }

    fn is_no_value(&self) -> bool {
        matches!(self.intrinsic(), Some(("Ref", arg)) if arg.as_str() == Some("AWS::NoValue"))
    }

    fn alternatives(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            match node.if_branches() {
                Some([yes, no]) if out.len() + stack.len() < 64 => {
                    stack.push(no);
                    stack.push(yes);
                }
                _ if node.is_no_value() => {}
                _ => out.push(node),
            }
        }
        out
    }
}

/// Long name of a CloudFormation short-form tag (`Sub` → `Fn::Sub`, `Ref` → `Ref`).
#[must_use]
pub fn long_intrinsic_name(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "Sub" => "Fn::Sub",
        "GetAtt" => "Fn::GetAtt",
        "Join" => "Fn::Join",
        "If" => "Fn::If",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "FindInMap" => "Fn::FindInMap",
        "ImportValue" => "Fn::ImportValue",
        "GetAZs" => "Fn::GetAZs",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Not" => "Fn::Not",
        "Equals" => "Fn::Equals",
        "Transform" => "Fn::Transform",
        "Length" => "Fn::Length",
        "ToJsonString" => "Fn::ToJsonString",
        "ForEach" => "Fn::ForEach",
        _ => return None,
    })
}
