//! What a state machine's role must allow: for each Task, the actions its integration cannot
//! succeed without and the resources they act on (from `data/sfn/permissions.yaml`), plus what
//! a Distributed Map and logging need. One function, [`needs`], feeds both the role
//! cross-check and `deploylint policy`, so the two cannot disagree.

use super::asl::{StateId, StateMachine};
use super::role::{MachineContext, Role, RoleBinding, Target, Verdict};
use super::symbolic::{Piece, Symbolic};
use crate::data::sfn::{self, Permissions};
use crate::parse::{Node, Value};

/// One action on one target, and the state that needs it.
#[derive(Debug)]
pub struct Need<'n> {
    /// The state (none for what the machine as a whole needs: logging).
    pub state: Option<StateId>,
    /// The node of the definition that names the target (a parameter), else the Task's
    /// `Resource` (none for the machine as a whole).
    pub place: Option<&'n Node>,
    pub action: String,
    pub target: Target,
    /// For a qualified Lambda function (`:prod`, `:$LATEST`): the function itself. Whether a
    /// grant on the function covers its aliases is not certain, so a grant there makes a
    /// "missing" unknown.
    pub unqualified: Option<Symbolic>,
    /// What else decides whether it is needed at all: then it is never certainly missing.
    pub depends_on: Option<String>,
}

impl<'n> Need<'n> {
    /// `action` on `target`, needed by `state` (none: the machine as a whole) at `place`.
    fn new(state: Option<StateId>, place: Option<&'n Node>, action: &str, target: Target) -> Self {
        Self { state, place, action: action.to_string(), target, unqualified: None, depends_on: None }
    }
}

/// A machine's needs with its role's answer for each.
#[derive(Debug)]
pub struct Access<'n> {
    pub needs: Vec<Need<'n>>,
    /// Whether the needs are all the machine has (see [`needs_of`]).
    pub complete: bool,
    /// The role's answer for each need, in the same order.
    pub verdicts: Vec<Verdict>,
}

impl<'n> Access<'n> {
    #[must_use]
    pub fn of(machine: &StateMachine<'n>, context: &MachineContext) -> Self {
        let (needs, complete) = needs_of(machine, context);
        let verdicts = needs
            .iter()
            .map(|need| match &context.role {
                RoleBinding::Known(role) => verdict(role, need),
                RoleBinding::Unseen { what, .. } => Verdict::Unknown(format!("the role is {what}")),
                RoleBinding::Generated => Verdict::Unknown("the role is written from the definition".into()),
            })
            .collect();
        Self { needs, complete, verdicts }
    }

    /// Each need with its verdict.
    pub fn each(&self) -> impl Iterator<Item = (&Need<'n>, &Verdict)> {
        self.needs.iter().zip(&self.verdicts)
    }
}

/// The Lambda function of the file a need invokes (`lambda:InvokeFunction` on an ARN that
/// certainly names it; an alias names its function).
#[must_use]
pub fn function_invoked<'c>(need: &Need<'_>, ctx: &'c MachineContext) -> Option<&'c crate::model::role::Function> {
    let Target::Arn(target) = &need.target else { return None };
    if need.action != "lambda:InvokeFunction" {
        return None;
    }
    let target = need.unqualified.as_ref().unwrap_or(target);
    let wanted = crate::model::symbolic::final_segment(target, false);
    // A file may have thousands of functions: the names go first, the full test after.
    ctx.functions
        .iter()
        .filter(|f| match (crate::model::symbolic::final_segment(&f.arn, true), wanted) {
            (Some(have), Some(want)) => have.eq_ignore_ascii_case(want),
            _ => true,
        })
        .find(|f| crate::model::symbolic::covers(&f.arn, target) == crate::model::symbolic::Tri::Yes)
}

/// The role's answer for one need: "missing" becomes "unknown" where something else decides
/// whether it is needed, or where a grant on a function may cover the alias the state names.
fn verdict(role: &Role, need: &Need<'_>) -> Verdict {
    let verdict = role.allows(&need.action, &need.target);
    if let (Verdict::Missing, Some(depends)) = (&verdict, &need.depends_on) {
        return Verdict::Unknown(format!("whether it is needed depends on {depends}"));
    }
    match (&verdict, &need.unqualified) {
        (Verdict::Missing, Some(function)) if role.allows(&need.action, &Target::Arn(function.clone())) != Verdict::Missing => {
            Verdict::Unknown("a statement grants the function, not the version or alias the state names".into())
        }
        _ => verdict,
    }
}

