//! The Terraform model: a plan's (or a configuration's) resource instances with a resolver for
//! references, built once per file. A value is either known text (a plan's planned values), a
//! `${aws_lambda_function.ship.arn}` placeholder (a configuration, or a templated string), or
//! unknown until apply, when the plan's `configuration` section still says which resource it
//! refers to (`role_arn = aws_iam_role.sfn.arn` has `references: ["aws_iam_role.sfn.arn", …]`).
//! From it a state machine's context is drawn: type, logging, and its role with the policies
//! attached to it (`inline_policy`, `aws_iam_role_policy`, `aws_iam_role_policy_attachment`,
//! `aws_iam_policy_attachment`, `managed_policy_arns`, `permissions_boundary`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::data::cfn::terraform_type;
use crate::model::role::{Alarm, At, Boundary, LogGroup, LogGroupName, MachineContext, MachineType, Role, RoleBinding};
use crate::model::symbolic::{Piece, Symbolic};
use crate::parse::{Node, Value};
use crate::source::{Source, Span};

struct Resource<'a> {
    address: &'a str,
    kind: &'a str,
    values: &'a Node,
    /// Where findings name it: its address in a configuration, its values in a plan.
    at: Span,
    /// The file it is in, when not the state machine's (another `.tf` file of the module).
    file: Option<&'a Arc<Source>>,
}

/// A place of a resource's.
fn place(file: Option<&Arc<Source>>, span: Span) -> At {
    At::new(span, file.cloned())
}

/// A resource instance as the model reads it: address, type, values, place, file.
pub(crate) type Instance<'a> = (&'a str, &'a str, &'a Node, Span, Option<&'a Arc<Source>>);

pub(crate) struct Terraform<'a> {
    resources: Vec<Resource<'a>>,
    /// The configuration's expressions of each resource, by configuration address (a plan's
    /// `configuration` section): what an attribute unknown until apply refers to.
    expressions: BTreeMap<String, &'a Node>,
    /// Roles that other files of the module name: policies there may be attached to them.
    partial: Vec<String>,
    /// Indexes into `resources`: by address and by configuration address (first instance).
    by_address: HashMap<&'a str, usize>,
    by_config: HashMap<String, usize>,
    /// By (type, value of `name`, `id` or `arn`): what a literal reference finds.
    by_value: HashMap<(&'a str, &'a str, &'a str), usize>,
    /// A plan's values (an attribute left out is unknown until apply), not a configuration's
    /// (an attribute left out is not set).
    planned: bool,
    /// The state machines the alarms watch the failures of: indexed once.
    alarms: std::cell::OnceCell<Alarms>,
    /// What attaches policies to each role, and what else names each role: indexed once, so
    /// that a plan of thousands of machines and roles costs its size, not its size squared.
    roles: std::cell::OnceCell<RoleIndex>,
    /// The Lambda functions, listed once for all the state machines.
    functions: std::cell::OnceCell<Arc<Vec<crate::model::role::Function>>>,
}

/// Indexes into `resources`, in order, by role address (attachments) and by role configuration
/// address (other resources that name the role).
#[derive(Default)]
struct RoleIndex {
    attachments: HashMap<String, Vec<usize>>,
    users: HashMap<String, Vec<usize>>,
}

/// Resources that attach policies to roles.
const ATTACHING: [&str; 4] =
    ["aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_instance_profile"];

/// What the alarms on failed executions watch.
#[derive(Default)]
struct Alarms {
    /// The state machines (by configuration address) an alarm watches, with the first such
    /// alarm's place.
    watched: HashMap<String, At>,
    /// The first alarm on the metric whose state machine the run cannot tell.
    maybe: Option<At>,
}

