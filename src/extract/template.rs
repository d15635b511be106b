//! The template model: one CloudFormation/SAM file's resources with a resolver for its
//! references (`Ref`, `Fn::GetAtt`, `Fn::Sub` with its variables, `Fn::Join`, parameters and
//! pseudo parameters), built once per file. From it a state machine's context is drawn: its
//! type, logging, what its `DefinitionSubstitutions` stand for, and its execution role with
//! every statement of every policy the file attaches to it (inline, managed in the file, SAM
//! policy templates, `AWS::IAM::Policy` resources naming the role, boundaries).

use super::Intrinsics;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::data::cfn::{Returns, resource_type};
use crate::model::role::{Alarm, Boundary, Grant, LogGroup, LogGroupName, MachineContext, MachineType, Role, RoleBinding, Sender};
use crate::model::symbolic::{Piece, Symbolic};
use crate::parse::{Entry, Node, Value};
use crate::source::{Source, Span};

/// Nesting followed when resolving a value (`Fn::Join` of `Fn::Sub` of …).
const MAX_DEPTH: usize = 16;

/// The file's callback senders, and the names of the roles that may answer a task token.
type Callbacks = (Arc<Vec<Sender>>, Arc<Vec<String>>);

/// One file's resources and parameters.
pub(crate) struct Template<'a> {
    resources: BTreeMap<&'a str, Resource<'a>>,
    /// The policy documents `AWS::IAM::Policy`, `ManagedPolicy` and `RolePolicy` resources attach
    /// to each role (by id), with whether the attaching resource has a `Condition`: indexed once.
    attached: std::cell::OnceCell<BTreeMap<&'a str, Vec<(&'a Node, bool)>>>,
    /// The file's callback senders and the roles that may answer, worked out once for all its
    /// state machines.
    callbacks: std::cell::OnceCell<Callbacks>,
    /// For each role (by id), the resources that name it, in order, policy attachments left out:
    /// indexed once.
    users: std::cell::OnceCell<BTreeMap<&'a str, Vec<&'a str>>>,
    /// SAM connectors add statements to roles that this model does not follow.
    connectors: bool,
    /// The file's Lambda functions, worked out once for all its state machines.
    functions: std::cell::OnceCell<Arc<Vec<crate::model::role::Function>>>,
    /// SAM `Globals.Function.Timeout`, when a number.
    global_timeout: Option<&'a Node>,
    /// The state machines the file's alarms watch the failures of: indexed once.
    alarms: std::cell::OnceCell<Alarms<'a>>,
}

/// What the file's CloudWatch alarms on failed executions watch.
#[derive(Default)]
struct Alarms<'a> {
    /// The state machines (by id) an alarm watches, with the first such alarm's name.
    watched: BTreeMap<&'a str, Span>,
    /// The first alarm on the metric whose state machine the run cannot tell.
    maybe: Option<Span>,
}

/// The state machine resource types: a `Ref` to one returns its ARN.
const MACHINES: [&str; 2] = ["AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"];

struct Resource<'a> {
    entry: &'a Entry,
    kind: &'a str,
    props: Option<&'a Node>,
}

impl<'a> Template<'a> {
    pub(crate) fn new(doc: &'a Node) -> Self {
        let mut resources = BTreeMap::new();
        let mut connectors = false;
        for entry in doc.get("Resources").map(|r| r.unique_entries().collect::<Vec<_>>()).unwrap_or_default() {
            let Some(kind) = entry.value.get_str("Type") else { continue };
            let props = entry.value.get("Properties");
            // SAM's `Connectors` is a resource attribute, beside `Properties`.
            connectors |= kind == "AWS::Serverless::Connector" || entry.value.get("Connectors").is_some();
            resources.insert(&*entry.key, Resource { entry, kind, props });
        }
        Self {
            resources,
            attached: std::cell::OnceCell::new(),
            callbacks: std::cell::OnceCell::new(),
            functions: std::cell::OnceCell::new(),
            global_timeout: doc.get("Globals").and_then(|g| g.get("Function")).and_then(|f| f.get("Timeout")),
            users: std::cell::OnceCell::new(),
            connectors,
            alarms: std::cell::OnceCell::new(),
        }
    }

    /// The symbolic value of a node of the template.
    pub(crate) fn resolve(&self, node: &Node) -> Symbolic {
        let mut value = self.resolve_at(node, 0);
        if node.intrinsic().is_some() && value.shown.is_none() {
            value.shown = Some(json_of(node));
        }
        value
    }

