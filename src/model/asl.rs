//! A typed view of one state machine: its scopes (the top level, each Parallel branch, each Map
//! processor) and every state with its scope and effective query language. Built once per
//! artifact, on first use, for the declarative targets and the analyzers alike.

use crate::extract::Intrinsics;
use crate::parse::{Entry, Node};
use crate::source::Span;

use super::path::TargetPath;

/// How a state reads and writes data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryLanguage {
    JsonPath,
    Jsonata,
}

impl QueryLanguage {
    /// The language a `QueryLanguage` value names; `None` for anything else.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "JSONPath" => Some(Self::JsonPath),
            "JSONata" => Some(Self::Jsonata),
            _ => None,
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::JsonPath => "JSONPath",
            Self::Jsonata => "JSONata",
        }
    }
}

/// Index of a scope in [`StateMachine::scopes`].
pub type ScopeId = usize;
/// How a Task's `Resource` calls what it names, as far as its text tells (`${…}` placeholders
/// read as one value each, so `arn:${AWS::Partition}:states:::lambda:invoke` is known).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// A Lambda function's ARN (`arn:aws:lambda:…:function:name[:qualifier]`).
    Function,
    /// An optimized or AWS SDK integration (`arn:aws:states:::<service>:<action>[.<pattern>]`);
    /// `lambda` for `lambda:invoke`.
    Integration { lambda: bool, pattern: Pattern },
    /// An activity (`arn:aws:states:<region>:<account>:activity:<name>`).
    Activity,
    /// Anything else.
    Unknown,
}

/// An integration's pattern: its `Resource`'s suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    RequestResponse,
    /// `.sync` or `.sync:2`: waits for the job.
    Sync,
    /// `.waitForTaskToken`.
    Callback,
}

impl Invocation {
    #[must_use]
    pub fn of(resource: &str) -> Self {
        let text = crate::extract::strip_placeholders(resource, "_");
        let mut parts = text.splitn(6, ':');
        let (Some("arn"), Some(_), Some(service), Some(region), Some(account), Some(rest)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Invocation::Unknown;
        };
        match service {
            "lambda" if rest.starts_with("function:") => Invocation::Function,
            "states" if region.is_empty() && account.is_empty() => {
                let (action, suffix) = rest.split_once('.').unwrap_or((rest, ""));
                let pattern = match suffix {
                    "sync" | "sync:2" => Pattern::Sync,
                    "waitForTaskToken" => Pattern::Callback,
                    _ => Pattern::RequestResponse,
                };
                Invocation::Integration { lambda: action == "lambda:invoke", pattern }
            }
            "states" if rest.starts_with("activity:") => Invocation::Activity,
            _ => Invocation::Unknown,
        }
    }

    /// A Lambda invocation, directly or through `lambda:invoke`.
    #[must_use]
    pub fn is_lambda(self) -> bool {
        matches!(self, Invocation::Function | Invocation::Integration { lambda: true, .. })
    }

    /// A call that waits for a worker to report (a callback or an activity): the ones that
    /// send heartbeats.
    #[must_use]
    pub fn waits_for_worker(self) -> bool {
        matches!(self, Invocation::Activity | Invocation::Integration { pattern: Pattern::Callback, .. })
    }

    /// A call that returns when the service answers (a function, a request-response
    /// integration).
    #[must_use]
    pub fn is_request_response(self) -> bool {
        matches!(self, Invocation::Function | Invocation::Integration { pattern: Pattern::RequestResponse, .. })
    }
}

/// The `ItemProcessor.ProcessorConfig` of a Map state in Distributed mode (`Mode: DISTRIBUTED`);
/// `None` for an Inline Map or any other state.
#[must_use]
pub fn distributed_config(map: &Node) -> Option<&Node> {
    map.get("ItemProcessor").and_then(|p| p.get("ProcessorConfig")).filter(|c| c.get_str("Mode") == Some("DISTRIBUTED"))
}

/// Index of a state in [`StateMachine::states`].
pub type StateId = usize;

/// How a scope is held by its parent state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Top,
    Branch(usize),
    /// A Map's `ItemProcessor` or (the older spelling) `Iterator`.
    Processor(&'static str),
}

