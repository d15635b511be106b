//! `asl/unbounded-loop`: in a Standard execution, a cycle of states whose exits no Choice
//! bounds by a value the loop changes (a counter, a status a Task writes): if it keeps looping
//! the execution fails when its history reaches 25,000 events. A polling loop whose Choice tests
//! what the loop's Task returns is bounded in that sense; a loop that leaves only through an
//! error, or whose Choice tests only what the loop never writes, is not. At the transition that
//! closes the cycle. (An Inline Map is not a loop here: its length is the input's.)

use std::collections::{HashMap, HashSet};

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::asl::{QueryLanguage, State, StateId};
use crate::parse::{Node, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "asl/unbounded-loop", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(machine) = model.state_machine() else { return };
    let events = crate::data::quotas::quotas().history_events;
    for scope in &machine.scopes {
        let Some(&first) = scope.states.first() else { continue };
        if model.runs_express(first) == Some(true) {
            continue;
        }
        let names = machine.names(machine.states[first].scope);
        // Each state's transitions inside the scope, with the node that names the target.
        let edges: HashMap<StateId, Vec<(StateId, &Node)>> = scope
            .states
            .iter()
            .map(|&id| {
                let targets = super::transitions(&machine.states[id])
                    .into_iter()
                    .filter_map(|(node, _)| node.as_str().and_then(|t| names.get(t)).map(|&t| (t, node)))
                    .collect();
                (id, targets)
            })
            .collect();
        for component in cycles(&scope.states, &edges) {
            if out.is_full() {
                return;
            }
            let members: HashSet<StateId> = component.iter().copied().collect();
            if bounded(machine.states.as_slice(), &members, &edges) {
                continue;
            }
            let Some((from, node)) = closing_edge(&scope.states, &members, &edges) else { continue };
            let state = &machine.states[from];
            let mut shown: Vec<String> = component.iter().take(4).map(|&id| super::quoted(machine.states[id].name)).collect();
            if component.len() > 4 {
                shown.push(format!("{} more", component.len() - 4));
            }
            out.report(
                Place::Value(node),
                &super::field(state, "Next"),
                format!(
                    "the loop through {} has no exit that a Choice bounds by a counter or a value the loop changes: if it keeps looping, the execution fails when its history reaches {events} events",
                    shown.join(", ")
                ),
            )
            .help("Count the rounds (Assign or a Pass with States.MathAdd) and leave through a Choice on the count, or run the repeated work as a Distributed Map or as child executions.")
            .emit();
        }
    }
}