    fn resolve_at(&self, node: &Node, depth: usize) -> Symbolic {
        if depth > MAX_DEPTH {
            return Symbolic::opaque("value");
        }
        match &node.untagged().value {
            Value::String(text) if node.intrinsic().is_none() => return Symbolic::text(text.to_string()),
            Value::Number(n) => return Symbolic::text(n.to_string()),
            _ => {}
        }
        let Some((function, argument)) = node.intrinsic() else { return Symbolic::opaque("value") };
        match function {
            "Ref" => argument.as_str().map_or_else(|| Symbolic::opaque("Ref"), |name| self.reference(name)),
            "Fn::GetAtt" => {
                let (id, attribute) = match (argument.as_str(), argument.as_array()) {
                    (Some(text), _) => text.split_once('.').unwrap_or((text, "")),
                    (_, Some([id, attribute])) => (id.as_str().unwrap_or_default(), attribute.as_str().unwrap_or_default()),
                    _ => return Symbolic::opaque("Fn::GetAtt"),
                };
                self.attribute(id, attribute)
            }
            "Fn::Sub" => match (argument.as_str(), argument.as_array()) {
                (Some(text), _) => self.sub(text, None, depth),
                (_, Some([text, variables])) => {
                    text.as_str().map_or_else(|| Symbolic::opaque("Fn::Sub"), |t| self.sub(t, Some(variables), depth))
                }
                _ => Symbolic::opaque("Fn::Sub"),
            },
            "Fn::Join" => {
                let Some([delimiter, parts]) = argument.as_array() else { return Symbolic::opaque("Fn::Join") };
                let (Some(delimiter), Some(parts)) = (delimiter.as_str(), parts.as_array()) else { return Symbolic::opaque("Fn::Join") };
                let mut out = Symbolic { pieces: Vec::new(), shown: None };
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_text(delimiter);
                    }
                    out.extend(self.resolve_at(part, depth + 1));
                }
                out
            }
            other => Symbolic::opaque(other),
        }
    }

    /// `${…}` of a `Fn::Sub` text: its variables first, then pseudo parameters, attributes and
    /// references; `${!Literal}` stays as written.
    fn sub(&self, text: &str, variables: Option<&Node>, depth: usize) -> Symbolic {
        let mut out = Symbolic { pieces: Vec::new(), shown: None };
        let mut from = 0;
        for (start, end, name) in super::placeholders(text) {
            out.push_text(&text[from..start]);
            from = end;
            if let Some(literal) = name.strip_prefix('!') {
                out.push_text(&format!("${{{literal}}}"));
            } else if let Some(value) = variables.and_then(|v| v.get(name)) {
                out.extend(self.resolve_at(value, depth + 1));
            } else {
                out.extend(self.name(name));
            }
        }
        out.push_text(&text[from..]);
        out
    }

    /// A `${Name}` of a `Fn::Sub` without variables: a pseudo parameter, `Id.Attribute`, or a
    /// reference.
    pub(crate) fn name(&self, name: &str) -> Symbolic {
        match name.split_once('.') {
            Some((id, attribute)) if self.resources.contains_key(id) => self.attribute(id, attribute),
            _ => self.reference(name),
        }
    }

    fn reference(&self, name: &str) -> Symbolic {
        if let Some(pseudo) = name.strip_prefix("AWS::") {
            return Symbolic { pieces: vec![Piece::Pseudo(pseudo.to_string())], shown: None };
        }
        match self.resources.get(name) {
            Some(resource) => match resource_type(resource.kind) {
                Some(data) => self.returned(name, resource, data.reference),
                None => Symbolic::opaque(name),
            },
            None => Symbolic::opaque(name),
        }
    }

    fn attribute(&self, id: &str, attribute: &str) -> Symbolic {
        let label = format!("{id}.{attribute}");
        let Some(resource) = self.resources.get(id) else { return Symbolic::opaque(label) };
        match resource_type(resource.kind).and_then(|d| d.attributes.get(attribute)) {
            Some(returns) => self.returned(id, resource, *returns),
            None => Symbolic::opaque(label),
        }
    }

    fn returned(&self, id: &str, resource: &Resource<'_>, returns: Returns) -> Symbolic {
        let Some(data) = resource_type(resource.kind) else { return Symbolic::opaque(id) };
        returned(&data.arn, returns, self.physical_name(id, resource))
    }

    /// A resource's name: its name property when given, else the name CloudFormation
    /// generates (labelled as `Fn::Sub` spells it: `${Id}` where `Ref` gives the name).
    fn physical_name(&self, id: &str, resource: &Resource<'_>) -> Symbolic {
        let Some(data) = resource_type(resource.kind) else { return Symbolic::opaque(id) };
        if let Some(given) = data.name.as_deref().and_then(|p| resource.props?.get(p)) {
            if given.intrinsic().is_none() {
                return self.resolve_at(given, 1);
            }
            let resolved = self.resolve_at(given, 1);
            if !resolved.has_opaque() {
                return resolved;
            }
        }
        let label = if data.reference == Returns::Name {
            id.to_string()
        } else {
            match data.attributes.iter().find(|(_, r)| **r == Returns::Name) {
                Some((attribute, _)) => format!("{id}.{attribute}"),
                None => id.to_string(),
            }
        };
        Symbolic { pieces: vec![Piece::Name(label)], shown: None }
    }

    /// The id of the in-file resource of `kind` a value names (`!GetAtt Role.Arn`, `!Ref Role`,
    /// `!Sub arn:…:role/${Role}`).
    fn names_resource(&self, node: &Node, kinds: &[&str]) -> Option<&'a str> {
        let is = |id: &str| self.resources.get(id).filter(|r| kinds.contains(&r.kind)).map(|r| &*r.entry.key);
        match node.intrinsic()? {
            ("Ref", name) => is(name.as_str()?),
            ("Fn::GetAtt", argument) => match (argument.as_str(), argument.as_array()) {
                (Some(text), _) => is(text.split_once('.').map_or(text, |(id, _)| id)),
                (_, Some([id, _])) => is(id.as_str()?),
                _ => None,
            },
            ("Fn::Sub", argument) => {
                let text = argument.as_str().or_else(|| argument.as_array()?.first()?.as_str())?;
                super::placeholders(text).find_map(|(_, _, name)| is(name.split_once('.').map_or(name, |(id, _)| id)))
            }
            _ => None,
        }
    }

    /// The context of the state machine resource `id` (of `kind`, with `props`).
    pub(crate) fn machine(&self, id: &str, kind: &str, props: &Node, file: &Arc<Source>) -> MachineContext {
        let resource = self.resources.get(id);
        let at = resource.map_or(props.span, |r| r.entry.key_span);
        let sam = kind == "AWS::Serverless::StateMachine";
        let machine_type = match props.get(if sam { "Type" } else { "StateMachineType" }) {
            None => MachineType::Standard,
            Some(value) => match value.as_str() {
                Some(t) if t.eq_ignore_ascii_case("EXPRESS") => MachineType::Express,
                Some(_) => MachineType::Standard,
                None => MachineType::Unknown,
            },
        };
        let logging = props.entry(if sam { "Logging" } else { "LoggingConfiguration" }).filter(|e| logs(&e.value)).map(|e| e.key_span);
        let log_group = props.get(if sam { "Logging" } else { "LoggingConfiguration" }).and_then(|c| self.log_group(c));
        let alarm = {
            let alarms = self.alarms();
            match (alarms.watched.get(id), alarms.maybe) {
                (Some(at), _) => Alarm::Watched((*at).into()),
                (None, Some(at)) => Alarm::Maybe(at.into()),
                (None, None) => Alarm::None,
            }
        };
        let mut names = BTreeMap::new();
        if let Some(map) = props.get("DefinitionSubstitutions").filter(|m| m.intrinsic().is_none()) {
            for entry in map.unique_entries() {
                names.insert(entry.key.to_string(), self.resolve(&entry.value));
            }
        }
        // A `Fn::Sub` definition: its `${…}` are resolved as `Fn::Sub` resolves them.
        for property in ["Definition", "DefinitionString"] {
            if let Some(("Fn::Sub", argument)) = props.get(property).and_then(Intrinsics::intrinsic) {
                let (text, variables) = match (argument.as_str(), argument.as_array()) {
                    (Some(text), _) => (Some(text), None),
                    (_, Some([text, variables])) => (text.as_str(), Some(variables)),
                    _ => (None, None),
                };
                for (_, _, name) in text.map(|t| super::placeholders(t).collect::<Vec<_>>()).unwrap_or_default() {
                    let value = if let Some(value) = variables.and_then(|v| v.get(name)) {
                        self.resolve(value)
                    } else {
                        let mut value = self.name(name);
                        // Spelt as the intrinsic it stands for (`${Ship.Arn}` is `!GetAtt Ship.Arn`).
                        value.shown = match name.split_once('.') {
                            Some((id, attribute)) if self.resources.contains_key(id) => {
                                Some(serde_json::json!({ "Fn::GetAtt": [id, attribute] }))
                            }
                            None if self.resources.contains_key(name) => Some(serde_json::json!({ "Ref": name })),
                            _ => None,
                        };
                        value
                    };
                    names.entry(name.to_string()).or_insert(value);
                }
            }
        }
        let own_arn = resource.map_or_else(|| Symbolic::opaque(id), |r| self.returned(id, r, Returns::Arn));
        let role = self.binding(id, sam, props, at);
        MachineContext {
            dialect: crate::model::symbolic::Dialect::CloudFormation,
            senders: self.callbacks().0,
            answerers: self.callbacks().1,
            task_roles: self.task_roles(),
            functions: self.functions(),
            resource: id.to_string(),
            file: file.clone(),
            at,
            machine_type,
            logging,
            log_group,
            alarm,
            names,
            own_arn,
            role,
        }
    }

    /// The log group a logging configuration sends to, when its level is given and not `OFF`
    /// (an absent level is `OFF`): the log group resource of the file its ARN names, or the
    /// name the ARN spells.
    fn log_group(&self, config: &Node) -> Option<LogGroup> {
        let level = config.get("Level")?;
        if level.as_str().is_some_and(|l| l.eq_ignore_ascii_case("OFF")) {
            return None;
        }
        // Step Functions takes one destination.
        let arn = config.get("Destinations")?.as_array()?.first()?.get("CloudWatchLogsLogGroup")?.get("LogGroupArn")?;
        if let Some(id) = self.names_resource(arn, &["AWS::Logs::LogGroup"]) {
            let resource = &self.resources[id];
            return Some(match resource.props.and_then(|p| p.get("LogGroupName")) {
                Some(name) => {
                    LogGroup { name: LogGroupName::of(&self.resolve(name)), at: name.span.into(), resource: Some(id.to_string()) }
                }
                None => LogGroup { name: LogGroupName::Generated, at: resource.entry.key_span.into(), resource: Some(id.to_string()) },
            });
        }
        let name = LogGroupName::of_arn(&self.resolve(arn))?;
        Some(LogGroup { name, at: arn.span.into(), resource: None })
    }

    /// The index of what the file's alarms watch (see [`Template::alarms`]): an
    /// `AWS::CloudWatch::Alarm` on one of [`FAILURE_METRICS`](crate::model::role::FAILURE_METRICS)
    /// of `AWS/States`, itself or in one of its `Metrics`, whose `StateMachineArn` dimension
    /// names a state machine of the file; one naming anything else (a parameter, an import, a
    /// literal ARN), or a search expression over `AWS/States`, may watch any.
    fn alarms(&self) -> &Alarms<'a> {
        self.alarms.get_or_init(|| {
            let mut out = Alarms::default();
            for resource in self.resources.values().filter(|r| r.kind == "AWS::CloudWatch::Alarm") {
                let Some(props) = resource.props else { continue };
                let at = resource.entry.key_span;
                let mut metrics = vec![props];
                for item in props.get("Metrics").and_then(Node::as_array).unwrap_or_default() {
                    if let Some(metric) = item.get("MetricStat").and_then(|m| m.get("Metric")) {
                        metrics.push(metric);
                    }
                    if item.get("Expression").is_some_and(|e| e.as_str().is_none_or(|t| t.contains("AWS/States"))) {
                        out.maybe.get_or_insert(at);
                    }
                }
                for metric in metrics {
                    let given =
                        |key: &str, values: &[&str]| metric.get(key).is_some_and(|v| v.as_str().is_none_or(|t| values.contains(&t)));
                    if !given("Namespace", &["AWS/States"]) || !given("MetricName", &crate::model::role::FAILURE_METRICS) {
                        continue;
                    }
                    let Some(dimensions) = metric.get("Dimensions") else { continue };
                    let Some(items) = dimensions.as_array().filter(|_| dimensions.intrinsic().is_none()) else {
                        out.maybe.get_or_insert(at);
                        continue;
                    };
                    for item in items {
                        let name = item.get("Name");
                        if name.is_some_and(|n| n.as_str().is_some_and(|n| n != "StateMachineArn")) {
                            continue;
                        }
                        match item
                            .get("Value")
                            .filter(|_| name.is_some_and(|n| n.as_str().is_some()))
                            .and_then(|v| self.names_resource(v, &MACHINES))
                        {
                            Some(machine) => {
                                out.watched.entry(machine).or_insert(at);
                            }
                            None => {
                                out.maybe.get_or_insert(at);
                            }
                        }
                    }
                }
            }
            out
        })
    }

    /// The role a value names when it is a role of this file (`!GetAtt Role.Arn`), with every
    /// policy the file attaches to it; `machine` is the state machine it runs.
    pub(crate) fn role_named(&self, value: &Node, machine: &str) -> Option<Role> {
        self.names_resource(value, &["AWS::IAM::Role"]).map(|id| self.role(id, Some(machine)))
    }

    /// The file's ECS task definitions with the roles they pass.
    fn task_roles(&self) -> Vec<(Symbolic, Vec<Symbolic>)> {
        self.resources
            .iter()
            .filter(|(_, r)| r.kind == "AWS::ECS::TaskDefinition")
            .map(|(id, r)| {
                let roles = ["TaskRoleArn", "ExecutionRoleArn"].iter().filter_map(|p| r.props?.get(p)).map(|v| self.resolve(v)).collect();
                (self.reference(id), roles)
            })
            .collect()
    }

    /// The file's Lambda functions with their reserved concurrency and timeout, once.
    fn functions(&self) -> Arc<Vec<crate::model::role::Function>> {
        self.functions
            .get_or_init(|| {
                let number = |node: Option<&'a Node>| match node.map(|n| (&n.value, n.span)) {
                    Some((Value::Number(n), span)) => Some((*n, span.into())),
                    _ => None,
                };
                let functions = self
                    .resources
                    .iter()
                    .filter(|(_, r)| matches!(r.kind, "AWS::Lambda::Function" | "AWS::Serverless::Function"))
                    .map(|(id, r)| {
                        let props = r.props;
                        let own_timeout = props.and_then(|p| p.get("Timeout"));
                        let sam = r.kind == "AWS::Serverless::Function";
                        crate::model::role::Function {
                            arn: self.attribute(id, "Arn"),
                            name: format!("function `{}`", crate::finding::shortened(id, 80)),
                            at: r.entry.key_span.into(),
                            reserved: number(props.and_then(|p| p.get("ReservedConcurrentExecutions"))),
                            timeout: number(own_timeout.or(if sam { self.global_timeout } else { None })),
                        }
                    })
                    .collect();
                Arc::new(functions)
            })
            .clone()
    }

    /// The file's callback senders and answering roles, once.
    fn callbacks(&self) -> Callbacks {
        self.callbacks.get_or_init(|| (Arc::new(self.senders()), Arc::new(self.answerers()))).clone()
    }

    fn senders(&self) -> Vec<Sender> {
        const FUNCTIONS: [&str; 2] = ["AWS::Lambda::Function", "AWS::Serverless::Function"];
        let mut out = Vec::new();
        for (id, resource) in &self.resources {
            if !FUNCTIONS.contains(&resource.kind) {
                continue;
            }
            let arn = self.attribute(id, "Arn");
            let name = format!("function `{}`", crate::finding::shortened(id, 80));
            let role = self.function_role(id, resource);
            // Queues it consumes: a SAM `SQS` event, or an event source mapping.
            let mut queues: Vec<Symbolic> = Vec::new();
            for event in resource.props.and_then(|p| p.get("Events")).map(|e| e.unique_entries().collect::<Vec<_>>()).unwrap_or_default() {
                if event.value.get_str("Type") == Some("SQS")
                    && let Some(queue) = event.value.get("Properties").and_then(|p| p.get("Queue"))
                {
                    queues.push(self.resolve(queue));
                }
            }
            for mapping in self.resources.values().filter(|r| r.kind == "AWS::Lambda::EventSourceMapping") {
                let Some(props) = mapping.props else { continue };
                let function = props.get("FunctionName").and_then(|f| self.names_resource(f, &FUNCTIONS));
                if function == Some(*id)
                    && let Some(queue) = props.get("EventSourceArn")
                {
                    queues.push(self.resolve(queue));
                }
            }
            for queue in queues.into_iter().filter(|q| q.render().contains(":sqs:")) {
                let role = self.function_role(id, resource);
                out.push(Sender { target: queue, name: format!("{name} (which consumes the queue)"), at: resource.entry.key_span, role });
            }
            out.push(Sender { target: arn, name, at: resource.entry.key_span, role });
        }
        out
    }

    /// The roles of the file (and those SAM generates for its functions) that may call
    /// `states:SendTaskSuccess`.
    fn answerers(&self) -> Vec<String> {
        let answers = |role: &Role| {
            role.allows("states:SendTaskSuccess", &crate::model::role::Target::RunTime) != crate::model::role::Verdict::Missing
        };
        let mut out = Vec::new();
        for (id, resource) in &self.resources {
            let role = match resource.kind {
                "AWS::IAM::Role" => RoleBinding::Known(self.role(id, None)),
                "AWS::Serverless::Function" if resource.props.is_some_and(|p| p.get("Role").is_none()) => self.function_role(id, resource),
                _ => continue,
            };
            if let RoleBinding::Known(role) = role
                && answers(&role)
            {
                out.push(role.name);
            }
        }
        out
    }

    /// Each role, user and group of the file with the identity policy documents the file
    /// attaches to it (inline, `AWS::IAM::Policy`/`ManagedPolicy` naming it, `…Policy` resources,
    /// managed policies of the file by ARN), where there are two or more: what one principal is
    /// granted across its policies. Documents written as objects only (their nodes are the
    /// file's).
    pub(crate) fn principals(&self) -> Vec<(&'a str, &'a str, Vec<&'a Node>)> {
        const KINDS: [(&str, &str, &str); 3] =
            [("AWS::IAM::Role", "Roles", "RoleName"), ("AWS::IAM::User", "Users", "UserName"), ("AWS::IAM::Group", "Groups", "GroupName")];
        let mut out = Vec::new();
        for (id, resource) in &self.resources {
            let Some((kind, list, single)) = KINDS.iter().find(|(k, ..)| *k == resource.kind) else { continue };
            let Some(props) = resource.props else { continue };
            let object = |n: &&'a Node| n.as_object().is_some() && n.intrinsic().is_none();
            let mut documents: Vec<&'a Node> = Vec::new();
            for policy in props.get("Policies").and_then(Node::as_array).unwrap_or(&[]) {
                documents.extend(policy.get("PolicyDocument").filter(object));
            }
            let names_it = |node: &Node| self.names_resource(node, &[kind]) == Some(*id);
            for arn in props.get("ManagedPolicyArns").and_then(Node::as_array).unwrap_or(&[]) {
                if let Some(policy) = self.names_resource(arn, &["AWS::IAM::ManagedPolicy"]) {
                    documents.extend(self.resources[policy].props.and_then(|p| p.get("PolicyDocument")).filter(object));
                }
            }
            for other in self.resources.values() {
                let Some(other_props) = other.props else { continue };
                let attaches = match other.kind {
                    "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                        other_props.get(list).and_then(Node::as_array).unwrap_or(&[]).iter().any(&names_it)
                    }
                    "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
                        other_props.get(single).is_some_and(names_it)
                    }
                    _ => false,
                };
                if attaches && let Some(document) = other_props.get("PolicyDocument").filter(object) {
                    documents.push(document);
                }
            }
            documents.sort_by_key(|d| d.span);
            documents.dedup_by_key(|d| d.span);
            if documents.len() >= 2 {
                out.push((*id, *kind, documents));
            }
        }
        out
    }

    /// A function's role: its `Role` (a role of the file or one outside it), else the role SAM
    /// generates from its `Policies`.
    fn function_role(&self, id: &str, resource: &Resource<'_>) -> RoleBinding {
        let Some(props) = resource.props else { return RoleBinding::Unseen { at: resource.entry.key_span, what: "not named".into() } };
        if let Some(role) = props.get("Role") {
            return match self.names_resource(role, &["AWS::IAM::Role"]) {
                Some(role_id) => RoleBinding::Known(self.role(role_id, None)),
                None => RoleBinding::Unseen { at: role.span, what: format!("given by {}", describe(role)) },
            };
        }
        if resource.kind != "AWS::Serverless::Function" {
            return RoleBinding::Unseen { at: resource.entry.key_span, what: "not named".into() };
        }
        let mut role = Role {
            name: format!("the role SAM generates for `{}`", crate::finding::shortened(id, 80)),
            at: props.entry("Policies").map_or(resource.entry.key_span, |p| p.key_span).into(),
            grants: Vec::new(),
            unseen: Vec::new(),
            boundary: props.get("PermissionsBoundary").map(|b| self.boundary(b)),
            shared: None,
        };
        if let Some(policies) = props.get("Policies") {
            self.sam_policies(policies, &mut role);
        }
        if self.connectors {
            role.unseen.push((resource.entry.key_span.into(), "the statements of the file's SAM connectors".into()));
        }
        RoleBinding::Known(role)
    }

    fn binding(&self, id: &str, sam: bool, props: &Node, at: Span) -> RoleBinding {
        let role_property = if sam { "Role" } else { "RoleArn" };
        if let Some(role) = props.get(role_property) {
            return match self.names_resource(role, &["AWS::IAM::Role"]) {
                Some(role_id) => RoleBinding::Known(self.role(role_id, Some(id))),
                None => RoleBinding::Unseen { at: role.span, what: format!("given by {}", describe(role)) },
            };
        }
        if sam && let Some(policies) = props.entry("Policies") {
            let mut role = Role {
                name: "the role SAM generates from `Policies`".into(),
                at: policies.key_span.into(),
                grants: Vec::new(),
                unseen: Vec::new(),
                boundary: props.get("PermissionsBoundary").map(|b| self.boundary(b)),
                shared: None,
            };
            self.sam_policies(&policies.value, &mut role);
            if self.connectors {
                role.unseen.push((at.into(), "the statements of the file's SAM connectors".into()));
            }
            return RoleBinding::Known(role);
        }
        RoleBinding::Unseen { at, what: format!("not named (the resource has no `{role_property}`)") }
    }

    /// Role `id` of the file, with every policy the file attaches to it (`machine` is the state
    /// machine it is drawn for).
    fn role(&self, id: &str, machine: Option<&str>) -> Role {
        let resource = &self.resources[id];
        let trust = resource.props.and_then(|p| p.get("AssumeRolePolicyDocument"));
        // Whether it serves more than `machine` (not asked for a callback sender's role).
        let shared = machine.and_then(|machine| match trust.map(|t| other_principals(t, &|n| self.resolve(n))) {
            Some(Some(principal)) => Some(format!("its trust policy also names {principal}")),
            _ => self.user_besides(id, machine).map(|user| format!("`{user}` uses it too")),
        });
        let mut role = Role {
            name: format!("role `{}`", crate::finding::shortened(id, 100)),
            at: resource.entry.key_span.into(),
            grants: Vec::new(),
            unseen: Vec::new(),
            boundary: None,
            shared,
        };
        let props = resource.props;
        for policy in props.and_then(|p| p.get("Policies")).and_then(Node::as_array).unwrap_or(&[]) {
            let uncertain = policy.if_branches().is_some();
            for policy in policy.alternatives() {
                if let Some(document) = policy.get("PolicyDocument") {
                    self.grants(document, uncertain, &mut role.grants);
                }
            }
        }
        if let Some(arns) = props.and_then(|p| p.get("ManagedPolicyArns")) {
            for arn in
                arns.as_array().map_or_else(|| arns.alternatives(), |items| items.iter().flat_map(Intrinsics::alternatives).collect())
            {
                self.managed(arn, &mut role);
            }
        }
        if let Some(boundary) = props.and_then(|p| p.get("PermissionsBoundary")) {
            role.boundary = Some(self.boundary(boundary));
        }
        for (document, uncertain) in self.attached().get(id).map(Vec::as_slice).unwrap_or_default() {
            self.grants(document, *uncertain, &mut role.grants);
        }
        if self.connectors {
            role.unseen.push((role.at.clone(), "the statements of the file's SAM connectors".into()));
        }
        role
    }

    /// The index of what policy resources attach to each role (see [`Template::attached`]).
    fn attached(&self) -> &BTreeMap<&'a str, Vec<(&'a Node, bool)>> {
        self.attached.get_or_init(|| {
            let by_name: BTreeMap<&str, &str> = self
                .resources
                .iter()
                .filter(|(_, r)| r.kind == "AWS::IAM::Role")
                .filter_map(|(id, r)| Some((r.props?.get_str("RoleName")?, *id)))
                .collect();
            let role_of = |node: &Node| match node.intrinsic() {
                Some(_) => self.names_resource(node, &["AWS::IAM::Role"]),
                None => node.as_str().and_then(|name| by_name.get(name).copied()),
            };
            let mut out: BTreeMap<&'a str, Vec<(&'a Node, bool)>> = BTreeMap::new();
            for other in self.resources.values() {
                let Some(props) = other.props else { continue };
                let roles: Vec<&str> = match other.kind {
                    "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => props
                        .get("Roles")
                        .and_then(Node::as_array)
                        .unwrap_or_default()
                        .iter()
                        .flat_map(Intrinsics::alternatives)
                        .filter_map(role_of)
                        .collect(),
                    "AWS::IAM::RolePolicy" => props.get("RoleName").and_then(role_of).into_iter().collect(),
                    _ => continue,
                };
                let Some(document) = props.get("PolicyDocument") else { continue };
                let uncertain = other.entry.value.get("Condition").is_some();
                for role in roles {
                    let documents = out.entry(role).or_default();
                    if !documents.iter().any(|(d, _)| std::ptr::eq(*d, document)) {
                        documents.push((document, uncertain));
                    }
                }
            }
            out
        })
    }

    /// A resource other than `machine` and the policies attached to role `id` that names the
    /// role (a function's `Role`, another machine's `RoleArn`).
    fn user_besides(&self, id: &str, machine: &str) -> Option<&'a str> {
        let users = self.users.get_or_init(|| {
            const ATTACHING: [&str; 4] =
                ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::InstanceProfile"];
            let mut out: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
            for (other, resource) in &self.resources {
                let Some(props) = resource.props.filter(|_| !ATTACHING.contains(&resource.kind)) else { continue };
                let mut stack = vec![props];
                while let Some(node) = stack.pop() {
                    if node.intrinsic().is_some()
                        && let Some(role) = self.names_resource(node, &["AWS::IAM::Role"])
                    {
                        let users = out.entry(role).or_default();
                        if users.last() != Some(other) {
                            users.push(other);
                        }
                    }
                    match &node.untagged().value {
                        Value::Array(items) => stack.extend(items),
                        Value::Object(entries) => stack.extend(entries.iter().map(|e| &e.value)),
                        _ => {}
                    }
                }
            }
            out
        });
        users.get(id)?.iter().copied().find(|user| *user != id && *user != machine)
    }

    fn boundary(&self, node: &Node) -> Boundary {
        if let Some(policy) = self.names_resource(node, &["AWS::IAM::ManagedPolicy"])
            && let Some(document) = self.resources[policy].props.and_then(|p| p.get("PolicyDocument"))
        {
            let mut grants = Vec::new();
            self.grants(document, false, &mut grants);
            return Boundary::Known(grants);
        }
        match self.resolve(node).as_text().as_deref().and_then(crate::data::managed::policy) {
            Some(policy) if policy.complete => Boundary::Known(policy.grants_of().collect()),
            _ => Boundary::Unseen { at: node.span.into(), what: describe(node) },
        }
    }

    /// A managed policy attached by ARN: one of the file's, an AWS managed policy the data
    /// knows, or one the run cannot see.
    fn managed(&self, arn: &Node, role: &mut Role) {
        if let Some(policy) = self.names_resource(arn, &["AWS::IAM::ManagedPolicy"]) {
            if let Some(document) = self.resources[policy].props.and_then(|p| p.get("PolicyDocument")) {
                self.grants(document, false, &mut role.grants);
            }
            return;
        }
        let resolved = self.resolve(arn);
        let text: String = resolved
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.as_str(),
                Piece::Pseudo(p) if p == "Partition" => "aws",
                _ => "\u{0}",
            })
            .collect();
        match crate::data::managed::policy(&text) {
            Some(policy) => {
                role.grants.extend(policy.grants_of().map(|mut g| {
                    g.at = arn.span.into();
                    g
                }));
                if !policy.complete {
                    role.unseen.push((arn.span.into(), format!("all of the AWS managed policy `{}`", policy.name)));
                }
            }
            None => role.unseen.push((arn.span.into(), format!("the managed policy {}", describe(arn)))),
        }
    }

    /// SAM `Policies`: managed policy names or ARNs, documents, SAM policy templates.
    fn sam_policies(&self, policies: &Node, role: &mut Role) {
        let items: Vec<&Node> = match policies.as_array() {
            Some(items) => items.iter().flat_map(Intrinsics::alternatives).collect(),
            None => policies.alternatives(),
        };
        let uncertain =
            policies.if_branches().is_some() || policies.as_array().is_some_and(|i| i.iter().any(|n| n.if_branches().is_some()));
        for item in items {
            if item.get("Statement").is_some() {
                self.grants(item, uncertain, &mut role.grants);
            } else if let Some([entry]) = item.as_object()
                && item.intrinsic().is_none()
            {
                match crate::data::sam::template(&entry.key) {
                    Some((definition, parameters)) => {
                        let expanded = super::cfn::expand_template(definition, &parameters, &entry.value, entry.key_span);
                        let from = role.grants.len();
                        self.grants(&expanded, uncertain, &mut role.grants);
                        for grant in &mut role.grants[from..] {
                            grant.origin = crate::model::role::Origin::SamTemplate;
                        }
                    }
                    None => role
                        .unseen
                        .push((entry.key_span.into(), format!("the SAM policy template `{}`", crate::finding::shortened(&entry.key, 100)))),
                }
            } else if let Some(name) = item.as_str().filter(|n| !n.starts_with("arn:")) {
                let arn = format!("arn:aws:iam::aws:policy/{name}");
                let node = Node::new(Value::String(arn.into()), item.span);
                self.managed(&node, role);
            } else {
                self.managed(item, role);
            }
        }
    }

    /// The statements of a policy document of the file, resolved.
    fn grants(&self, document: &Node, uncertain: bool, out: &mut Vec<Grant>) {
        grants(document, uncertain, &|node| self.resolve(node), out);
    }
}