/// Every need of the machine's states, in state order.
#[must_use]
pub fn needs<'n>(machine: &StateMachine<'n>, ctx: &MachineContext) -> Vec<Need<'n>> {
    needs_of(machine, ctx).0
}

/// [`needs`], and whether they are all the machine needs: false when a Task's integration is
/// not in the table or its `Resource` is known only at deploy time.
#[must_use]
pub fn needs_of<'n>(machine: &StateMachine<'n>, ctx: &MachineContext) -> (Vec<Need<'n>>, bool) {
    let Some(data) = sfn::permissions() else { return (Vec::new(), false) };
    let mut out = Vec::new();
    let mut complete = true;
    for (id, state) in machine.states.iter().enumerate() {
        match state.type_name {
            Some("Task") => complete &= task(machine, id, ctx, data, &mut out),
            Some("Map") => distributed_map(machine, id, ctx, data, &mut out),
            _ => {}
        }
    }
    if ctx.logging.is_some() {
        for action in &data.logging {
            out.push(Need::new(None, None, action, Target::Arn(Symbolic::any())));
        }
    }
    (out, complete)
}

/// The label of the part of a target named only at run time (`FunctionName.$`).
pub const RUN_TIME: &str = "named at run time";

/// Whether a target is named only at run time (wholly, or the name in its ARN).
#[must_use]
pub fn named_at_run_time(target: &Target) -> bool {
    match target {
        Target::RunTime => true,
        Target::Arn(arn) => arn.pieces.iter().any(|p| matches!(p, Piece::Opaque(label) if label == RUN_TIME)),
    }
}

/// A definition's text with its `${Name}`s resolved through the machine's context.
#[must_use]
pub fn resolve_text(text: &str, ctx: &MachineContext) -> Symbolic {
    let mut out = Symbolic { pieces: Vec::new(), shown: None };
    let mut from = 0;
    let mut whole = None;
    for (start, end, name) in crate::extract::placeholders(text) {
        out.push_text(&text[from..start]);
        from = end;
        if let Some(pseudo) = name.strip_prefix("AWS::") {
            out.push(Piece::Pseudo(pseudo.to_string()));
        } else if let Some(value) = ctx.names.get(name) {
            if start == 0 && end == text.len() {
                whole.clone_from(&value.shown);
            }
            out.extend(value.clone());
        } else {
            out.push(Piece::Opaque(name.to_string()));
        }
    }
    out.push_text(&text[from..]);
    out.shown = whole;
    out
}

/// What a parameter of the Task says: its value nodes, or that it is given at run time.
enum Given<'n> {
    Value(&'n Node),
    RunTime(&'n Node),
}

/// The values of a parameter path (`FunctionName`, `Authentication.ConnectionArn`,
/// `Entries[].EventBusName`) in `Parameters` (JSONPath) or `Arguments` (JSONata).
fn parameter<'n>(state: &'n Node, path: &str) -> Vec<Given<'n>> {
    let Some(root) = state.get("Parameters").or_else(|| state.get("Arguments")) else { return Vec::new() };
    let mut current: Vec<&'n Node> = vec![root];
    let steps: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let (key, each) = match step.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (*step, false),
        };
        let mut next = Vec::new();
        for node in current {
            if jsonata(node) {
                out.push(Given::RunTime(node));
                continue;
            }
            if let Some(dynamic) = node.get(&format!("{key}.$")) {
                out.push(Given::RunTime(dynamic));
                continue;
            }
            let Some(value) = node.get(key) else { continue };
            if jsonata(value) {
                out.push(Given::RunTime(value));
            } else if each {
                next.extend(value.as_array().unwrap_or(&[]).iter());
            } else {
                next.push(value);
            }
        }
        if last {
            out.extend(next.into_iter().map(Given::Value));
            return out;
        }
        current = next;
    }
    out
}

fn jsonata(node: &Node) -> bool {
    node.as_str().is_some_and(|t| t.trim_start().starts_with("{%"))
}

/// The integration a Task's `Resource` names: (`lambda:invoke`, pattern suffix) for
/// `arn:aws:states:::lambda:invoke.waitForTaskToken`.
fn integration(resource: &str) -> Option<(&str, &str)> {
    let rest = resource.split_once(":states:::")?.1;
    let (name, pattern) = match rest.find('.') {
        Some(dot) => (&rest[..dot], &rest[dot..]),
        None => (rest, ""),
    };
    Some((name, pattern))
}