/// The strongly connected components of the scope's graph that hold a cycle (more than one
/// state, or a state that goes to itself), in source order of their first state. Iterative
/// Tarjan: a scope may hold tens of thousands of states.
fn cycles(states: &[StateId], edges: &HashMap<StateId, Vec<(StateId, &Node)>>) -> Vec<Vec<StateId>> {
    let mut index: HashMap<StateId, usize> = HashMap::new();
    let mut low: HashMap<StateId, usize> = HashMap::new();
    let mut on_stack: HashSet<StateId> = HashSet::new();
    let mut stack: Vec<StateId> = Vec::new();
    let mut found = Vec::new();
    let mut counter = 0;
    for &root in states {
        if index.contains_key(&root) {
            continue;
        }
        // (state, next edge to look at)
        let mut work: Vec<(StateId, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 && !index.contains_key(&v) {
                index.insert(v, counter);
                low.insert(v, counter);
                counter += 1;
                stack.push(v);
                on_stack.insert(v);
            }
            let out_edges = edges.get(&v).map_or(&[][..], Vec::as_slice);
            if let Some(&(w, _)) = out_edges.get(*next) {
                *next += 1;
                if !index.contains_key(&w) {
                    work.push((w, 0));
                } else if on_stack.contains(&w) {
                    let lw = index[&w];
                    if let Some(lv) = low.get_mut(&v) {
                        *lv = (*lv).min(lw);
                    }
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                let lv = low[&v];
                if let Some(lp) = low.get_mut(&parent) {
                    *lp = (*lp).min(lv);
                }
            }
            if low[&v] == index[&v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack.remove(&w);
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                let self_loop = out_edges.iter().any(|(w, _)| *w == v);
                if component.len() > 1 || self_loop {
                    component.sort_unstable();
                    found.push(component);
                }
            }
        }
    }
    found.sort_by_key(|c| c[0]);
    found
}

/// Whether a Choice of the loop leaves it on a condition that tests what the loop writes.
fn bounded(states: &[State<'_>], members: &HashSet<StateId>, edges: &HashMap<StateId, Vec<(StateId, &Node)>>) -> bool {
    let written = Written::of(states, members);
    members.iter().any(|&id| {
        let state = &states[id];
        if state.type_name != Some("Choice") {
            return false;
        }
        let leaves = edges.get(&id).is_some_and(|e| e.iter().any(|(t, _)| !members.contains(t)))
            || state.node.get("Default").is_none_or(|d| d.as_str().is_none());
        leaves
            && state
                .node
                .get("Choices")
                .and_then(Node::as_array)
                .unwrap_or(&[])
                .iter()
                .any(|rule| written.tested_by(rule, state.query_language))
    })
}

/// What the states of a loop write: the whole state (`all`), some paths, some variables.
#[derive(Default)]
struct Written {
    all: bool,
    paths: Vec<String>,
    variables: Vec<String>,
}

impl Written {
    fn of(states: &[State<'_>], members: &HashSet<StateId>) -> Self {
        let mut written = Written::default();
        for &id in members {
            let state = &states[id];
            if let Some(assign) = state.node.get("Assign").and_then(Node::as_object) {
                written.variables.extend(assign.iter().map(|e| e.key.trim_end_matches(".$").to_string()));
            }
            let produces = matches!(state.type_name, Some("Task" | "Parallel" | "Map"))
                || (state.type_name == Some("Pass") && ["Result", "Parameters", "Output"].iter().any(|k| state.node.get(k).is_some()));
            if state.query_language == QueryLanguage::Jsonata {
                written.all |= produces || state.node.get("Output").is_some();
                continue;
            }
            if state.node.get("OutputPath").is_some_and(|o| o.as_str() != Some("$")) {
                written.all = true;
            }
            if !produces {
                continue;
            }
            match state.node.get("ResultPath").map(|r| &r.value) {
                None => written.all = true,
                Some(Value::String(path)) if &**path == "$" => written.all = true,
                Some(Value::String(path)) => written.paths.push(path.to_string()),
                _ => {}
            }
        }
        written
    }

    /// Whether a Choice rule's condition reads something written.
    fn tested_by(&self, rule: &Node, language: QueryLanguage) -> bool {
        let mut texts = Vec::new();
        collect_references(rule, language, &mut texts);
        texts.iter().any(|text| {
            (self.all && (text.starts_with('$') || text.contains("$states.input")))
                || self.variables.iter().any(|v| references_variable(text, v))
                || self.paths.iter().any(|p| overlaps(text, p))
        })
    }
}

/// The texts of a Choice rule that name data: `Variable` and `…Path` values (through `And`,
/// `Or`, `Not`), or a JSONata `Condition`.
fn collect_references(rule: &Node, language: QueryLanguage, out: &mut Vec<String>) {
    let mut stack = vec![rule];
    while let Some(node) = stack.pop() {
        for entry in node.as_object().unwrap_or(&[]) {
            match (&*entry.key, &entry.value.value) {
                ("And" | "Or", Value::Array(items)) => stack.extend(items.iter()),
                ("Not", Value::Object(_)) => stack.push(&entry.value),
                ("Condition", Value::String(text)) if language == QueryLanguage::Jsonata => out.push(text.to_string()),
                (key, Value::String(text)) if key == "Variable" || key.ends_with("Path") => out.push(text.to_string()),
                _ => {}
            }
        }
    }
}

/// `$count` or `$count.x` (JSONPath variables), `$count` in a JSONata expression.
fn references_variable(text: &str, name: &str) -> bool {
    let needle = format!("${name}");
    text.match_indices(&needle).any(|(at, _)| {
        let after = text[at + needle.len()..].chars().next();
        after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// Whether a JSONPath reference and a written path overlap (one is a prefix of the other), or
/// a JSONata condition reads the written field (`$states.input.status` for `$.status`).
fn overlaps(text: &str, written: &str) -> bool {
    let prefix = |a: &str, b: &str| a == b || (a.starts_with(b) && matches!(a.as_bytes().get(b.len()), Some(b'.' | b'[')));
    if prefix(text, written) || prefix(written, text) {
        return true;
    }
    written.strip_prefix("$.").is_some_and(|field| text.contains(&format!("$states.input.{field}")))
}

/// A transition of the loop back to a state already on the way from its first state in
/// source order: the one that closes the cycle.
fn closing_edge<'n>(
    states: &[StateId],
    members: &HashSet<StateId>,
    edges: &HashMap<StateId, Vec<(StateId, &'n Node)>>,
) -> Option<(StateId, &'n Node)> {
    let start = *states.iter().find(|s| members.contains(s))?;
    let mut on_path: HashSet<StateId> = HashSet::new();
    let mut seen: HashSet<StateId> = HashSet::new();
    let mut work: Vec<(StateId, usize)> = vec![(start, 0)];
    on_path.insert(start);
    seen.insert(start);
    while let Some(&mut (v, ref mut next)) = work.last_mut() {
        let inside: Vec<&(StateId, &Node)> = edges.get(&v).into_iter().flatten().filter(|(w, _)| members.contains(w)).collect();
        if let Some(&&(w, node)) = inside.get(*next) {
            *next += 1;
            if on_path.contains(&w) {
                return Some((v, node));
            }
            if seen.insert(w) {
                on_path.insert(w);
                work.push((w, 0));
            }
            continue;
        }
        on_path.remove(&v);
        work.pop();
    }
    None
}