/// The statements of a policy document, their values resolved by `resolve`: `uncertain` when
/// the policy may not be deployed (a branch of a condition).
pub(crate) fn grants(document: &Node, uncertain: bool, resolve: &dyn Fn(&Node) -> Symbolic, out: &mut Vec<Grant>) {
    let policy = crate::model::iam::Policy::build(document, crate::extract::PolicyKind::Identity);
    for statement in &policy.statements {
        let Some(effect) = statement.effect.and_then(|e| e.value.as_str()) else { continue };
        let (actions, not_action) = match (&statement.action, &statement.not_action) {
            (Some(a), _) => (a, false),
            (None, Some(a)) => (a, true),
            _ => continue,
        };
        let (resources, not_resource) = match (&statement.resource, &statement.not_resource) {
            (Some(r), _) => (Some(r), false),
            (None, Some(r)) => (Some(r), true),
            _ => (None, false),
        };
        let conditional_branch = statement.node.if_branches().is_some() || statement.path.contains('#');
        out.push(Grant {
            allow: effect == "Allow",
            actions: actions
                .values
                .iter()
                .filter(|v| !v.is_no_value())
                .map(|v| v.as_str().map(str::to_string).or_else(|| resolve(v).as_text()))
                .collect(),
            not_action,
            // A statement without `Resource` is malformed: it grants nothing certain.
            resources: resources.map_or_else(
                || vec![Symbolic::opaque("Resource")],
                |r| r.values.iter().filter(|v| !v.is_no_value()).map(|v| resolve(v)).collect(),
            ),
            not_resource,
            conditional: statement.condition.is_some(),
            uncertain: uncertain || conditional_branch || has_if(actions.entry) || resources.is_some_and(|r| has_if(r.entry)),
            at: statement.node.span.into(),
            origin: crate::model::role::Origin::Written,
        });
    }
}