impl<'a> Terraform<'a> {
    /// The model of `instances` (address, type, values, place, and the file when not the
    /// state machine's; the first of an address counts) and of the plan's `configuration`, when
    /// there is one.
    pub(crate) fn new(instances: impl Iterator<Item = Instance<'a>>, configuration: Option<&'a Node>) -> Self {
        let mut resources: Vec<Resource<'a>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (address, kind, values, at, file) in instances {
            if seen.insert(address) {
                resources.push(Resource { address, kind, values, at, file });
            }
        }
        let mut expressions = BTreeMap::new();
        let mut stack: Vec<(&Node, String)> =
            configuration.and_then(|c| c.get("root_module")).map(|r| (r, String::new())).into_iter().collect();
        while let Some((module, prefix)) = stack.pop() {
            for resource in module.get("resources").and_then(Node::as_array).unwrap_or(&[]) {
                if let (Some(address), Some(given)) = (resource.get_str("address"), resource.get("expressions")) {
                    expressions.insert(format!("{prefix}{address}"), given);
                }
            }
            for call in module.get("module_calls").map(|c| c.unique_entries().collect::<Vec<_>>()).unwrap_or_default() {
                if let Some(inner) = call.value.get("module") {
                    stack.push((inner, format!("{prefix}module.{}.", call.key)));
                }
            }
        }
        let mut by_address = HashMap::new();
        let mut by_config = HashMap::new();
        let mut by_value = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            by_address.entry(r.address).or_insert(i);
            by_config.entry(config_address(r.address)).or_insert(i);
            for attribute in ["name", "id", "arn"] {
                if let Some(value) = r.values.get_str(attribute).filter(|v| !v.is_empty()) {
                    by_value.entry((r.kind, attribute, value)).or_insert(i);
                }
            }
        }
        Self {
            resources,
            expressions,
            partial: Vec::new(),
            by_address,
            by_config,
            by_value,
            planned: false,
            alarms: std::cell::OnceCell::new(),
            roles: std::cell::OnceCell::new(),
            functions: std::cell::OnceCell::new(),
        }
    }

    /// The model of a plan: values it leaves out are unknown until apply.
    #[must_use]
    pub(crate) fn planned(mut self) -> Self {
        self.planned = true;
        self
    }

    /// Marks the roles of a configuration file that another `.tf` file of its folder names (by
    /// address or by name): what that file attaches to them is not read here.
    pub(crate) fn mark_partial_roles(&mut self, file: &std::path::Path, roots: &[std::path::PathBuf]) {
        let own = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let sibling = |name: &str| std::path::Path::new(name).extension().is_some_and(|e| e == "tf") && name != own;
        let others: Vec<String> = crate::load::folder_files(crate::load::folder(file), roots, sibling).map(|s| s.text.clone()).collect();
        for role in self.resources.iter().filter(|r| r.kind == "aws_iam_role") {
            let name = role.values.get_str("name").filter(|n| !n.is_empty() && !n.contains("${"));
            let named = |text: &String| text.contains(role.address) || name.is_some_and(|n| text.contains(&format!("\"{n}\"")));
            if others.iter().any(named) {
                self.partial.push(role.address.to_string());
            }
        }
    }

    /// The resource at an address, or the first instance of a configuration address.
    fn get(&self, address: &str) -> Option<&Resource<'a>> {
        let index = self.by_address.get(address).or_else(|| self.by_config.get(address))?;
        self.resources.get(*index)
    }

    /// The first resource of one of `kinds` whose `attribute` (`name`, `id`, `arn`) is `value`.
    fn with_value(&self, kinds: &[&str], attributes: &[&str], value: &str) -> Option<&Resource<'a>> {
        kinds
            .iter()
            .flat_map(|kind| attributes.iter().map(move |attribute| (*kind, *attribute)))
            .filter_map(|(kind, attribute)| self.by_value.get(&(kind, attribute, value)))
            .min()
            .and_then(|i| self.resources.get(*i))
    }

    /// The resource a value refers to, of one of `kinds`: by a `${type.name.attr}` placeholder,
    /// by the configuration's references when the value is unknown until apply, or by the
    /// known value of one of `matching` attributes (an ARN, a name).
    fn refers_to(&self, holder: &str, attribute: &str, value: Option<&Node>, kinds: &[&str], matching: &[&str]) -> Option<&Resource<'a>> {
        let by_address = |reference: &str| {
            let address = strip_attribute(reference)?;
            self.get(address).filter(|r| kinds.contains(&r.kind))
        };
        match value.and_then(Node::as_str) {
            Some(text) if !text.is_empty() => {
                if let Some((_, _, name)) = super::placeholders(text).next() {
                    return by_address(name);
                }
                // By value; a role ARN whose name is a role's of the plan.
                self.with_value(kinds, matching, text).or_else(|| {
                    let name = text.rsplit('/').next().filter(|_| text.contains(":role/"))?;
                    self.with_value(kinds, &["name"], name)
                })
            }
            _ => {
                let expressions = self.expressions.get(&config_address(holder))?;
                let references = expressions.get(attribute)?.get("references")?.as_array()?;
                references.iter().filter_map(Node::as_str).find_map(by_address)
            }
        }
    }

    /// A value's symbolic form: its text, each `${type.name.attr}` placeholder resolved
    /// through the provider's table.
    pub(crate) fn resolve(&self, node: &Node) -> Symbolic {
        match &node.value {
            Value::String(text) => self.resolve_text(text),
            Value::Number(n) => Symbolic::text(n.to_string()),
            _ => Symbolic::opaque("value"),
        }
    }

    fn resolve_text(&self, text: &str) -> Symbolic {
        let mut out = Symbolic { pieces: Vec::new(), shown: None };
        let mut from = 0;
        for (start, end, name) in super::placeholders(text) {
            out.push_text(&text[from..start]);
            from = end;
            out.extend(self.reference(name));
        }
        out.push_text(&text[from..]);
        if out.pieces.len() > 1 || !matches!(out.pieces.first(), Some(Piece::Text(_))) {
            out.shown = Some(serde_json::Value::String(text.to_string()));
        }
        out
    }

    /// `type.name.attribute` of a resource of the file, through the provider's table.
    fn reference(&self, name: &str) -> Symbolic {
        let Some((address, attribute)) = name.rsplit_once('.') else { return Symbolic::opaque(name) };
        let kind = address.split('.').next().unwrap_or_default();
        let Some(data) = terraform_type(kind) else { return Symbolic::opaque(name) };
        let returns = if attribute == "id" { Some(data.reference) } else { data.attributes.get(attribute).copied() };
        let Some(returns) = returns else { return Symbolic::opaque(name) };
        let resource = self.get(address);
        let name_attribute = data.name.as_deref().unwrap_or("name");
        let physical = match resource.and_then(|r| r.values.get_str(name_attribute)).filter(|v| !v.is_empty() && !v.contains("${")) {
            Some(literal) => Symbolic::text(literal),
            None => Symbolic { pieces: vec![Piece::Name(format!("{address}.{name_attribute}"))], shown: None },
        };
        super::template::returned(&data.arn, returns, physical)
    }

    /// The context of the state machine at `address` (written at `at`: the address in a plan,
    /// the block in a configuration); `names_used` are its definition's `${…}` placeholders,
    /// which are resolved.
    pub(crate) fn machine<'n>(
        &self,
        address: &str,
        at: Span,
        values: &Node,
        names_used: impl Iterator<Item = &'n str>,
        file: &Arc<Source>,
    ) -> MachineContext {
        let machine_type = match values.get("type") {
            None | Some(Node { value: Value::Null, .. }) => MachineType::Standard,
            Some(value) => match value.as_str() {
                Some(t) if t.eq_ignore_ascii_case("EXPRESS") => MachineType::Express,
                Some(_) => MachineType::Standard,
                None => MachineType::Unknown,
            },
        };
        let logging = values
            .entry("logging_configuration")
            .filter(|e| {
                e.value.as_array().unwrap_or_default().iter().any(|c| {
                    c.get_str("level").is_some_and(|l| !l.eq_ignore_ascii_case("OFF"))
                        && c.get_str("log_destination").is_none_or(|d| !d.is_empty())
                })
            })
            .map(|e| e.key_span);
        let log_group = self.log_group(address, values);
        let alarm = {
            let alarms = self.alarms();
            match (alarms.watched.get(&config_address(address)), &alarms.maybe) {
                (Some(at), _) => Alarm::Watched(at.clone()),
                (None, Some(at)) => Alarm::Maybe(at.clone()),
                (None, None) => Alarm::None,
            }
        };
        let mut names = BTreeMap::new();
        for name in names_used {
            names.entry(name.to_string()).or_insert_with(|| {
                let mut value = self.reference(name);
                value.shown = Some(serde_json::Value::String(format!("${{{name}}}")));
                value
            });
        }
        let own_arn = values.get_str("arn").filter(|a| a.starts_with("arn:")).map_or_else(
            || {
                let name = values.get_str("name").filter(|n| !n.is_empty()).map_or_else(|| Symbolic::opaque("name"), Symbolic::text);
                crate::model::needs::format_arn("arn:${Partition}:states:${Region}:${Account}:stateMachine:${Name}", Some(&name))
            },
            Symbolic::text,
        );
        let role = if let Some(role) = self.refers_to(address, "role_arn", values.get("role_arn"), &["aws_iam_role"], &["arn"]) {
            RoleBinding::Known(self.role(role, address))
        } else {
            let (at, what) = match values.entry("role_arn") {
                Some(entry) if entry.value.as_str().is_some_and(|t| !t.is_empty()) => {
                    (entry.value.span, format!("given by `{}`", crate::finding::shortened(entry.value.as_str().unwrap_or_default(), 120)))
                }
                _ => (at, "unknown until apply".to_string()),
            };
            RoleBinding::Unseen { at, what }
        };
        MachineContext {
            dialect: crate::model::symbolic::Dialect::Terraform,
            senders: Arc::default(),
            answerers: Arc::default(),
            task_roles: self.task_roles(),
            functions: self.functions.get_or_init(|| Arc::new(self.functions())).clone(),
            resource: address.to_string(),
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

    /// The log group the machine at `address` logs to, when its `logging_configuration` has a
    /// level other than `OFF`: the `aws_cloudwatch_log_group` its `log_destination` refers to
    /// (by a reference, by its ARN, or in a plan by the configuration's references when the
    /// value is unknown until apply), or the name the ARN spells.
    fn log_group(&self, address: &str, values: &Node) -> Option<LogGroup> {
        const LOG_GROUP: [&str; 1] = ["aws_cloudwatch_log_group"];
        let config = values.get("logging_configuration")?.as_array()?.first()?;
        if config.get_str("level").is_none_or(|l| l.is_empty() || l.eq_ignore_ascii_case("OFF")) {
            return None;
        }
        let destination = config.get("log_destination").filter(|d| d.as_str().is_some_and(|t| !t.is_empty()));
        let Some(destination) = destination else {
            if !self.planned {
                return None;
            }
            let references = self.references(address, &["logging_configuration", "log_destination"]);
            let group = references.into_iter().find_map(|r| self.get(strip_attribute(r)?).filter(|g| LOG_GROUP.contains(&g.kind)))?;
            return self.log_group_of(group);
        };
        let text = destination.as_str().unwrap_or_default();
        let group = match super::placeholders(text).next() {
            Some((_, _, name)) => strip_attribute(name).and_then(|a| self.get(a)).filter(|g| LOG_GROUP.contains(&g.kind)),
            None => self.with_value(&LOG_GROUP, &["arn"], text.strip_suffix(":*").unwrap_or(text)),
        };
        if let Some(group) = group {
            return self.log_group_of(group);
        }
        let name = LogGroupName::of_arn(&self.resolve(destination))?;
        Some(LogGroup { name, at: At::from(destination.span), resource: None })
    }

    /// A log group resource's name: `name`, else `name_prefix` (the start of it), else in a
    /// configuration one Terraform generates (in a plan, unknown until apply).
    fn log_group_of(&self, group: &Resource<'a>) -> Option<LogGroup> {
        let given = |key: &str| group.values.get(key).filter(|v| v.as_str().is_some_and(|t| !t.is_empty()));
        let resource = Some(group.address.to_string());
        if let Some(name) = given("name") {
            return Some(LogGroup { name: LogGroupName::of(&self.resolve(name)), at: place(group.file, name.span), resource });
        }
        if let Some(prefix) = given("name_prefix") {
            let start = match LogGroupName::of(&self.resolve(prefix)) {
                LogGroupName::Known { start, .. } => start,
                LogGroupName::Generated => String::new(),
            };
            return Some(LogGroup { name: LogGroupName::Known { start, complete: false }, at: place(group.file, prefix.span), resource });
        }
        if self.planned || group.values.get("name").is_some() || group.values.get("name_prefix").is_some() {
            return None;
        }
        Some(LogGroup { name: LogGroupName::Generated, at: place(group.file, group.at), resource })
    }

    /// The references a plan's configuration lists for an attribute of `holder` (the path's
    /// nested blocks taken in every element).
    fn references(&self, holder: &str, path: &[&str]) -> Vec<&'a str> {
        let Some(expressions) = self.expressions.get(&config_address(holder)) else { return Vec::new() };
        let mut nodes: Vec<&'a Node> = vec![*expressions];
        for key in path {
            nodes = nodes
                .into_iter()
                .filter_map(|n| n.get(key))
                .flat_map(|n| match n.as_array() {
                    Some(items) => items.iter().collect(),
                    None => vec![n],
                })
                .collect();
        }
        nodes.into_iter().filter_map(|n| n.get("references")?.as_array()).flatten().filter_map(Node::as_str).collect()
    }

    /// The index of what the alarms watch (see [`Terraform::alarms`]): an
    /// `aws_cloudwatch_metric_alarm` on one of
    /// [`FAILURE_METRICS`](crate::model::role::FAILURE_METRICS) of `AWS/States`, itself or in a
    /// `metric_query`, whose `StateMachineArn` dimension refers to a state machine of the
    /// configuration (by reference, by its ARN, or in a plan by the configuration's references);
    /// one naming anything else, or a search expression over `AWS/States`, may watch any.
    fn alarms(&self) -> &Alarms {
        self.alarms.get_or_init(|| {
            const MACHINE: [&str; 1] = ["aws_sfn_state_machine"];
            let mut out = Alarms::default();
            for alarm in self.resources.iter().filter(|r| r.kind == "aws_cloudwatch_metric_alarm") {
                let at = place(alarm.file, alarm.at);
                let mut metrics = vec![alarm.values];
                for query in alarm.values.get("metric_query").and_then(Node::as_array).unwrap_or_default() {
                    metrics.extend(query.get("metric").and_then(Node::as_array).unwrap_or_default());
                    if query.get_str("expression").is_some_and(|e| e.contains("AWS/States")) {
                        out.maybe.get_or_insert_with(|| at.clone());
                    }
                }
                for metric in metrics {
                    let given = |key: &str, values: &[&str]| metric.get_str(key).is_some_and(|t| values.contains(&t) || t.contains("${"));
                    if !given("namespace", &["AWS/States"]) || !given("metric_name", &crate::model::role::FAILURE_METRICS) {
                        continue;
                    }
                    let dimensions = metric.get("dimensions").filter(|d| !matches!(d.value, Value::Null));
                    let value = dimensions.and_then(|d| d.get("StateMachineArn")).filter(|v| v.as_str().is_some_and(|t| !t.is_empty()));
                    let machine = match (dimensions, value) {
                        // No dimensions: in a configuration, the alarm watches no state machine.
                        (None, _) if !self.planned => continue,
                        (Some(d), None) if !self.planned && d.as_object().is_some() => continue,
                        (_, Some(value)) => {
                            let text = value.as_str().unwrap_or_default();
                            match super::placeholders(text).next() {
                                Some((_, _, name)) => strip_attribute(name).and_then(|a| self.get(a)),
                                None => self.with_value(&MACHINE, &["arn", "id"], text),
                            }
                            .filter(|m| MACHINE.contains(&m.kind))
                        }
                        // Unknown until apply: what the configuration refers to.
                        _ => self
                            .references(alarm.address, &["dimensions"])
                            .into_iter()
                            .chain(self.references(alarm.address, &["metric_query", "metric", "dimensions"]))
                            .find_map(|r| self.get(strip_attribute(r)?).filter(|m| MACHINE.contains(&m.kind))),
                    };
                    match machine {
                        Some(machine) => {
                            out.watched.entry(config_address(machine.address)).or_insert_with(|| at.clone());
                        }
                        None => {
                            out.maybe.get_or_insert_with(|| at.clone());
                        }
                    }
                }
            }
            out
        })
    }

    fn role(&self, role: &Resource<'a>, machine: &str) -> Role {
        let trust = role.values.get("assume_role_policy").and_then(|t| match t.as_str() {
            Some(text) => crate::parse::json::parse(text, 0, crate::parse::json::Options { placeholders: true }).ok().map(|(n, _)| n),
            None => Some(t.clone()),
        });
        let shared = match trust.as_ref().map(|t| super::template::other_principals(t, &|n| self.resolve(n))) {
            Some(Some(principal)) => Some(format!("its trust policy also names {principal}")),
            _ => self.user_besides(role.address, machine).map(|user| format!("`{user}` uses it too")),
        };
        let mut out = Role {
            name: format!("role `{}`", crate::finding::shortened(role.address, 100)),
            at: place(role.file, role.at),
            grants: Vec::new(),
            unseen: Vec::new(),
            boundary: None,
            shared,
        };
        if self.partial.iter().any(|p| p == role.address) {
            out.unseen.push((place(role.file, role.values.span), "what other `.tf` files of the module attach to it".into()));
        }
        for inline in role.values.get("inline_policy").and_then(Node::as_array).unwrap_or(&[]) {
            if let Some(policy) = inline.get("policy").filter(|p| is_given(p)) {
                self.policy_text(policy, role.file, &mut out);
            }
        }
        for arn in role.values.get("managed_policy_arns").and_then(Node::as_array).unwrap_or(&[]) {
            self.managed(arn, role.file, &mut out);
        }
        if let Some(boundary) = role.values.get("permissions_boundary").filter(|b| b.as_str().is_some_and(|t| !t.is_empty())) {
            let mut grants = Role {
                name: String::new(),
                at: place(role.file, boundary.span),
                grants: Vec::new(),
                unseen: Vec::new(),
                boundary: None,
                shared: None,
            };
            self.managed(boundary, role.file, &mut grants);
            out.boundary = Some(if grants.unseen.is_empty() {
                Boundary::Known(grants.grants)
            } else {
                Boundary::Unseen { at: place(role.file, boundary.span), what: format!("`{}`", boundary.as_str().unwrap_or_default()) }
            });
        }
        let attachments = self.role_index().attachments.get(role.address).map_or(&[][..], Vec::as_slice);
        for other in attachments.iter().filter_map(|i| self.resources.get(*i)) {
            match other.kind {
                "aws_iam_role_policy" => match other.values.get("policy").filter(|p| is_given(p)) {
                    Some(policy) => self.policy_text(policy, other.file, &mut out),
                    None => out
                        .unseen
                        .push((place(other.file, other.values.span), format!("the policy of `{}`, unknown until apply", other.address))),
                },
                "aws_iam_role_policy_attachment" => match other.values.get("policy_arn") {
                    Some(arn) if arn.as_str().is_some_and(|t| !t.is_empty()) => self.managed(arn, other.file, &mut out),
                    _ => self.attached_by_reference(other, &mut out),
                },
                "aws_iam_policy_attachment" => match other.values.get("policy_arn") {
                    Some(arn) if arn.as_str().is_some_and(|t| !t.is_empty()) => self.managed(arn, other.file, &mut out),
                    _ => self.attached_by_reference(other, &mut out),
                },
                _ => {}
            }
        }
        out
    }

    /// The configuration's Lambda functions with their reserved concurrency and timeout.
    fn functions(&self) -> Vec<crate::model::role::Function> {
        let number = |r: &Resource<'a>, attribute: &str| match r.values.get(attribute).map(|n| (&n.value, n.span)) {
            // -1: no reserved concurrency.
            Some((Value::Number(n), span)) if *n >= 0.0 => Some((*n, place(r.file, span))),
            _ => None,
        };
        self.resources
            .iter()
            .filter(|r| r.kind == "aws_lambda_function")
            .map(|r| crate::model::role::Function {
                arn: r
                    .values
                    .get_str("arn")
                    .filter(|a| a.starts_with("arn:"))
                    .map_or_else(|| self.reference(&format!("{}.arn", config_address(r.address))), Symbolic::text),
                name: format!("function `{}`", crate::finding::shortened(r.address, 80)),
                at: place(r.file, r.at),
                reserved: number(r, "reserved_concurrent_executions"),
                timeout: number(r, "timeout"),
            })
            .collect()
    }

    /// The configuration's ECS task definitions with the roles they pass.
    fn task_roles(&self) -> Vec<(Symbolic, Vec<Symbolic>)> {
        self.resources
            .iter()
            .filter(|r| r.kind == "aws_ecs_task_definition")
            .map(|r| {
                let arn = r
                    .values
                    .get_str("arn")
                    .filter(|a| a.starts_with("arn:"))
                    .map_or_else(|| self.reference(&format!("{}.arn", config_address(r.address))), Symbolic::text);
                let roles = ["task_role_arn", "execution_role_arn"]
                    .iter()
                    .filter_map(|a| r.values.get(a).filter(|v| v.as_str().is_some_and(|t| !t.is_empty())))
                    .map(|v| self.resolve(v))
                    .collect();
                (arn, roles)
            })
            .collect()
    }

    /// A resource other than `machine` and the role's attachments that refers to the role (a
    /// function's `role`, another machine's `role_arn`).
    fn user_besides(&self, role: &str, machine: &str) -> Option<&'a str> {
        let users = self.role_index().users.get(&config_address(role)).map_or(&[][..], Vec::as_slice);
        users.iter().filter_map(|i| self.resources.get(*i)).find(|o| o.address != role && o.address != machine).map(|o| o.address)
    }

    /// The role index, made on first use: for each resource that attaches policies, the roles
    /// it attaches them to; for each other resource, the roles it names, in its values
    /// (`${aws_iam_role.x.arn}`) or in the configuration's references to it.
    fn role_index(&self) -> &RoleIndex {
        self.roles.get_or_init(|| {
            let roles: std::collections::HashSet<String> =
                self.resources.iter().filter(|r| r.kind == "aws_iam_role").map(|r| config_address(r.address)).collect();
            let mut index = RoleIndex::default();
            let add = |map: &mut HashMap<String, Vec<usize>>, key: &str, i: usize| {
                let list = map.entry(key.to_string()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            };
            for (i, other) in self.resources.iter().enumerate() {
                let attached = |attribute: &str, value: Option<&Node>, matching: &[&str]| {
                    self.refers_to(other.address, attribute, value, &["aws_iam_role"], matching).map(|r| r.address.to_string())
                };
                match other.kind {
                    "aws_iam_role_policy" | "aws_iam_role_policy_attachment" => {
                        if let Some(role) = attached("role", other.values.get("role"), &["name", "id", "arn"]) {
                            add(&mut index.attachments, &role, i);
                        }
                    }
                    "aws_iam_policy_attachment" => {
                        for value in other.values.get("roles").and_then(Node::as_array).unwrap_or(&[]) {
                            if let Some(role) = attached("roles", Some(value), &["name"]) {
                                add(&mut index.attachments, &role, i);
                            }
                        }
                    }
                    _ => {}
                }
                if ATTACHING.contains(&other.kind) || roles.is_empty() {
                    continue;
                }
                for_each_string(other.values, &mut |text| {
                    for (at, _) in text.match_indices("${") {
                        let expression = &text[at + 2..];
                        let expression = &expression[..expression.find('}').unwrap_or(expression.len())];
                        for (dot, _) in expression.match_indices('.') {
                            if roles.contains(&expression[..dot]) {
                                add(&mut index.users, &expression[..dot], i);
                            }
                        }
                    }
                });
                if let Some(expressions) = self.expressions.get(&config_address(other.address)) {
                    for_each_string(expressions, &mut |text| {
                        if roles.contains(text) {
                            add(&mut index.users, text, i);
                        }
                    });
                }
            }
            index
        })
    }

    /// An attachment whose `policy_arn` is unknown until apply: the policy it refers to.
    fn attached_by_reference(&self, attachment: &Resource<'a>, role: &mut Role) {
        if let Some(policy) = self.refers_to(attachment.address, "policy_arn", None, &["aws_iam_policy"], &[]) {
            self.managed_resource(policy, role);
        } else {
            let what = format!("the policy `{}` attaches", attachment.address);
            role.unseen.push((place(attachment.file, attachment.values.span), what));
        }
    }

    fn managed_resource(&self, policy: &Resource<'a>, role: &mut Role) {
        match policy.values.get("policy").filter(|p| is_given(p)) {
            Some(text) => self.policy_text(text, policy.file, role),
            None => role
                .unseen
                .push((place(policy.file, policy.values.span), format!("the policy of `{}`, unknown until apply", policy.address))),
        }
    }

    /// A policy attached by ARN: one of the plan's, an AWS managed policy the data knows, or
    /// one the run cannot see.
    fn managed(&self, arn: &Node, file: Option<&Arc<Source>>, role: &mut Role) {
        if let Some(policy) = self.refers_to("", "", Some(arn), &["aws_iam_policy"], &["arn"]) {
            self.managed_resource(policy, role);
            return;
        }
        let text = arn.as_str().unwrap_or_default();
        match crate::data::managed::policy(text) {
            Some(policy) => {
                role.grants.extend(policy.grants_of().map(|mut g| {
                    g.at = place(file, arn.span);
                    g
                }));
                if !policy.complete {
                    role.unseen.push((place(file, arn.span), format!("all of the AWS managed policy `{}`", policy.name)));
                }
            }
            None => role.unseen.push((place(file, arn.span), format!("the managed policy `{}`", crate::finding::shortened(text, 120)))),
        }
    }

    /// A policy held as JSON text (or as its tree, read from a configuration): its statements,
    /// each placed at the value. A value that is no policy document (an expression not known
    /// here) is a policy the run cannot see.
    fn policy_text(&self, node: &Node, file: Option<&Arc<Source>>, role: &mut Role) {
        let parsed;
        let document = if let Some(text) = node.as_str() {
            let Ok((document, _)) = crate::parse::json::parse(text, 0, crate::parse::json::Options { placeholders: true }) else {
                role.unseen.push((place(file, node.span), "a policy that does not parse".into()));
                return;
            };
            parsed = document;
            &parsed
        } else {
            node
        };
        if document.get("Statement").is_none() {
            role.unseen.push((place(file, node.span), "a policy whose value is not known here".into()));
            return;
        }
        let from = role.grants.len();
        super::template::grants(document, false, &|n| self.resolve(n), &mut role.grants);
        for grant in &mut role.grants[from..] {
            grant.at = place(file, node.span);
        }
    }
}

