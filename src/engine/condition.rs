//! The closed condition vocabulary of declarative rules, compiled once per run.

use crate::extract::Intrinsics;
use regex::Regex;
use serde_saphyr::Spanned;

use super::RuleError;
use super::query::Selector;
use super::rule_file::{ConditionSpec, Scalar};
use crate::parse::{Node, Value};

#[derive(Debug, Clone)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test {
        path: Option<Selector>,
        every: bool,
        op: Op,
    },
    /// A test of one of the target's variables.
    Var {
        name: String,
        op: Op,
    },
}

/// The target's variables (`name`, `type`, `kind`, …) a condition may test.
pub type Vars<'v> = &'v [(&'static str, String)];

/// A regular expression checked when its rule loads and compiled when first used.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    pattern: String,
    compiled: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn get(&self) -> Option<&Regex> {
        self.compiled.get_or_init(|| Regex::new(&self.pattern).ok()).as_ref()
    }
}

#[derive(Debug, Clone)]
pub enum Op {
    Exists(bool),
    Count { min: Option<usize>, max: Option<usize> },
    Equals(Scalar, bool),
    OneOf(Vec<Scalar>, bool),
    Matches(LazyRegex),
    Type(String),
    SpecificArn(bool),
    Grants(String),
    AccessLevel(Vec<crate::data::iam::Level>),
    ConditionKey(Vec<String>),
    GreaterThan(f64),
    LessThan(f64),
}

/// How a rule file's selectors and patterns are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Checked {
    /// Now, each error with its place: a user's rule file.
    AtLoad,
    /// On first use: a bundled rule, which tests/rules.rs compiles at load like a user's. A
    /// run then parses only the selectors and patterns its files reach.
    Bundled,
}

/// Compiles a JSONPath written in a rule file, with its place for the error.
pub(super) fn selector(text: &Spanned<String>, checked: Checked) -> Result<Selector, RuleError> {
    match checked {
        Checked::AtLoad => {
            Selector::compile(&text.value).map_err(|e| RuleError::at(text, format!("invalid JSONPath `{}`: {e}", text.value)))
        }
        Checked::Bundled => Ok(Selector::deferred(&text.value)),
    }
}