/// What a reference to a resource named `name` returns: the name, the ARN of `arn_format`, or
/// (a queue's) URL. Shared by the CloudFormation and Terraform models.
pub(crate) fn returned(arn_format: &str, returns: Returns, name: Symbolic) -> Symbolic {
    match returns {
        Returns::Name => name,
        Returns::Arn => crate::model::needs::format_arn(arn_format, Some(&name)),
        Returns::Url => {
            let mut url = Symbolic::text("https://sqs.");
            url.push(Piece::Pseudo("Region".into()));
            url.push_text(".");
            url.push(Piece::Pseudo("URLSuffix".into()));
            url.push_text("/");
            url.push(Piece::Pseudo("AccountId".into()));
            url.push_text("/");
            url.extend(name);
            url
        }
    }
}

/// A principal of a trust policy other than Step Functions (`lambda.amazonaws.com`, an
/// account), when there is one.
pub(crate) fn other_principals(trust: &Node, resolve: &dyn Fn(&Node) -> Symbolic) -> Option<String> {
    let policy = crate::model::iam::Policy::build(trust, crate::extract::PolicyKind::Trust);
    for statement in &policy.statements {
        let Some(principal) = statement.principal else { continue };
        let services: Vec<Symbolic> = match principal.value.get("Service") {
            Some(service) => match service.as_array() {
                Some(items) => items.iter().map(resolve).collect(),
                None => vec![resolve(service)],
            },
            None => return Some("another principal".into()),
        };
        if principal.value.as_object().is_some_and(|e| e.len() > 1) {
            return Some("another principal".into());
        }
        for service in services {
            let text = service.render();
            let states = text == "states.amazonaws.com" || (text.starts_with("states.") && text.ends_with(".amazonaws.com"));
            if !states {
                return Some(format!("`{}`", crate::finding::shortened(&text, 80)));
            }
        }
    }
    None
}