/// A set of states with its own `StartAt`: transitions stay inside it.
#[derive(Debug)]
pub struct Scope<'n> {
    /// The object holding `StartAt` and `States`.
    pub node: &'n Node,
    /// The Parallel or Map state that holds it (none at the top level).
    pub owner: Option<StateId>,
    pub via: Via,
    /// Its states, in source order.
    pub states: Vec<StateId>,
    /// Dotted path of the scope object (`States.P.Branches[0]`), empty at the top.
    pub path: String,
}

impl Scope<'_> {
    /// The locator of a field of the scope object (`StartAt`, `States`).
    #[must_use]
    pub fn field_path(&self, field: &str) -> String {
        if self.path.is_empty() { field.to_string() } else { format!("{}.{field}", self.path) }
    }
}

#[derive(Debug)]
pub struct State<'n> {
    pub name: &'n str,
    /// The state's entry in its scope's `States`: key span and value.
    pub entry: &'n Entry,
    pub node: &'n Node,
    pub scope: ScopeId,
    /// The `Type` value when it is a string.
    pub type_name: Option<&'n str>,
    /// The state's own `QueryLanguage`, else the machine's.
    pub query_language: QueryLanguage,
    pub path: TargetPath<'n>,
}

impl State<'_> {
    /// The span of the state's name.
    #[must_use]
    pub fn name_span(&self) -> Span {
        self.entry.key_span
    }
}

#[derive(Debug)]
pub struct StateMachine<'n> {
    pub root: &'n Node,
    /// What `${Name}` placeholders stand for (see [`Self::unknown_value`]).
    pub substitutions: &'n crate::extract::Substitutions,
    /// The top-level `QueryLanguage` (JSONPath when absent or not a known value).
    pub query_language: QueryLanguage,
    pub scopes: Vec<Scope<'n>>,
    pub states: Vec<State<'n>>,
}

/// Bound on the scopes of one machine (a Parallel with 10,000 branches is no real workflow,
/// but it must cost no more than its size).
const MAX_SCOPES: usize = 100_000;

