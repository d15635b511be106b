//! Serverless Framework services (`serverless.yml`: `service` and `provider`): the state
//! machines of the `serverless-step-functions` plugin, the IAM statements the Framework puts in
//! the functions' role, and the `resources:` section, which is CloudFormation.
//!
//! - `stepFunctions.stateMachines.<name>.definition`, inline or `${file(…)}`. As the plugin
//!   does, `Fn::GetAtt`/`!GetAtt` of a function (by its key or its logical id, `hello-world` →
//!   `HelloDashworldLambdaFunction`) is the function's ARN, and `Ref` of an activity (`x` →
//!   `XStepFunctionsActivity`) the activity's ARN, so a task is known for what it calls; with
//!   `configureTaskTimeouts: true`, a Lambda task without a timeout gets the function's
//!   `timeout`, else `provider.timeout`, else the Framework's 6 seconds.
//! - `provider.iamRoleStatements`, `provider.iam.role.statements` and a function's own
//!   `iamRoleStatements` (serverless-iam-roles-per-function) are identity policies.
//! - `resources` (an object or a list of them, each maybe `${file(…)}`) is read as a
//!   CloudFormation template, in the file that writes it.
//!
//! - A state machine's `role` that names a role of `resources:` (`Fn::GetAtt: [Role, Arn]`) is
//!   its context for the role cross-check; an ARN is a role outside the file; without `role`,
//!   the plugin writes the role from the definition, and there is nothing to check.
//!
//! Framework variables (`${self:…}`, `${opt:…}`, `${sls:…}`, `${env:…}`, `${ssm:…}`,
//! `${param:…}`, `${cf:…}`) are placeholders. `${file(path)}` and `${file(path):key}` of a
//! file inside the checked tree are read there, and its findings point into it.

use super::Intrinsics;
use std::borrow::Cow;
use std::sync::Arc;

use super::{Artifact, ArtifactKind, Context, Extraction, PolicyKind};
use crate::finding::Finding;
use crate::load::{Loaded, Unread};
use crate::model::role::MachineContext;
use crate::parse::{Entry, Node, Value};
use crate::source::{Source, Span};

/// The Framework's function timeout when neither the function nor the provider sets one.
const FRAMEWORK_TIMEOUT_SECONDS: f64 = 6.0;

/// Whether a document is a Serverless Framework service file.
#[must_use]
pub(super) fn is_service(doc: &Node) -> bool {
    doc.get("service").is_some() && doc.get("provider").is_some_and(|p| p.as_object().is_some() || p.as_str().is_some())
}

/// A node and the file it is written in.
struct Located<'n> {
    node: Cow<'n, Node>,
    source: Arc<Source>,
}

/// A file a `${file(…)}` named: its path as written, its text and its document.
type ReadFile = (String, Arc<Source>, Option<Node>);

/// Reads `${file(…)}` references of one service file.
struct Files<'c, 'x> {
    ctx: &'c Context<'x>,
    /// Files read, with their parsed documents, so that two references to one file read it once.
    read: std::cell::RefCell<Vec<ReadFile>>,
}

impl Files<'_, '_> {
    /// The node a value stands for: itself, or for `${file(path)}` / `${file(path):a.b}` the
    /// file's document (or the key's value in it). Problems reading the file are findings.
    fn resolve<'n>(&self, node: &'n Node, source: &Arc<Source>, out: &mut Extraction<'_, '_>) -> Option<Located<'n>> {
        let Some((path, key)) = node.as_str().and_then(file_reference) else {
            return Some(Located { node: Cow::Borrowed(node), source: source.clone() });
        };
        let cached = self.read.borrow().iter().find(|(p, ..)| *p == path).map(|(_, s, d)| (s.clone(), d.clone()));
        let (read, doc) = if let Some(found) = cached {
            found
        } else {
            let at = (source, node.span);
            let Loaded { source: read, mut parsed } = match self.ctx.files.find(&path, at).and_then(|found| self.ctx.files.load(found, at))
            {
                Ok(loaded) => loaded,
                Err(Unread::Outside) => return None,
                Err(Unread::Problem(finding)) => {
                    out.findings.push(*finding);
                    return None;
                }
            };
            if let Some(err) = &parsed.error {
                out.findings.push(Finding::parse_error(&read, err));
            }
            for dup in &parsed.duplicates {
                out.findings.push(Finding::duplicate_key(&read, dup));
            }
            let doc = (!parsed.documents.is_empty()).then(|| parsed.documents.swap_remove(0));
            self.read.borrow_mut().push((path.clone(), read.clone(), doc.clone()));
            (read, doc)
        };
        let mut found = doc?;
        for step in key.iter().flat_map(|k| k.split('.')).filter(|k| !k.is_empty()) {
            found = found.get(step)?.clone();
        }
        Some(Located { node: Cow::Owned(found), source: read })
    }
}