fn has_if(entry: &Entry) -> bool {
    entry.value.if_branches().is_some() || entry.value.as_array().is_some_and(|items| items.iter().any(|i| i.if_branches().is_some()))
}

/// Whether a logging configuration sends logs somewhere (`Level` other than OFF, or
/// destinations).
fn logs(config: &Node) -> bool {
    let level = config.get_str("Level");
    let destinations = config.get("Destinations").and_then(Node::as_array).is_some_and(|d| !d.is_empty());
    destinations && level.is_none_or(|l| !l.eq_ignore_ascii_case("OFF"))
}

/// How a message names a value of the file: its text, or its intrinsic function.
fn describe(node: &Node) -> String {
    match node.as_str() {
        Some(text) => format!("`{}`", crate::finding::shortened(text, 120)),
        None => format!("`{}`", crate::finding::shortened(&json_of(node).to_string(), 120)),
    }
}

/// A node as JSON, YAML tags (`!GetAtt`) in their long form.
pub(crate) fn json_of(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(json_of).collect()),
        Value::Object(entries) => serde_json::Value::Object(entries.iter().map(|e| (e.key.to_string(), json_of(&e.value))).collect()),
        Value::Tagged(tag, inner) => {
            let name = crate::extract::long_intrinsic_name(tag).map_or_else(|| tag.to_string(), str::to_string);
            let inner = match (name.as_str(), &inner.value) {
                // `!GetAtt Id.Attribute` is `["Id", "Attribute"]` in JSON.
                ("Fn::GetAtt", Value::String(text)) => match text.split_once('.') {
                    Some((id, attribute)) => serde_json::json!([id, attribute]),
                    None => json_of(inner),
                },
                _ => json_of(inner),
            };
            let mut object = serde_json::Map::new();
            object.insert(name, inner);
            serde_json::Value::Object(object)
        }
    }
}
