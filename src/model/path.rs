//! Symbolic places in an artifact: the dotted path of a state (`States.A.Branches[0].States.B`),
//! built as a chain to the parent and spelled out only when a finding needs it.

use std::rc::Rc;

/// Where a target sits in its artifact, spelled out only when a finding needs it. A nested
/// state points at its parent's path instead of copying it: copying is how a long state name
/// above many nested states cost name length × states.
#[derive(Clone, Debug)]
pub struct TargetPath<'n>(Rc<PathNode<'n>>);

/// A nested machine's state and the step into it (`.Branches[0].`).
pub type Parent<'n> = (TargetPath<'n>, Rc<str>);

#[derive(Debug)]
enum PathNode<'n> {
    Text(String),
    /// `<parent><via>States.<key>`, or `States.<key>` at the top; spelled out once, when a
    /// finding first needs it (a long ancestor name is shortened once, not per finding).
    State {
        parent: Option<Parent<'n>>,
        key: &'n str,
        rendered: std::cell::OnceCell<Rc<str>>,
    },
}

impl<'n> TargetPath<'n> {
    #[must_use]
    pub fn text(text: String) -> Self {
        Self(Rc::new(PathNode::Text(text)))
    }

    #[must_use]
    pub fn state(parent: Option<Parent<'n>>, key: &'n str) -> Self {
        Self(Rc::new(PathNode::State { parent, key, rendered: std::cell::OnceCell::new() }))
    }

    /// The dotted path; long keys are shortened (see [`crate::finding::locator_part`]).
    #[must_use]
    pub fn render(&self) -> String {
        self.rendered().to_string()
    }

    fn rendered(&self) -> Rc<str> {
        // The states up to the nearest one already spelled out, then spelled out top down.
        let mut chain: Vec<&PathNode<'n>> = Vec::new();
        let mut node = &*self.0;
        let mut base: Rc<str> = Rc::from("");
        loop {
            match node {
                PathNode::Text(text) => {
                    base = Rc::from(text.as_str());
                    break;
                }
                PathNode::State { rendered, parent, .. } => {
                    if let Some(done) = rendered.get() {
                        base = done.clone();
                        break;
                    }
                    chain.push(node);
                    match parent {
                        Some((parent, _)) => node = &parent.0,
                        None => break,
                    }
                }
            }
        }
        for node in chain.into_iter().rev() {
            let PathNode::State { parent, key, rendered } = node else { continue };
            let via = parent.as_ref().map_or("", |(_, via)| &**via);
            let prefix = if parent.is_some() { &*base } else { "" };
            let text: Rc<str> = Rc::from(format!("{prefix}{via}States.{}", crate::finding::locator_part(key)));
            let _ = rendered.set(text.clone());
            base = text;
        }
        base
    }
}