/// `${file(./x.yml)}` or `${file(x.yml):a.b}` as a whole value: the path and the key.
fn file_reference(text: &str) -> Option<(String, Option<String>)> {
    let inner = text.trim().strip_prefix("${file(")?.strip_suffix('}')?;
    let (path, rest) = inner.split_once(')')?;
    let path = path.trim().trim_matches(['\'', '"']);
    if path.is_empty() || path.contains("${") {
        return None;
    }
    let key = match rest.trim() {
        "" => None,
        rest => Some(rest.strip_prefix(':')?.trim().to_string()),
    };
    Some((path.to_string(), key))
}

/// The Framework's logical id for a name (`hello-world` → `HelloDashworld`).
fn normalized(name: &str) -> String {
    let replaced = name.replace('-', "Dash").replace('_', "Underscore");
    let mut chars = replaced.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A function of the service: its key, its deployed name and its timeout (if literal).
struct Function {
    key: String,
    logical_id: String,
    name: String,
    timeout: Option<f64>,
}

pub(super) fn extract(doc: &Node, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    let files = Files { ctx, read: std::cell::RefCell::default() };
    let source = ctx.source.clone();
    let service = doc.get_str("service").filter(|s| !s.contains("${")).unwrap_or("${self:service}").to_string();
    let provider = doc.get("provider").and_then(|p| files.resolve(p, &source, out));
    let provider_timeout = provider.as_ref().and_then(|p| p.node.get("timeout")).and_then(Node::as_f64);

    let mut functions = Vec::new();
    if let Some(all) = doc.get("functions").and_then(|f| files.resolve(f, &source, out)) {
        for entry in all.node.unique_entries() {
            let Some(function) = files.resolve(&entry.value, &all.source, out) else { continue };
            let name = function.node.get_str("name").map_or_else(|| format!("{service}-${{sls:stage}}-{}", entry.key), str::to_string);
            functions.push(Function {
                key: entry.key.to_string(),
                logical_id: format!("{}LambdaFunction", normalized(&entry.key)),
                name,
                timeout: function.node.get("timeout").and_then(Node::as_f64),
            });
            // serverless-iam-roles-per-function: the function's own role.
            if let Some(statements) = function.node.get("iamRoleStatements") {
                let location = format!("functions.{}.iamRoleStatements", crate::finding::locator_part(&entry.key));
                let role = format!("{}IamRoleLambdaExecution", normalized(&entry.key));
                statements_policy(statements, &function.source, (&role, &location), &files, out);
            }
        }
    }

    if let Some(provider) = &provider {
        if let Some(statements) = provider.node.get("iamRoleStatements") {
            statements_policy(statements, &provider.source, ("IamRoleLambdaExecution", "provider.iamRoleStatements"), &files, out);
        }
        if let Some(statements) = provider.node.get("iam").and_then(|i| i.get("role")).and_then(|r| r.get("statements")) {
            statements_policy(statements, &provider.source, ("IamRoleLambdaExecution", "provider.iam.role.statements"), &files, out);
        }
    }

    // The `resources:` parts, as templates: where a state machine's `role` may be defined.
    let mut parts: Vec<(Arc<Source>, Node)> = Vec::new();
    if let Some(resources) = doc.get("resources") {
        let items: Vec<&Node> = match resources.as_array() {
            Some(items) => items.iter().collect(),
            None => vec![resources],
        };
        for part in items {
            let Some(part) = files.resolve(part, &source, out) else { continue };
            let Some(inner) = part.node.get("Resources").and_then(|r| files.resolve(r, &part.source, out)) else { continue };
            let at = inner.node.span;
            let key_span = Span::new(at.start(), at.start());
            let doc = Node::new(Value::Object(vec![Entry { key: "Resources".into(), key_span, value: inner.node.into_owned() }]), at);
            parts.push((inner.source, doc));
        }
    }

    if let Some(step_functions) = doc.get("stepFunctions").and_then(|s| files.resolve(s, &source, out)) {
        let activities: Vec<String> = step_functions
            .node
            .get("activities")
            .and_then(Node::as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string).or_else(|| a.as_object().and_then(|e| e.first()).map(|e| e.key.to_string())))
            .collect();
        let machines = step_functions.node.get("stateMachines").and_then(|m| files.resolve(m, &step_functions.source, out));
        for entry in machines.iter().flat_map(|m| m.node.unique_entries()) {
            let Some(machine) = files.resolve(&entry.value, &step_functions.source, out) else { continue };
            let Some(definition) = machine.node.get("definition").and_then(|d| files.resolve(d, &machine.source, out)) else { continue };
            let timeouts = machine.node.get("configureTaskTimeouts").is_some_and(|c| c.value == Value::Bool(true));
            let names = Names { functions: &functions, activities: &activities, provider_timeout, timeouts };
            let location = format!("stepFunctions.stateMachines.{}.definition", crate::finding::locator_part(&entry.key));
            let context = Some(machine_context(&entry.key, &machine, &parts));
            state_machine(&entry.key, definition, &location, &names, context, out);
        }
    }

    for (source, doc) in &parts {
        template(doc, source, ctx, out);
    }
}