/// A Task's needs; false when they are not known (an integration the table lacks, a
/// `Resource` known only at deploy time).
fn task<'n>(machine: &StateMachine<'n>, id: StateId, ctx: &MachineContext, data: &Permissions, out: &mut Vec<Need<'n>>) -> bool {
    let state = machine.states[id].node;
    let Some(resource_node) = state.get("Resource") else { return false };
    let Some(text) = resource_node.as_str() else { return false };
    let resource = resolve_text(text, ctx);
    // Classified on its text, pseudo parameters read as the commercial partition.
    let classified: String = resource
        .pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.as_str(),
            Piece::Pseudo(p) if p == "Partition" => "aws",
            Piece::Pseudo(_) => "",
            _ => "\u{0}",
        })
        .collect();
    if !classified.starts_with("arn:") {
        return false;
    }
    let push = |out: &mut Vec<Need<'n>>, action: &str, place: &'n Node, target: Target, unqualified: Option<Symbolic>| {
        out.push(Need { unqualified, ..Need::new(Some(id), Some(place), action, target) });
    };
    let Some((name, pattern)) = integration(&classified) else {
        // A Lambda function named directly; an activity needs nothing of the role.
        if classified.split(':').nth(2) == Some("lambda") {
            let unqualified = lambda_unqualified(&resource);
            push(out, "lambda:InvokeFunction", resource_node, Target::Arn(resource), unqualified);
            return true;
        }
        return classified.split(':').nth(5) == Some("activity");
    };
    if name.contains('\0') {
        return false;
    }
    if let Some(sdk) = name.strip_prefix("aws-sdk:") {
        let Some((service, api)) = sdk.split_once(':') else { return false };
        let Some(action) = data.aws_sdk.action(service, api) else { return false };
        push(out, &action, resource_node, Target::RunTime, None);
        return true;
    }
    let Some(integration) = data.integrations.get(name) else { return false };
    let sync = pattern.starts_with(".sync");
    for need in integration.needs.iter().chain(integration.sync.iter().filter(|_| sync)) {
        if let Some(when) = &need.when {
            let holds = parameter(state, &when.parameter).iter().any(|g| matches!(g, Given::Value(v) if v.as_str() == Some(&when.equals)));
            if !holds {
                continue;
            }
        }
        for (place, target, unqualified) in targets(state, resource_node, &need.resource, ctx, data) {
            for action in &need.actions {
                push(out, action, place, target.clone(), unqualified.clone());
                if let Some(last) = out.last_mut() {
                    last.depends_on.clone_from(&need.depends_on);
                }
            }
            // Running a task definition of the file passes the roles it names.
            if name == "ecs:runTask"
                && let Target::Arn(definition) = &target
                && let Some((_, roles)) = ctx.task_roles.iter().find(|(arn, _)| same(arn, definition))
            {
                for role in roles {
                    push(out, "iam:PassRole", place, Target::Arn(role.clone()), None);
                }
            }
        }
    }
    true
}

/// Whether two symbolic values certainly name the same resource.
fn same(a: &Symbolic, b: &Symbolic) -> bool {
    use super::symbolic::{Tri, covers};
    covers(a, b) == Tri::Yes && covers(b, a) == Tri::Yes
}

type Resolved<'n> = (&'n Node, Target, Option<Symbolic>);

