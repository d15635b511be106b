//! The declarative rule format: one YAML file per rule, loaded with `deny_unknown_fields` so a
//! misspelt key is an error with its line and column. See docs/rules-language.md.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::finding::Severity;
use crate::rule::{DocsSpec, ExamplesSpec};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: Spanned<String>,
    pub title: String,
    pub severity: Severity,
    /// `asl.state`, `asl.state_machine`, `iam.statement`, `iam.policy`, `cfn.resource`,
    /// `tf.resource`, a list of them (one rule over resources of both sources), or `builtin`
    /// for a rule implemented in Rust (its file documents it).
    pub target: Spanned<OneOrMany<String>>,
    /// Only targets for which this holds are checked.
    #[serde(default)]
    pub when: Option<ConditionSpec>,
    /// Flag the target when a requirement (whose own `when` holds) does not.
    #[serde(default)]
    pub require: Vec<RequirementSpec>,
    /// Flag each node the selector picks for which `where` holds.
    #[serde(default)]
    pub each: Option<EachSpec>,
    /// Where a `require` finding points: the first selector with a match, else the target's
    /// own anchor (a state's name, a resource's logical id, a statement's first byte).
    #[serde(default)]
    pub at: Vec<Spanned<String>>,
    /// Severities by context: the first entry whose `when` holds for the target replaces
    /// `severity` (a wildcard on specific resources is a warning, on `*` an error).
    #[serde(default)]
    pub severity_when: Vec<SeverityWhenSpec>,
    #[serde(default = "no_message")]
    pub message: Spanned<String>,
    #[serde(default)]
    pub help: Option<String>,
    /// The IAM Access Analyzer issue code its findings correspond to.
    #[serde(default)]
    pub access_analyzer: Option<String>,
    /// Kinds of problem the rule finds: `security` (SARIF marks its findings as security
    /// alerts), `correctness` (AWS rejects it or it fails at run time), `reliability`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Where a user rule's documentation lives (bundled rules link to docs/rules/).
    #[serde(default)]
    pub url: Option<String>,
    /// Required in a rule file ([`super::Rule::from_yaml`] says so when it is missing); a
    /// bundled rule's is split off at build time ([`crate::rule::RuleText`]).
    #[serde(default)]
    pub docs: Option<DocsSpec>,
    #[serde(default)]
    pub examples: ExamplesSpec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementSpec {
    /// Names what is missing, for `{missing}` in the message.
    pub label: String,
    #[serde(default)]
    pub when: Option<ConditionSpec>,
    pub holds: ConditionSpec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityWhenSpec {
    pub severity: Severity,
    pub when: ConditionSpec,
    /// `when` tests each flagged node of an `each` (not grouped) instead of the target.
    #[serde(default)]
    pub of_value: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EachSpec {
    /// A JSONPath, or a list of them whose picks are taken in order.
    pub select: Spanned<OneOrMany<String>>,
    #[serde(rename = "where", default)]
    pub filter: Option<ConditionSpec>,
    /// One finding per target for all the nodes picked, at the first (the others are related
    /// places; `{values}` lists them), instead of one per node.
    #[serde(default)]
    pub group: bool,
}

/// One condition: a combinator (`all`, `any`, `not`) or a test on the nodes `path` selects
/// (the subject itself when `path` is absent).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    #[serde(default)]
    pub all: Option<Vec<ConditionSpec>>,
    #[serde(default)]
    pub any: Option<Vec<ConditionSpec>>,
    #[serde(default)]
    pub not: Option<Box<ConditionSpec>>,
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    /// The test applies to a variable of the target (`kind` of a policy: `identity`,
    /// `resource`, `trust`, `unknown`) instead of nodes.
    #[serde(default)]
    pub var: Option<Spanned<String>>,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub equals: Option<Scalar>,
    #[serde(default)]
    pub one_of: Option<Vec<Scalar>>,
    #[serde(default)]
    pub matches: Option<Spanned<String>>,
    #[serde(default, rename = "type")]
    pub is_type: Option<String>,
    #[serde(default)]
    pub count: Option<CountSpec>,
    /// With `every: true` all selected nodes must pass (and there must be one); by default one is enough.
    #[serde(default)]
    pub every: bool,
    /// String comparisons ignore ASCII case.
    #[serde(default)]
    pub ignore_case: bool,
    /// The node is a specific resource: an ARN with no wildcard before its last path part
    /// (`table/Orders`, `bucket/prefix/*`), or a value only deploy time knows (`!GetAtt`,
    /// `!Ref`, `${…}`); not `*` nor `arn:aws:s3:::*`.
    #[serde(default)]
    pub specific_arn: Option<bool>,
    /// The node is an action pattern (`iam:Pass*`, `iam:PassRole`) that grants this action,
    /// as IAM matches them (wildcards, any letter case).
    #[serde(default)]
    pub grants: Option<String>,
    /// The node is an action pattern that grants, per the IAM action data, at least one action
    /// of one of these access levels that takes a resource type (`Write`, `Permissions
    /// management`, `Tagging`, `Read`, `List`).
    #[serde(default)]
    pub access_level: Option<Vec<String>>,
    /// The node is a statement whose `Condition` restricts one of these condition keys (any
    /// letter case; `*` and `?` wildcards, `*:sub`) with an operator that requires a match: not
    /// a negated one (`StringNotEquals`), not `…IfExists`, not `Null`.
    #[serde(default)]
    pub condition_key: Option<Vec<String>>,
    /// The node is a number greater than this.
    #[serde(default)]
    pub greater_than: Option<f64>,
    /// The node is a number smaller than this.
    #[serde(default)]
    pub less_than: Option<f64>,
}

fn no_message() -> Spanned<String> {
    Spanned::new(String::new(), serde_saphyr::Location::UNKNOWN, serde_saphyr::Location::UNKNOWN)
}

/// A value, or a list of them.
#[derive(Debug, Clone)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    #[must_use]
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Number(f64),
    String(String),
}

// Both by hand rather than `#[serde(untagged)]`, which buffers each value and builds an error
// for every variant it tries (a tenth of a small run's rule compiling), and whose own error
// names no expected type.

impl<'de> Deserialize<'de> for OneOrMany<String> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OneOrMany<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(OneOrMany::One(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, a number or a boolean")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::String(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::String(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountSpec {
    #[serde(default)]
    pub min: Option<usize>,
    #[serde(default)]
    pub max: Option<usize>,
}