/// A state machine's context: its type, logging, and its role when `role` names a role of the
/// `resources:` section (with every policy that part attaches to it) or one outside the file.
/// Without `role`, the plugin writes the role from the definition itself: there is nothing to
/// cross-check.
fn machine_context(name: &str, machine: &Located<'_>, parts: &[(Arc<Source>, Node)]) -> Arc<MachineContext> {
    use crate::model::role::{MachineType, RoleBinding};
    use crate::model::symbolic::Symbolic;
    let role_value = machine.node.get("role");
    let resource = format!("{}StepFunctionsStateMachine", normalized(name));
    let found = role_value.and_then(|role_value| {
        parts.iter().find_map(|(source, doc)| {
            let mut role = super::template::Template::new(doc).role_named(role_value, &resource)?;
            if parts.len() > 1 {
                // Another part may attach policies to it: not read together here.
                role.unseen.push((role.at.clone(), "what the other parts of `resources` attach to it".into()));
            }
            // The role's places are in its part's file.
            Some(if Arc::ptr_eq(source, &machine.source) { role } else { role.in_file(source) })
        })
    });
    let role = match (found, role_value) {
        (Some(role), _) => RoleBinding::Known(role),
        (None, Some(role_value)) => {
            let what = match role_value.as_str() {
                Some(text) => format!("given by `{}`", crate::finding::shortened(text, 120)),
                None => "given by a value the file does not define".to_string(),
            };
            RoleBinding::Unseen { at: role_value.span, what }
        }
        (None, None) => RoleBinding::Generated,
    };
    let machine_type = match machine.node.get("type").map(|t| t.as_str()) {
        Some(Some(t)) if t.eq_ignore_ascii_case("EXPRESS") => MachineType::Express,
        Some(None) => MachineType::Unknown,
        _ => MachineType::Standard,
    };
    let logging = machine
        .node
        .entry("loggingConfig")
        .filter(|e| {
            e.value.get_str("level").is_none_or(|l| !l.eq_ignore_ascii_case("OFF"))
                && e.value.get("destinations").and_then(Node::as_array).is_some_and(|d| !d.is_empty())
        })
        .map(|e| e.key_span);
    let own = machine.node.get_str("name").filter(|n| !n.contains("${")).map_or_else(|| Symbolic::opaque("name"), Symbolic::text);
    Arc::new(MachineContext {
        dialect: crate::model::symbolic::Dialect::CloudFormation,
        senders: Arc::default(),
        answerers: Arc::default(),
        task_roles: Vec::new(),
        functions: Arc::default(),
        resource,
        file: machine.source.clone(),
        at: role_value.map_or(machine.node.span, |r| r.span),
        machine_type,
        logging,
        // The resources of the service's other stacks and plugins are not read: not looked for.
        log_group: None,
        alarm: crate::model::role::Alarm::Unchecked,
        names: std::collections::BTreeMap::new(),
        own_arn: crate::model::needs::format_arn("arn:${Partition}:states:${Region}:${Account}:stateMachine:${Name}", Some(&own)),
        role,
    })
}