impl<'n> StateMachine<'n> {
    /// The view of a state machine definition (any object: fields that are missing or of the
    /// wrong type give empty scopes, for the analyzers to report). Explicit stack: nesting
    /// depth comes from the input.
    #[must_use]
    pub fn build(root: &'n Node, substitutions: &'n crate::extract::Substitutions) -> Self {
        let query_language = root.get_str("QueryLanguage").and_then(QueryLanguage::parse).unwrap_or(QueryLanguage::JsonPath);
        let mut machine = Self { root, substitutions, query_language, scopes: Vec::new(), states: Vec::new() };
        let mut pending: Vec<(&'n Node, Option<StateId>, Via, String)> = vec![(root, None, Via::Top, String::new())];
        while let Some((node, owner, via, path)) = pending.pop() {
            let scope = machine.scopes.len();
            let mut ids = Vec::new();
            if let Some(states) = node.get("States").filter(|s| s.as_object().is_some()) {
                for entry in states.unique_entries() {
                    let id = machine.states.len();
                    ids.push(id);
                    let parent = owner.map(|o| {
                        let step = match &via {
                            Via::Branch(i) => format!(".Branches[{i}]."),
                            Via::Processor(key) => format!(".{key}."),
                            Via::Top => ".".to_string(),
                        };
                        (machine.states[o].path.clone(), step.into())
                    });
                    let state = &entry.value;
                    let own = state.get_str("QueryLanguage").and_then(QueryLanguage::parse);
                    machine.states.push(State {
                        name: &entry.key,
                        entry,
                        node: state,
                        scope,
                        type_name: state.get_str("Type"),
                        query_language: own.unwrap_or(query_language),
                        path: TargetPath::state(parent, &entry.key),
                    });
                }
            }
            machine.scopes.push(Scope { node, owner, via, states: ids.clone(), path });
            for id in ids.into_iter().rev() {
                if machine.scopes.len() + pending.len() >= MAX_SCOPES {
                    break;
                }
                let state = &machine.states[id];
                let mut inner: Vec<(&'n Node, Via, String)> = Vec::new();
                match state.type_name {
                    Some("Parallel") => {
                        for (i, branch) in state.node.get("Branches").and_then(Node::as_array).unwrap_or(&[]).iter().enumerate() {
                            if branch.as_object().is_some() {
                                inner.push((branch, Via::Branch(i), format!("{}.Branches[{i}]", state.path.render())));
                            }
                        }
                    }
                    Some("Map") => {
                        for key in ["ItemProcessor", "Iterator"] {
                            if let Some(processor) = state.node.get(key).filter(|p| p.as_object().is_some()) {
                                inner.push((processor, Via::Processor(key), format!("{}.{key}", state.path.render())));
                            }
                        }
                    }
                    _ => {}
                }
                for (node, via, path) in inner.into_iter().rev() {
                    pending.push((node, Some(id), via, path));
                }
            }
        }
        machine
    }

    /// Whether a text holds a `${Name}` whose value is known only at deploy time: then the
    /// value it stands in is never judged. (In a template's `Definition`, a name its
    /// `DefinitionSubstitutions` does not give stays in the text as written.)
    #[must_use]
    pub fn unknown_text(&self, text: &str) -> bool {
        self.substitutions.unknown_in(text)
    }

    /// [`Self::unknown_text`] for a value: a string with such a placeholder, or a CloudFormation
    /// intrinsic function (in a `Definition` object).
    #[must_use]
    pub fn unknown_value(&self, node: &Node) -> bool {
        node.as_str().is_some_and(|t| self.unknown_text(t))
            || node.intrinsic().is_some()
            || matches!(node.value, crate::parse::Value::Tagged(..))
    }

    /// The state named `name` in `scope`.
    #[must_use]
    pub fn lookup(&self, scope: ScopeId, name: &str) -> Option<StateId> {
        self.scopes[scope].states.iter().copied().find(|&id| self.states[id].name == name)
    }

    /// A name lookup for one scope that stays linear for many states.
    #[must_use]
    pub fn names(&self, scope: ScopeId) -> std::collections::HashMap<&'n str, StateId> {
        self.scopes[scope].states.iter().map(|&id| (self.states[id].name, id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::json;

    #[test]
    fn task_resources_are_told_apart() {
        use super::{Invocation, Pattern};
        let of = Invocation::of;
        assert_eq!(of("arn:aws:lambda:us-east-1:123456789012:function:ship:live"), Invocation::Function);
        assert_eq!(
            of("arn:${AWS::Partition}:states:::lambda:invoke"),
            Invocation::Integration { lambda: true, pattern: Pattern::RequestResponse }
        );
        assert_eq!(of("arn:aws:states:::glue:startJobRun.sync"), Invocation::Integration { lambda: false, pattern: Pattern::Sync });
        assert_eq!(of("arn:aws:states:::states:startExecution.sync:2"), Invocation::Integration { lambda: false, pattern: Pattern::Sync });
        assert_eq!(
            of("arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
            Invocation::Integration { lambda: false, pattern: Pattern::Callback }
        );
        assert_eq!(of("arn:aws:states:${AWS::Region}:${AWS::AccountId}:activity:review"), Invocation::Activity);
        assert_eq!(of("${ShipArn}"), Invocation::Unknown);
        assert!(of("arn:aws:states:::lambda:invoke.waitForTaskToken").is_lambda());
        assert!(of("arn:aws:states:us-east-1:1:activity:a").waits_for_worker());
        assert!(!of("arn:aws:states:::ecs:runTask.sync").is_request_response());
    }

    #[test]
    fn scopes_and_query_languages() {
        let text = r#"{"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}], "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}, "End": true}}}"#;
        let (root, _) = json::parse(text, 0, json::Options::default()).unwrap();
        let machine = StateMachine::build(&root, &crate::extract::Substitutions::Unknown);
        assert_eq!(machine.scopes.len(), 3);
        let names: Vec<(&str, usize, QueryLanguage)> = machine.states.iter().map(|s| (s.name, s.scope, s.query_language)).collect();
        assert_eq!(
            names,
            [
                ("P", 0, QueryLanguage::Jsonata),
                ("M", 0, QueryLanguage::Jsonata),
                ("A", 1, QueryLanguage::JsonPath),
                ("B", 2, QueryLanguage::Jsonata)
            ]
        );
        assert_eq!(machine.scopes[1].path, "States.P.Branches[0]");
        assert_eq!(machine.scopes[2].via, Via::Processor("ItemProcessor"));
        assert_eq!(machine.states[2].path.render(), "States.P.Branches[0].States.A");
        assert_eq!(machine.lookup(2, "B"), Some(3));
        assert_eq!(machine.lookup(0, "B"), None);
    }
}