/// The targets a need acts on, each with the node that names it.
fn targets<'n>(state: &'n Node, resource: &'n Node, need: &sfn::Resource, ctx: &MachineContext, data: &Permissions) -> Vec<Resolved<'n>> {
    if need.run_time {
        return vec![(resource, Target::RunTime, None)];
    }
    if need.itself {
        return vec![(resource, Target::Arn(ctx.own_arn.clone()), None)];
    }
    if let Some(arn) = &need.arn {
        return vec![(resource, Target::Arn(format_arn(arn, None)), None)];
    }
    if let Some(parameter_name) = &need.executions_of {
        return parameter(state, parameter_name)
            .into_iter()
            .map(|given| match given {
                Given::RunTime(node) => (node, Target::RunTime, None),
                Given::Value(node) => (node, Target::Arn(executions(&value_of(node, ctx))), None),
            })
            .collect();
    }
    let Some(parameter_name) = &need.parameter else { return Vec::new() };
    let kind = need.kind.as_deref().and_then(|k| data.kinds.get(k));
    let mut given = parameter(state, parameter_name);
    if given.is_empty()
        && let Some(or) = &need.or
    {
        given = parameter(state, or);
    }
    if given.is_empty() {
        // Absent: the service's default (the default event bus), else any resource (an SNS
        // message to a phone number names no topic).
        let target = match (&need.default, kind) {
            (Some(default), Some(kind)) => Target::Arn(to_arn(kind, Symbolic::text(default.clone()))),
            _ => Target::RunTime,
        };
        return vec![(resource, target, None)];
    }
    given
        .into_iter()
        .map(|given| match given {
            // Named at run time: some resource of the kind, when the kind is known.
            Given::RunTime(node) => match kind {
                Some(kind) => (node, Target::Arn(to_arn(kind, Symbolic::opaque(RUN_TIME))), None),
                None => (node, Target::RunTime, None),
            },
            Given::Value(node) => {
                let value = value_of(node, ctx);
                let arn = match kind {
                    Some(kind) => to_arn(kind, value),
                    None => value,
                };
                let unqualified = if need.kind.as_deref() == Some("lambda-function") { lambda_unqualified(&arn) } else { None };
                (node, Target::Arn(arn), unqualified)
            }
        })
        .collect()
}

fn value_of(node: &Node, ctx: &MachineContext) -> Symbolic {
    match &node.value {
        Value::String(text) => resolve_text(text, ctx),
        Value::Number(n) => Symbolic::text(n.to_string()),
        _ => Symbolic::opaque("value"),
    }
}

