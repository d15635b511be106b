//! Models of artifacts, built on first use and shared by the declarative targets and the
//! analyzers of one artifact: the state machine's scopes and states ([`asl`]), a policy's
//! statements ([`iam`]), symbolic paths
//! ([`path`]), and the places of characters inside string values ([`Model::string_span`]).

pub mod asl;
pub mod iam;
pub mod needs;
pub mod path;
pub mod role;
pub mod symbolic;

use std::cell::OnceCell;
use std::ops::Range;

use crate::extract::{Artifact, ArtifactKind};
use crate::parse::Node;
use crate::source::Span;

/// One artifact with what has been worked out about it so far.
pub struct Model<'a, 'n> {
    pub artifact: &'a Artifact<'n>,
    machine: OnceCell<Option<asl::StateMachine<'a>>>,
    policy: OnceCell<Option<iam::Policy<'a>>>,
    access: OnceCell<Option<needs::Access<'a>>>,
    /// Results several analyzers share, each worked out by the first that asks ([`Model::memo`]).
    memo: std::cell::RefCell<Vec<std::rc::Rc<dyn std::any::Any>>>,
}

impl<'a, 'n> Model<'a, 'n> {
    #[must_use]
    pub fn new(artifact: &'a Artifact<'n>) -> Self {
        Self { artifact, machine: OnceCell::new(), policy: OnceCell::new(), access: OnceCell::new(), memo: std::cell::RefCell::default() }
    }

    /// A result of type `T` about this artifact, made by `make` the first time one is asked for
    /// (the field checks of ten rules walk a definition once, not ten times).
    pub fn memo<T: 'static>(&self, make: impl FnOnce() -> T) -> std::rc::Rc<T> {
        if let Some(found) = self.memo.borrow().iter().find_map(|m| m.clone().downcast::<T>().ok()) {
            return found;
        }
        let value = std::rc::Rc::new(make());
        self.memo.borrow_mut().push(value.clone());
        value
    }

    /// What a state machine with a context needs of its role, and the role's answer for each
    /// need: worked out once for all the role analyzers.
    pub fn access(&self) -> Option<&needs::Access<'a>> {
        self.access
            .get_or_init(|| {
                let context = self.artifact.machine.as_deref()?;
                Some(needs::Access::of(self.state_machine()?, context))
            })
            .as_ref()
    }

    /// The state machine's type, as its resource says (unknown for a definition on its own).
    #[must_use]
    pub fn machine_type(&self) -> role::MachineType {
        self.artifact.machine.as_ref().map_or(role::MachineType::Unknown, |m| m.machine_type)
    }

    /// Whether the state runs in an Express execution: the machine's own type, or that of the
    /// child executions of the Distributed Map it is inside (`ProcessorConfig.ExecutionType`).
    /// `None` when the file does not say.
    #[must_use]
    pub fn runs_express(&self, state: asl::StateId) -> Option<bool> {
        let machine = self.state_machine()?;
        let mut scope = machine.states.get(state)?.scope;
        while let Some(owner) = machine.scopes[scope].owner {
            let map = &machine.states[owner];
            if matches!(machine.scopes[scope].via, asl::Via::Processor(_))
                && let Some(config) = asl::distributed_config(map.node)
            {
                return match config.get_str("ExecutionType") {
                    Some("EXPRESS") => Some(true),
                    Some("STANDARD") => Some(false),
                    _ => None,
                };
            }
            scope = map.scope;
        }
        match self.machine_type() {
            role::MachineType::Express => Some(true),
            role::MachineType::Standard => Some(false),
            role::MachineType::Unknown => None,
        }
    }

    /// The policy view, when the artifact is a policy.
    pub fn policy(&self) -> Option<&iam::Policy<'a>> {
        self.policy
            .get_or_init(|| {
                (self.artifact.kind == ArtifactKind::Policy).then(|| iam::Policy::build(&self.artifact.root, self.artifact.policy_kind))
            })
            .as_ref()
    }

    /// The state machine view, when the artifact is a state machine.
    pub fn state_machine(&self) -> Option<&asl::StateMachine<'a>> {
        self.machine
            .get_or_init(|| {
                (self.artifact.kind == ArtifactKind::StateMachine)
                    .then(|| asl::StateMachine::build(&self.artifact.root, &self.artifact.substitutions))
            })
            .as_ref()
    }

    /// The file span of bytes `range` of a string node's value: through the escapes, quoting
    /// and indentation of the file, and through the outer string when the document is embedded
    /// in one. Falls back to the whole node when the characters cannot be placed.
    #[must_use]
    pub fn string_span(&self, node: &Node, range: Range<usize>) -> Span {
        string_span(self.artifact, node, range)
    }
}

/// See [`Model::string_span`].
#[must_use]
pub fn string_span(artifact: &Artifact<'_>, node: &Node, range: Range<usize>) -> Span {
    crate::parse::embedded::locate_in_string(&artifact.source.text, node, range, artifact.embedded.as_deref())
}