impl Condition {
    pub(super) fn compile(spec: &ConditionSpec, checked: Checked) -> Result<Self, RuleError> {
        let combinators = usize::from(spec.all.is_some()) + usize::from(spec.any.is_some()) + usize::from(spec.not.is_some());
        let ops = [
            spec.exists.is_some(),
            spec.equals.is_some(),
            spec.one_of.is_some(),
            spec.matches.is_some(),
            spec.is_type.is_some(),
            spec.count.is_some(),
            spec.specific_arn.is_some(),
            spec.grants.is_some(),
            spec.access_level.is_some(),
            spec.condition_key.is_some(),
            spec.greater_than.is_some(),
            spec.less_than.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let place = spec.path.as_ref().or(spec.var.as_ref()).or(spec.matches.as_ref());
        let fail = |message: &str| match place {
            Some(p) => RuleError::at(p, message.to_string()),
            None => RuleError::plain(message.to_string()),
        };
        if combinators + ops != 1 || (combinators == 1 && (spec.path.is_some() || spec.var.is_some())) {
            return Err(fail(
                "a condition needs exactly one of all, any, not, exists, equals, one_of, matches, type, count, specific_arn, grants, access_level, condition_key, greater_than, less_than (and `path` or `var` only with a test)",
            ));
        }
        if spec.path.is_some() && spec.var.is_some() {
            return Err(fail("a condition tests a `path` or a `var`, not both"));
        }
        if let Some(list) = &spec.all {
            return list.iter().map(|c| Condition::compile(c, checked)).collect::<Result<_, _>>().map(Condition::All);
        }
        if let Some(list) = &spec.any {
            return list.iter().map(|c| Condition::compile(c, checked)).collect::<Result<_, _>>().map(Condition::Any);
        }
        if let Some(inner) = &spec.not {
            return Ok(Condition::Not(Box::new(Condition::compile(inner, checked)?)));
        }
        let path = spec.path.as_ref().map(|p| selector(p, checked)).transpose()?;
        if spec.var.is_some() && (spec.exists.is_some() || spec.count.is_some() || spec.every) {
            return Err(fail("a `var` test is one of equals, one_of, matches"));
        }
        let op = if let Some(b) = spec.exists {
            if path.is_none() {
                return Err(fail("`exists` needs a `path`"));
            }
            Op::Exists(b)
        } else if let Some(count) = &spec.count {
            Op::Count { min: count.min, max: count.max }
        } else if let Some(v) = &spec.equals {
            Op::Equals(v.clone(), spec.ignore_case)
        } else if let Some(list) = &spec.one_of {
            Op::OneOf(list.clone(), spec.ignore_case)
        } else if let Some(pattern) = &spec.matches {
            let text = if spec.ignore_case { format!("(?i){}", pattern.value) } else { pattern.value.clone() };
            // Checked now (an error has the rule file's line), compiled on first use: a compiled
            // pattern with Unicode classes takes megabytes, and most rules never meet their
            // target in a given run.
            if checked == Checked::AtLoad {
                regex_syntax::Parser::new().parse(&text).map_err(|e| RuleError::at(pattern, format!("invalid regular expression: {e}")))?;
            }
            Op::Matches(LazyRegex { pattern: text, compiled: std::sync::OnceLock::new() })
        } else if let Some(b) = spec.specific_arn {
            Op::SpecificArn(b)
        } else if let Some(action) = &spec.grants {
            Op::Grants(action.clone())
        } else if let Some(levels) = &spec.access_level {
            use crate::data::iam::Level;
            let parsed: Option<Vec<Level>> = levels
                .iter()
                .map(|l| {
                    [Level::List, Level::Read, Level::Write, Level::PermissionsManagement, Level::Tagging]
                        .into_iter()
                        .find(|k| k.as_str() == l)
                })
                .collect();
            Op::AccessLevel(parsed.ok_or_else(|| fail("`access_level` names List, Read, Write, Permissions management or Tagging"))?)
        } else if let Some(keys) = &spec.condition_key {
            if keys.is_empty() {
                return Err(fail("`condition_key` names at least one key"));
            }
            Op::ConditionKey(keys.clone())
        } else if let Some(n) = spec.greater_than {
            Op::GreaterThan(n)
        } else if let Some(n) = spec.less_than {
            Op::LessThan(n)
        } else if let Some(t) = &spec.is_type {
            if !["string", "number", "boolean", "array", "object", "null", "intrinsic"].contains(&t.as_str()) {
                return Err(fail("`type` is one of string, number, boolean, array, object, null, intrinsic"));
            }
            Op::Type(t.clone())
        } else {
            return Err(fail("empty condition"));
        };
        if let Some(name) = &spec.var {
            return Ok(Condition::Var { name: name.value.clone(), op });
        }
        Ok(Condition::Test { path, every: spec.every, op })
    }

    /// The target variables the condition tests, with their place in the rule file.
    pub(super) fn vars<'s>(spec: &'s ConditionSpec, out: &mut Vec<&'s Spanned<String>>) {
        out.extend(spec.var.as_ref());
        for inner in spec.all.iter().chain(spec.any.iter()).flatten().chain(spec.not.as_deref()) {
            Self::vars(inner, out);
        }
    }