/// What a definition's references to the service name.
struct Names<'f> {
    functions: &'f [Function],
    activities: &'f [String],
    provider_timeout: Option<f64>,
    /// `configureTaskTimeouts: true`.
    timeouts: bool,
}

impl Names<'_> {
    /// The function a `Fn::GetAtt`/`Ref` (by key or logical id) names.
    fn function(&self, node: &Node) -> Option<&Function> {
        let (name, arg) = node.intrinsic()?;
        let target = match (name, &arg.value) {
            ("Fn::GetAtt", Value::Array(items)) => items.first()?.as_str()?,
            ("Fn::GetAtt", Value::String(s)) => s.split('.').next()?,
            ("Ref", Value::String(s)) => s,
            _ => return None,
        };
        self.functions.iter().find(|f| f.key == target || f.logical_id == target)
    }

    /// The ARN a `Fn::GetAtt` of a function or a `Ref` of an activity stands for.
    fn arn(&self, node: &Node) -> Option<String> {
        if let Some(function) = self.function(node).filter(|_| matches!(node.intrinsic(), Some(("Fn::GetAtt", _)))) {
            return Some(format!("arn:aws:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}", function.name));
        }
        let ("Ref", arg) = node.intrinsic()? else { return None };
        let target = arg.as_str()?;
        let activity = self.activities.iter().find(|a| *a == target || format!("{}StepFunctionsActivity", normalized(a)) == target)?;
        Some(format!("arn:aws:states:${{AWS::Region}}:${{AWS::AccountId}}:activity:{activity}"))
    }
}

/// A state machine definition, with the plugin's resolutions applied.
fn state_machine(
    name: &str,
    definition: Located<'_>,
    location: &str,
    names: &Names<'_>,
    machine: Option<Arc<MachineContext>>,
    out: &mut Extraction<'_, '_>,
) {
    let mut root = definition.node.into_owned();
    if root.as_str().is_some() {
        // A definition given as a JSON string.
        let mut embedded = crate::parse::embedded::EmbeddedText::new(root.span);
        embedded.push_string_node(&definition.source.text, &root);
        let what = format!("`{location}`");
        let Some(parsed) = super::parse_embedded(&embedded, true, (&what, location), &definition.source, out) else { return };
        push_machine(name, (parsed, Vec::new()), (definition.source, location), Some(Box::new(embedded)), machine, out);
        return;
    }
    if names.timeouts {
        inject_timeouts(&mut root, names);
    }
    let mut substituted = resolve_intrinsics(&mut root, names);
    substituted.extend(pseudo_parameters(&mut root));
    substituted.sort_unstable();
    substituted.dedup();
    push_machine(name, (root, substituted), (definition.source, location), None, machine, out);
}

/// A state machine artifact; `substituted` are the places whose value the definition does not
/// spell as written (an intrinsic function replaced by what it stands for).
fn push_machine(
    name: &str,
    (root, substituted): (Node, Vec<Span>),
    (source, location): (Arc<Source>, &str),
    embedded: Option<Box<crate::parse::embedded::EmbeddedText>>,
    machine: Option<Arc<MachineContext>>,
    out: &mut Extraction<'_, '_>,
) {
    out.push(
        Artifact::new(ArtifactKind::StateMachine, Cow::Owned(root), source)
            .held_by(format!("{}StepFunctionsStateMachine", normalized(name)), "AWS::StepFunctions::StateMachine", location.to_string())
            .embedded(embedded)
            .substituted(super::Substitutions::Unknown, substituted)
            .machine(machine),
    );
}

/// Replaces, anywhere in the definition, a `Fn::GetAtt` of a function and a `Ref` of an
/// activity by the ARN they stand for, at the same place; the places replaced.
fn resolve_intrinsics(root: &mut Node, names: &Names<'_>) -> Vec<Span> {
    let mut replaced = Vec::new();
    root.visit_mut(|node| match names.arn(node) {
        Some(arn) => {
            replaced.push(node.span);
            *node = Node::new(Value::String(arn.into()), node.span);
            false
        }
        None => true,
    });
    replaced
}