/// An ARN format of the permissions table, with the machine's partition, region and account.
#[must_use]
pub fn format_arn(format: &str, name: Option<&Symbolic>) -> Symbolic {
    let mut out = Symbolic { pieces: Vec::new(), shown: None };
    let mut rest = format;
    while let Some(open) = rest.find("${") {
        out.push_text(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        match &rest[open + 2..open + close] {
            "Partition" => out.push(Piece::Pseudo("Partition".into())),
            "Region" => out.push(Piece::Pseudo("Region".into())),
            "Account" => out.push(Piece::Pseudo("AccountId".into())),
            "Name" => match name {
                Some(name) => out.extend(name.clone()),
                None => out.push(Piece::Opaque("Name".into())),
            },
            other => out.push(Piece::Opaque(other.to_string())),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_text(rest);
    out
}

/// The ARN a parameter's value names: an ARN as it is, a partial Lambda ARN completed, a queue
/// URL turned into the queue's ARN, a name put into the kind's format.
fn to_arn(kind: &sfn::Kind, value: Symbolic) -> Symbolic {
    let first = match value.pieces.first() {
        Some(Piece::Text(t)) => t.as_str(),
        _ => "",
    };
    if first.starts_with("arn:") {
        return value;
    }
    if kind.url {
        // The queue's ARN as the file would name it: `${aws_sqs_queue.q.arn}` for
        // `${aws_sqs_queue.q.url}`, `!GetAtt Queue.Arn` for `!Ref Queue`.
        let shown = match &value.shown {
            Some(serde_json::Value::String(text)) => text.strip_suffix(".url}").map(|t| serde_json::Value::String(format!("{t}.arn}}"))),
            Some(serde_json::Value::Object(map)) => {
                map.get("Ref").and_then(serde_json::Value::as_str).map(|id| serde_json::json!({ "Fn::GetAtt": [id, "Arn"] }))
            }
            _ => None,
        };
        let mut arn = queue_arn(kind, value);
        arn.shown = shown;
        return arn;
    }
    if let Some(partial) = &kind.partial {
        // `123456789012:function:name` or `function:name`.
        if first.starts_with(partial.as_str()) || first.split_once(':').is_some_and(|(_, rest)| rest.starts_with(partial.as_str())) {
            let prefix = kind.format.split(partial.as_str()).next().unwrap_or_default();
            let account_given = !first.starts_with(partial.as_str());
            let prefix = if account_given { prefix.trim_end_matches(':').trim_end_matches("${Account}") } else { prefix };
            let mut out = format_arn(prefix, None);
            out.extend(value);
            return out;
        }
    }
    let value = if kind.lowercase {
        Symbolic {
            pieces: value.pieces.into_iter().map(|p| if let Piece::Text(t) = p { Piece::Text(t.to_lowercase()) } else { p }).collect(),
            shown: None,
        }
    } else {
        value
    };
    format_arn(&kind.format, Some(&value))
}

/// `https://sqs.<region>.amazonaws.com/<account>/<name>` → the queue's ARN.
fn queue_arn(kind: &sfn::Kind, value: Symbolic) -> Symbolic {
    // The pieces after the last `/` are the name, those between the two last the account.
    let mut segments: Vec<Symbolic> = vec![Symbolic { pieces: Vec::new(), shown: None }];
    for piece in value.pieces {
        match piece {
            Piece::Text(text) => {
                for (i, part) in text.split('/').enumerate() {
                    if i > 0 {
                        segments.push(Symbolic { pieces: Vec::new(), shown: None });
                    }
                    if let Some(last) = segments.last_mut() {
                        last.push_text(part);
                    }
                }
            }
            other => {
                if let Some(last) = segments.last_mut() {
                    last.push(other);
                }
            }
        }
    }
    // `https://sqs.<region>.amazonaws.com/…`: the region, when the URL spells it.
    let region = (|| {
        let host = segments.get(2)?.as_text()?;
        let rest = host.strip_prefix("sqs.")?;
        let (region, _) = rest.split_once('.')?;
        (!region.is_empty() && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
            .then(|| region.to_string())
    })();
    let name = segments.pop().unwrap_or_else(|| Symbolic::opaque("QueueName"));
    if segments.len() < 2 {
        return format_arn(&kind.format, Some(&name));
    }
    let account = segments.pop().unwrap_or_else(|| Symbolic::opaque("Account"));
    let mut out = format_arn(&kind.format.replace("${Account}", "\u{1}"), Some(&name));
    // Put the URL's account where the format has it.
    let mut with_account = Symbolic { pieces: Vec::new(), shown: None };
    for piece in out.pieces.drain(..) {
        match piece {
            Piece::Text(text) if text.contains('\u{1}') => {
                let (before, after) = text.split_once('\u{1}').unwrap_or((&text, ""));
                with_account.push_text(before);
                with_account.extend(account.clone());
                with_account.push_text(after);
            }
            Piece::Pseudo(p) if p == "Region" && region.is_some() => with_account.push_text(region.as_deref().unwrap_or_default()),
            other => with_account.push(other),
        }
    }
    with_account
}

/// The executions of the state machine an ARN names: `…:stateMachine:Name` → `…:execution:Name:*`.
fn executions(machine: &Symbolic) -> Symbolic {
    let mut out = Symbolic { pieces: Vec::new(), shown: None };
    let mut replaced = false;
    for piece in &machine.pieces {
        match piece {
            Piece::Text(text) if !replaced && text.contains(":stateMachine:") => {
                out.push_text(&text.replacen(":stateMachine:", ":execution:", 1));
                replaced = true;
            }
            other => out.push(other.clone()),
        }
    }
    if !replaced {
        // A machine whose ARN is not spelt out: its executions are some executions.
        return format_arn("arn:${Partition}:states:${Region}:${Account}:execution:${Name}:*", Some(&Symbolic::opaque("StateMachineName")));
    }
    out.push_text(":*");
    out
}

/// The function of a qualified Lambda ARN (`…:function:Name:alias`), when it is qualified.
fn lambda_unqualified(arn: &Symbolic) -> Option<Symbolic> {
    let text = arn.as_text()?;
    let (head, tail) = text.split_once(":function:")?;
    let (name, _) = tail.split_once(':')?;
    Some(Symbolic::text(format!("{head}:function:{name}")))
}

fn distributed_map<'n>(machine: &StateMachine<'n>, id: StateId, ctx: &MachineContext, data: &Permissions, out: &mut Vec<Need<'n>>) {
    let state = machine.states[id].node;
    let Some(config) = crate::model::asl::distributed_config(state) else { return };
    let at = config.get("Mode").unwrap_or(state);
    for need in &data.distributed_map {
        for (place, target, _) in targets(state, at, &need.resource, ctx, data) {
            for action in &need.actions {
                out.push(Need::new(Some(id), Some(place), action, target.clone()));
            }
        }
    }
    for (field, table, object) in [("ItemReader", &data.item_reader, false), ("ResultWriter", &data.result_writer, true)] {
        let Some(io) = state.get(field) else { continue };
        let Some(resource) = io.get("Resource") else { continue };
        let Some((name, _)) = resource.as_str().and_then(integration) else { continue };
        let Some(actions) = table.get(name) else { continue };
        let bucket = parameter(io, "Bucket");
        let key = if object { "Prefix" } else { "Key" };
        for given in bucket {
            let (place, target) = match given {
                Given::RunTime(node) => (node, Target::RunTime),
                Given::Value(node) => {
                    let mut arn = format_arn("arn:${Partition}:s3:::", None);
                    arn.extend(value_of(node, ctx));
                    // Objects: under the key or prefix given, else any key.
                    if name != "s3:listObjectsV2" {
                        arn.push_text("/");
                        match parameter(io, key).first() {
                            Some(Given::Value(k)) if k.as_str().is_some() => {
                                arn.extend(value_of(k, ctx));
                                if object {
                                    arn.push(Piece::Opaque("key".into()));
                                }
                            }
                            _ => arn.push(Piece::Opaque("key".into())),
                        }
                    }
                    (node, Target::Arn(arn))
                }
            };
            for action in actions {
                out.push(Need::new(Some(id), Some(place), action, target.clone()));
            }
        }
    }
}

/// A policy document, its fields in the order IAM documents write them.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    pub version: &'static str,
    pub statement: Vec<PolicyStatement>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyStatement {
    pub effect: &'static str,
    pub action: OneOrMany<String>,
    pub resource: OneOrMany<serde_json::Value>,
}

/// A value or a list, as IAM allows.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn of(mut values: Vec<T>) -> Self {
        if values.len() == 1 { OneOrMany::One(values.remove(0)) } else { OneOrMany::Many(values) }
    }
}

/// The least-privilege policy covering `needs`: one statement per set of actions that share
/// their resources, resources as the file names them (`spell`) where it can.
#[must_use]
pub fn policy(needs: &[&Need<'_>], spell: &dyn Fn(&Symbolic) -> serde_json::Value) -> PolicyDocument {
    // Resources per action, in first-need order; one resource spelt two ways (`!GetAtt
    // Ship.Arn`, a name put into the ARN format) once, as first spelt.
    let mut by_action: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
    let mut seen: Vec<(String, Vec<Piece>)> = Vec::new();
    for need in needs {
        if let Target::Arn(arn) = &need.target {
            let key = (need.action.to_ascii_lowercase(), arn.pieces.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
        }
        let resource = match &need.target {
            Target::RunTime => serde_json::Value::String("*".into()),
            // Any resource of the kind: the name is a wildcard.
            Target::Arn(arn) if named_at_run_time(&need.target) => {
                let mut pattern = Symbolic { pieces: Vec::new(), shown: None };
                for piece in &arn.pieces {
                    match piece {
                        Piece::Opaque(label) if label == RUN_TIME => pattern.push_text("*"),
                        other => pattern.push(other.clone()),
                    }
                }
                spell(&pattern)
            }
            Target::Arn(arn) => spell(arn),
        };
        let canonical = crate::data::iam::actions()
            .action(&need.action)
            .map_or_else(|| need.action.clone(), |a| format!("{}:{}", need.action.split(':').next().unwrap_or_default(), a.name));
        match by_action.iter_mut().find(|(a, _)| *a == canonical) {
            Some((_, resources)) if !resources.contains(&resource) => resources.push(resource),
            Some(_) => {}
            None => by_action.push((canonical, vec![resource])),
        }
    }
    // `*` covers every other resource of its action.
    for (_, resources) in &mut by_action {
        if resources.iter().any(|r| r.as_str() == Some("*")) {
            *resources = vec![serde_json::Value::String("*".into())];
        }
    }
    let mut statements: Vec<(Vec<String>, Vec<serde_json::Value>)> = Vec::new();
    for (action, resources) in by_action {
        match statements.iter_mut().find(|(_, r)| *r == resources) {
            Some((actions, _)) => actions.push(action),
            None => statements.push((vec![action], resources)),
        }
    }
    PolicyDocument {
        version: "2012-10-17",
        statement: statements
            .into_iter()
            .map(|(actions, resources)| PolicyStatement {
                effect: "Allow",
                action: OneOrMany::of(actions),
                resource: OneOrMany::of(resources),
            })
            .collect(),
    }
}