/// Whether a string of the tree contains `needle`.
/// Calls `f` with every string of a tree (explicit stack: nesting comes from the input).
fn for_each_string<'n>(node: &'n Node, f: &mut impl FnMut(&'n str)) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::String(text) => f(text),
            Value::Array(items) => stack.extend(items),
            Value::Object(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
}

/// A policy value that is there: non-empty text, or a tree.
fn is_given(node: &Node) -> bool {
    match &node.value {
        Value::String(text) => !text.trim().is_empty(),
        Value::Object(_) => true,
        _ => false,
    }
}

/// `aws_iam_role.sfn.arn` → `aws_iam_role.sfn`; `aws_iam_role.sfn` as it is; `var.x` and
/// `local.x` are no resources.
fn strip_attribute(reference: &str) -> Option<&str> {
    let parts: Vec<&str> = reference.split('.').collect();
    // Module prefixes (`module.m.`) come in pairs; the resource is the next two parts.
    let mut i = 0;
    while parts.get(i) == Some(&"module") {
        i += 2;
    }
    if matches!(parts.get(i), Some(&("var" | "local" | "data" | "each" | "count" | "path" | "self"))) || parts.len() < i + 2 {
        return None;
    }
    let end: usize = parts[..i + 2].iter().map(|p| p.len() + 1).sum::<usize>() - 1;
    Some(&reference[..end])
}

/// An instance address without its index (`aws_iam_role.r[0]` → `aws_iam_role.r`).
fn config_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn references_name_their_resource() {
        assert_eq!(super::strip_attribute("aws_iam_role.sfn.arn"), Some("aws_iam_role.sfn"));
        assert_eq!(super::strip_attribute("aws_iam_role.sfn"), Some("aws_iam_role.sfn"));
        assert_eq!(super::strip_attribute("module.m.aws_iam_role.sfn.arn"), Some("module.m.aws_iam_role.sfn"));
        assert_eq!(super::strip_attribute("var.role"), None);
        assert_eq!(super::config_address("aws_iam_role.r[0]"), "aws_iam_role.r");
    }
}