/// `#{AWS::Region}` (serverless-pseudo-parameters, and the step-functions plugin for its
/// definitions) is CloudFormation's `${AWS::Region}`: read as that placeholder.
fn pseudo_parameters(root: &mut Node) -> Vec<Span> {
    let mut replaced = Vec::new();
    root.visit_mut(|node| {
        if let Value::String(text) = &mut node.value
            && text.contains("#{")
        {
            *text = text.replace("#{", "${").into();
            replaced.push(node.span);
        }
        true
    });
    replaced
}

/// `configureTaskTimeouts: true`: a Task that invokes a function of the service (its
/// `Resource`, or `Parameters.FunctionName` of `lambda:invoke`) and sets no timeout gets the
/// function's, as the plugin writes it into the deployed definition.
fn inject_timeouts(root: &mut Node, names: &Names<'_>) {
    let mut stack: Vec<&mut Node> = vec![root];
    while let Some(machine) = stack.pop() {
        let Some(Value::Object(states)) = machine.entry_mut("States").map(|e| &mut e.value.value) else { continue };
        for state in states.iter_mut().map(|e| &mut e.value) {
            let kind = state.get_str("Type").map(str::to_string);
            match kind.as_deref() {
                Some("Task") => {
                    let target = match state.get_str("Resource") {
                        Some(r) if r.starts_with("arn:aws:states:::lambda:invoke") => {
                            state.get("Parameters").and_then(|p| p.get("FunctionName"))
                        }
                        _ => state.get("Resource"),
                    };
                    let Some(function) = target.and_then(|t| names.function(t)) else { continue };
                    if state.get("TimeoutSeconds").is_some() || state.get("TimeoutSecondsPath").is_some() {
                        continue;
                    }
                    let seconds = function.timeout.or(names.provider_timeout).unwrap_or(FRAMEWORK_TIMEOUT_SECONDS);
                    let at = Span::new(state.span.start(), state.span.start());
                    if let Value::Object(fields) = &mut state.value {
                        fields.push(Entry { key: "TimeoutSeconds".into(), key_span: at, value: Node::new(Value::Number(seconds), at) });
                    }
                }
                Some("Parallel") => {
                    if let Some(Value::Array(branches)) = state.entry_mut("Branches").map(|e| &mut e.value.value) {
                        stack.extend(branches.iter_mut());
                    }
                }
                Some("Map") => {
                    let key = if state.get("ItemProcessor").is_some() { "ItemProcessor" } else { "Iterator" };
                    if let Some(entry) = state.entry_mut(key) {
                        stack.push(&mut entry.value);
                    }
                }
                _ => {}
            }
        }
    }
}

/// A list of IAM statements (the Framework's `iamRoleStatements`) as the policy it becomes in
/// the role the Framework makes.
fn statements_policy(
    statements: &Node,
    source: &Arc<Source>,
    (role, location): (&str, &str),
    files: &Files<'_, '_>,
    out: &mut Extraction<'_, '_>,
) {
    let Some(statements) = files.resolve(statements, source, out) else { return };
    let at = statements.node.span;
    let version = Node::new(Value::String("2012-10-17".into()), Span::new(at.start(), at.start()));
    let mut list = match statements.node.value {
        Value::Array(_) => statements.node.into_owned(),
        _ => return,
    };
    pseudo_parameters(&mut list);
    let root = Node::new(
        Value::Object(vec![
            Entry { key: "Version".into(), key_span: version.span, value: version },
            Entry { key: "Statement".into(), key_span: at, value: list },
        ]),
        at,
    );
    out.push(
        Artifact::new(ArtifactKind::Policy, Cow::Owned(root), statements.source)
            .held_by(role.to_string(), "AWS::IAM::Role", location.to_string())
            .policy_kind(PolicyKind::Identity),
    );
}

/// A `resources:` part (`{"Resources": …}`), read as a CloudFormation template in its file.
fn template(doc: &Node, source: &Arc<Source>, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    let here = Context::new(source.clone(), ctx.files.roots);
    let mut nested = out.nested();
    nested.push(super::whole_file(ArtifactKind::Template, doc, &here));
    super::cfn::extract(doc, &here, &mut nested);
    let found = nested.done();
    out.absorb(found);
    ctx.files.claim_all(here.files);
}