    /// Whether the condition holds for `subject`.
    #[must_use]
    pub fn holds(&self, subject: &Node, vars: Vars<'_>) -> bool {
        match self {
            Condition::All(list) => list.iter().all(|c| c.holds(subject, vars)),
            Condition::Any(list) => list.iter().any(|c| c.holds(subject, vars)),
            Condition::Not(inner) => !inner.holds(subject, vars),
            Condition::Var { name, op } => vars
                .iter()
                .find(|(k, _)| k == name)
                .is_some_and(|(_, v)| op.test(&Node::new(Value::String(v.as_str().into()), crate::source::Span::default()))),
            Condition::Test { path, every, op } => {
                let nodes: Vec<&Node> = match path {
                    Some(selector) => selector.select(subject).into_iter().map(|(n, _)| n).collect(),
                    None => vec![subject],
                };
                match op {
                    Op::Exists(b) => nodes.is_empty() != *b,
                    Op::Count { min, max } => min.is_none_or(|m| nodes.len() >= m) && max.is_none_or(|m| nodes.len() <= m),
                    _ if *every => !nodes.is_empty() && nodes.iter().all(|n| op.test(n)),
                    _ => nodes.iter().any(|n| op.test(n)),
                }
            }
        }
    }
}

impl Op {
    fn test(&self, node: &Node) -> bool {
        match self {
            Op::Equals(v, ci) => scalar_eq(node, v, *ci),
            Op::OneOf(list, ci) => list.iter().any(|v| scalar_eq(node, v, *ci)),
            Op::Matches(re) => pattern_text(node).is_some_and(|s| re.get().is_some_and(|re| re.is_match(&s))),
            Op::Type(t) => node.type_name() == t || (t == "intrinsic" && node.intrinsic().is_some()),
            Op::SpecificArn(b) => crate::model::iam::specific_resource(node) == *b,
            Op::Grants(action) => node.as_str().is_some_and(|pattern| crate::data::iam::glob_match(pattern, action)),
            Op::AccessLevel(levels) => node.as_str().is_some_and(|pattern| {
                crate::data::iam::actions().matching(pattern).any(|(_, a)| !a.no_resource && levels.contains(&a.level))
            }),
            Op::ConditionKey(keys) => restricts(node, keys),
            Op::GreaterThan(n) => matches!(node.value, Value::Number(v) if v > *n),
            Op::LessThan(n) => matches!(node.value, Value::Number(v) if v < *n),
            Op::Exists(_) | Op::Count { .. } => true,
        }
    }
}

/// Whether a statement's `Condition` requires a match on one of `keys` (see
/// [`ConditionSpec::condition_key`](super::rule_file::ConditionSpec::condition_key)).
fn restricts(statement: &Node, keys: &[String]) -> bool {
    let operators = statement.get("Condition").and_then(Node::as_object).unwrap_or(&[]);
    operators.iter().any(|operator| {
        let name = operator.key.rsplit(':').next().unwrap_or_default();
        let requires = !(name.contains("Not") || name.ends_with("IfExists") || name == "Null");
        requires
            && operator
                .value
                .as_object()
                .is_some_and(|bound| bound.iter().any(|b| keys.iter().any(|k| crate::data::iam::glob_match(k, &b.key))))
    })
}

/// The text a pattern is matched against: a string, or what a `Fn::Sub` or `Fn::Join` spells
/// with placeholders (so `!Sub arn:${AWS::Partition}:states:::sqs:sendMessage.waitForTaskToken`
/// is a callback task, and `!Join [":", ["arn:aws:iam:", !Ref AWS::AccountId, root]]` the
/// account's root).
fn pattern_text(node: &Node) -> Option<std::borrow::Cow<'_, str>> {
    match node.as_str() {
        Some(text) => Some(std::borrow::Cow::Borrowed(text)),
        None => crate::extract::intrinsic_text(node).map(std::borrow::Cow::Owned),
    }
}

fn scalar_eq(node: &Node, value: &Scalar, ignore_case: bool) -> bool {
    match (&node.value, value) {
        (Value::String(a), Scalar::String(b)) => {
            if ignore_case {
                a.eq_ignore_ascii_case(b)
            } else {
                **a == **b
            }
        }
        #[allow(clippy::float_cmp)]
        (Value::Number(a), Scalar::Number(b)) => a == b,
        (Value::Bool(a), Scalar::Bool(b)) => a == b,
        _ => false,
    }
}
