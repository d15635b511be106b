//! Terraform JSON plans (`terraform show -json`): state machine definitions and policies held
//! as JSON strings in resource attributes.
//!
//! A resource may appear in `planned_values` (with child modules), `resource_changes[].change.after`
//! and `prior_state`; each (address, attribute) is extracted once, from the first section that
//! knows it. An attribute that interpolates another resource's attribute is unknown at plan time
//! (absent, and `true` in `after_unknown`): that is a note, never an empty document.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Artifact, ArtifactKind, Context, Extraction, PolicyKind, parse_embedded};
use crate::finding::{Finding, Severity};
use crate::parse::embedded::EmbeddedText;
use crate::parse::{Node, Value};
use crate::rule::builtin;
use crate::source::Span;

/// A resource instance as one plan section shows it.
struct Instance<'a> {
    address: &'a str,
    /// Where the address is written: where findings about the whole resource point.
    at: Span,
    kind: &'a str,
    values: &'a Node,
    after_unknown: Option<&'a Node>,
}

/// An attribute holding a document: its path under the resource's values.
struct Attribute {
    path: Vec<PathStep>,
    kind: ArtifactKind,
    policy_kind: PolicyKind,
    /// Optional and computed by the provider (`aws_s3_bucket.policy`): unknown at plan time
    /// whenever the configuration leaves it out, so unknown is only worth a note when the
    /// configuration sets it.
    computed: bool,
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

pub(super) fn extract<'a>(doc: &'a Node, ctx: &Context<'_>, out: &mut Extraction<'a, '_>) {
    let deleted = deleted(doc);
    let mut instances = Vec::new();
    if let Some(root) = doc.get("planned_values").and_then(|p| p.get("root_module")) {
        module_instances(root, &mut instances);
    }
    for change in doc.get("resource_changes").and_then(Node::as_array).unwrap_or(&[]) {
        let (Some(address), Some(kind)) = (change.get_str("address"), change.get_str("type")) else { continue };
        let at = change.get("address").map_or(change.span, |a| a.span);
        if change.get_str("mode") == Some("data") {
            continue;
        }
        let Some(c) = change.get("change") else { continue };
        let values = c.get("after").filter(|a| a.as_object().is_some());
        let after_unknown = c.get("after_unknown");
        if let Some(values) = values.or(after_unknown) {
            instances.push(Instance { address, at, kind, values, after_unknown });
        }
    }
    // `prior_state` is what is deployed now: it speaks only for resources the plan does not
    // touch (an update whose new definition is unknown must not be checked by its old one).
    let changed: BTreeSet<&str> = instances.iter().map(|i| i.address).collect();
    for state in ["prior_state", "values"] {
        let root = if state == "values" { doc.get("values") } else { doc.get(state).and_then(|s| s.get("values")) };
        if let Some(root) = root.and_then(|v| v.get("root_module")) {
            let mut prior = Vec::new();
            module_instances(root, &mut prior);
            instances.extend(prior.into_iter().filter(|i| !changed.contains(i.address)));
        }
    }

    let configured = configured_attributes(doc);
    // The plan's model, for the context of its state machines (built only when it has one).
    let model = instances.iter().any(|i| i.kind == "aws_sfn_state_machine").then(|| {
        let live = instances.iter().filter(|i| !deleted.contains(i.address)).map(|i| (i.address, i.kind, i.values, i.values.span, None));
        super::tfmodel::Terraform::new(live, doc.get("configuration")).planned()
    });
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut unknown: Vec<(String, Span)> = Vec::new();
    // Policy texts already checked where a resource holds them: a policy document data source
    // that renders the same text is the same policy.
    let mut texts: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for instance in instances.iter().filter(|i| !deleted.contains(i.address)) {
        if instance.kind == "aws_lambda_permission" {
            let key = crate::finding::locator_part(instance.address).into_owned();
            if done.insert(key.clone()) {
                // `planned_values` comes first and does not say what is unknown; its change does.
                let after_unknown = instance.after_unknown.or_else(|| {
                    instances.iter().find(|i| i.address == instance.address && i.after_unknown.is_some()).and_then(|i| i.after_unknown)
                });
                lambda_permission(&Instance { after_unknown, ..*instance }, key, ctx, out);
            }
            continue;
        }
        for attribute in attributes(instance) {
            let key = format!("{}.{}", crate::finding::locator_part(instance.address), path_text(&attribute.path));
            if done.contains(&key) {
                continue;
            }
            match lookup(instance.values, &attribute.path).filter(|n| !matches!(n.value, Value::Null)) {
                Some(node) if node.as_str().is_some_and(|s| !s.trim().is_empty()) => {
                    done.insert(key.clone());
                    texts.extend(node.as_str());
                    let mut text = EmbeddedText::new(node.span);
                    text.push_string_node(&ctx.source.text, node);
                    let what = format!("`{key}`");
                    unfilled_placeholders(&text, &key, &ctx.source, out);
                    if let Some(root) = parse_embedded(&text, false, (&what, &key), &ctx.source, out) {
                        let machine = model.as_ref().filter(|_| attribute.kind == ArtifactKind::StateMachine).map(|model| {
                            let names: Vec<&str> =
                                node.as_str().map(|d| super::placeholders(d).map(|(_, _, n)| n).collect()).unwrap_or_default();
                            std::sync::Arc::new(model.machine(
                                instance.address,
                                instance.at,
                                instance.values,
                                names.into_iter(),
                                &ctx.source,
                            ))
                        });
                        out.push(
                            Artifact::new(attribute.kind, Cow::Owned(root), ctx.source.clone())
                                .held_by(instance.address.to_string(), instance.kind.to_string(), key)
                                .policy_kind(attribute.policy_kind)
                                .embedded(Box::new(text))
                                .machine(machine),
                        );
                    }
                }
                _ => {
                    let marked = instance.after_unknown.and_then(|u| unknown_marker(u, &attribute.path));
                    let configured = || configured.contains(&(config_address(instance.address), path_text(&attribute.path)));
                    if let Some(span) = marked
                        && (!attribute.computed || configured())
                    {
                        unknown.push((key, span));
                    }
                }
            }
        }
    }
    policy_documents(doc, &texts, ctx, out);
    let mut noted = BTreeSet::new();
    for (key, span) in unknown {
        if !done.contains(&key) && noted.insert(key.clone()) {
            let mut finding = Finding::new(
                builtin::TF_UNKNOWN_AT_PLAN,
                Severity::Note,
                &ctx.source,
                span,
                format!(
                    "`{key}` is unknown until apply (it interpolates another resource's attribute), so it cannot be checked in this plan"
                ),
            );
            finding.locator = key;
            out.findings.push(finding);
        }
    }
}

/// A `${Name}` left in a document of the plan goes to AWS as those characters (`file()` does
/// no substitution; a `templatefile()` variable spelt `$${…}`): one error per document, at the
/// first, naming them all. IAM policy variables (`${aws:username}`, `${s3:prefix}`, `${*}`,
/// `${?}`, `${$}`) are deployed literally on purpose.
pub(super) fn unfilled_placeholders(
    text: &EmbeddedText,
    key: &str,
    source: &std::sync::Arc<crate::source::Source>,
    out: &mut Extraction<'_, '_>,
) {
    let found: Vec<(usize, usize, &str)> =
        super::placeholders(&text.text).filter(|(_, _, name)| !(name.contains(':') || matches!(*name, "*" | "?" | "$"))).collect();
    let Some(&(start, end, first)) = found.first() else { return };
    let mut names: Vec<&str> = found.iter().map(|(_, _, n)| *n).collect();
    names.dedup();
    let listed: Vec<String> = names.iter().take(5).map(|n| format!("`${{{}}}`", crate::finding::shortened(n, 60))).collect();
    let more = if names.len() > 5 { format!(" and {} more", names.len() - 5) } else { String::new() };
    let mut finding = Finding::new(
        builtin::TF_UNFILLED_PLACEHOLDER,
        Severity::Error,
        source,
        text.map_span(Span::new(start, end)),
        format!(
            "`{key}` still holds {}{more}: Terraform deploys the text as written, so AWS sees `${{{}}}`, not a value",
            listed.join(", "),
            crate::finding::shortened(first, 60)
        ),
    );
    finding.help = Some(
        "Fill it in Terraform: `templatefile(\"x.json.tftpl\", { Name = … })` instead of `file()`, or `jsonencode()` with the value; `$${…}` is how a template keeps `${…}` literal.".into(),
    );
    finding.locator = key.to_string();
    out.findings.push(finding);
}

/// The condition an `aws_lambda_permission` attribute puts in the statement Lambda adds:
/// (operator, condition key, attribute).
pub(super) const PERMISSION_CONDITIONS: [(&str, &str, &str); 4] = [
    ("ArnLike", "aws:SourceArn", "source_arn"),
    ("StringEquals", "aws:SourceAccount", "source_account"),
    ("StringEquals", "aws:PrincipalOrgID", "principal_org_id"),
    ("StringEquals", "lambda:FunctionUrlAuthType", "function_url_auth_type"),
];

/// The statement an `aws_lambda_permission` adds to its function's resource policy. A condition
/// whose value is unknown until apply (a `source_arn` of a resource still to be made) is there,
/// as a placeholder: it restricts as much as any.
fn lambda_permission<'a>(instance: &Instance<'a>, location: String, ctx: &Context<'_>, out: &mut Extraction<'a, '_>) {
    let values = instance.values;
    let given = |key: &str| values.entry(key).filter(|e| !matches!(e.value.value, Value::Null) && e.value.as_str() != Some(""));
    let marked = |key: &str| instance.after_unknown.and_then(|u| u.entry(key)).filter(|e| e.value.value == Value::Bool(true));
    if given("principal").is_none() {
        return;
    }
    let mut placeholders: Vec<crate::parse::Entry> = Vec::new();
    let conditions = PERMISSION_CONDITIONS;
    for (_, _, attribute) in conditions {
        if given(attribute).is_none()
            && let Some(entry) = marked(attribute)
        {
            let value = Node::new(Value::String("${unknown until apply}".into()), entry.value.span);
            placeholders.push(crate::parse::Entry { key: entry.key.clone(), key_span: entry.key_span, value });
        }
    }
    let known = |attribute: &str| given(attribute).or_else(|| placeholders.iter().find(|p| &*p.key == attribute));
    let permission = super::Permission {
        at: values.span,
        action: given("action"),
        principal: given("principal"),
        function: given("function_name"),
        conditions: conditions.iter().filter_map(|(op, key, attribute)| Some((*op, *key, known(attribute)?))).collect(),
    };
    permission.push((instance.address, instance.kind), location, ctx, out);
}

/// `aws_iam_policy_document` data sources the plan read: the policy each renders (`json`),
/// unless the configuration uses it in a resource or another document (it is checked there,
/// where it is attached), or a resource holds the same text. What is left is a document the
/// plan renders for something else (a module output, a resource whose value is unknown
/// until apply); where it is attached is unknown here.
fn policy_documents<'a>(doc: &'a Node, texts: &std::collections::HashSet<&str>, ctx: &Context<'_>, out: &mut Extraction<'a, '_>) {
    let used = referenced(doc);
    let mut seen = BTreeSet::new();
    let sections = [doc.get("planned_values"), doc.get("prior_state").and_then(|s| s.get("values")), doc.get("values")];
    for root in sections.into_iter().flatten().filter_map(|v| v.get("root_module")) {
        let mut stack = vec![root];
        while let Some(module) = stack.pop() {
            for resource in module.get("resources").and_then(Node::as_array).unwrap_or(&[]) {
                let (Some("data"), Some("aws_iam_policy_document"), Some(address)) =
                    (resource.get_str("mode"), resource.get_str("type"), resource.get_str("address"))
                else {
                    continue;
                };
                let Some(node) = resource.get("values").and_then(|v| v.get("json")) else { continue };
                let Some(text) = node.as_str().filter(|t| !t.trim().is_empty()) else { continue };
                if texts.contains(text) || used.contains(&config_address(address)) || !seen.insert(address) {
                    continue;
                }
                let key = format!("{}.json", crate::finding::locator_part(address));
                let mut embedded = EmbeddedText::new(node.span);
                embedded.push_string_node(&ctx.source.text, node);
                let what = format!("`{key}`");
                if let Some(root) = parse_embedded(&embedded, false, (&what, &key), &ctx.source, out) {
                    out.push(
                        Artifact::new(ArtifactKind::Policy, Cow::Owned(root), ctx.source.clone())
                            .held_by(address.to_string(), "aws_iam_policy_document", key)
                            .embedded(Box::new(embedded)),
                    );
                }
            }
            stack.extend(module.get("child_modules").and_then(Node::as_array).unwrap_or(&[]).iter().rev());
        }
    }
}

/// A managed resource instance of a plan, as `tf.resource` rules see it: an object with
/// `address`, `type` and `values` (what will be deployed: `planned_values`, else the change's
/// `after`, else `prior_state` for what the plan leaves alone; never what it deletes).
pub struct PlanResource<'a> {
    pub node: Cow<'a, Node>,
    pub address: &'a str,
    pub address_span: Span,
    pub kind: &'a str,
}

/// A plan's shape around resource nodes (`{address, mode, type, values}`), so that a
/// configuration's resources are read as a plan's: `planned_values.root_module.resources`.
pub(super) fn plan_shaped(resources: Vec<Node>, at: Span) -> Node {
    let member = |key: &str, value: Node| crate::parse::Entry { key: key.into(), key_span: at, value };
    let object = |key: &str, value: Node| Node::new(Value::Object(vec![member(key, value)]), at);
    object("planned_values", object("root_module", object("resources", Node::new(Value::Array(resources), at))))
}

/// Every managed resource instance of a plan, once each, in plan order.
#[must_use]
pub fn resources(doc: &Node) -> Vec<PlanResource<'_>> {
    fn from_modules<'a>(root: Option<&'a Node>, deleted: &BTreeSet<&str>, out: &mut Vec<PlanResource<'a>>, seen: &mut BTreeSet<&'a str>) {
        let Some(root) = root.and_then(|v| v.get("root_module")) else { return };
        for resource in managed_resources(root) {
            if let (Some(entry), Some(kind)) = (resource.entry("address"), resource.get_str("type"))
                && let Some(address) = entry.value.as_str()
                && !deleted.contains(address)
                && seen.insert(address)
            {
                out.push(PlanResource { node: Cow::Borrowed(resource), address, address_span: entry.value.span, kind });
            }
        }
    }
    let deleted = deleted(doc);
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    from_modules(doc.get("planned_values"), &deleted, &mut out, &mut seen);
    for change in doc.get("resource_changes").and_then(Node::as_array).unwrap_or(&[]) {
        let (Some(entry), Some(kind)) = (change.entry("address"), change.get_str("type")) else { continue };
        let Some(address) = entry.value.as_str() else { continue };
        if change.get_str("mode") == Some("data") || deleted.contains(address) || seen.contains(address) {
            continue;
        }
        let Some(after) = change.get("change").and_then(|c| c.get("after")).filter(|a| a.as_object().is_some()) else { continue };
        seen.insert(address);
        // The shape of a `planned_values` resource, made of the change's parts.
        let part = |key: &str, value: Node| crate::parse::Entry { key: key.into(), key_span: entry.key_span, value };
        let type_node = change.get("type").cloned().unwrap_or_else(|| Node::new(Value::Null, entry.value.span));
        let node = Node::new(
            Value::Object(vec![part("address", entry.value.clone()), part("type", type_node), part("values", after.clone())]),
            change.span,
        );
        out.push(PlanResource { node: Cow::Owned(node), address, address_span: entry.value.span, kind });
    }
    from_modules(doc.get("prior_state").and_then(|s| s.get("values")), &deleted, &mut out, &mut seen);
    from_modules(doc.get("values"), &deleted, &mut out, &mut seen);
    out
}

/// Addresses of the resources the plan deletes (they are still in `prior_state`; what they
/// held is not deployed).
fn deleted(doc: &Node) -> BTreeSet<&str> {
    doc.get("resource_changes")
        .and_then(Node::as_array)
        .unwrap_or(&[])
        .iter()
        .filter(|c| {
            c.get("change")
                .and_then(|c| c.get("actions"))
                .and_then(Node::as_array)
                .is_some_and(|a| a.len() == 1 && a[0].as_str() == Some("delete"))
        })
        .filter_map(|c| c.get_str("address"))
        .collect()
}

/// The managed resources of a module and its child modules, in module order.
fn managed_resources(module: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    let mut stack = vec![module];
    while let Some(module) = stack.pop() {
        let resources = module.get("resources").and_then(Node::as_array).unwrap_or(&[]);
        out.extend(resources.iter().filter(|r| r.get_str("mode") != Some("data")));
        // Keep module order: push children reversed so the first child is visited first.
        stack.extend(module.get("child_modules").and_then(Node::as_array).unwrap_or(&[]).iter().rev());
    }
    out
}

/// What the configuration's resources and data sources refer to, by address with its module
/// (`module.a.data.aws_iam_policy_document.x`, without instance keys or attributes).
fn referenced(doc: &Node) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(root) = doc.get("configuration").and_then(|c| c.get("root_module")) else { return out };
    let mut stack = vec![(root, String::new())];
    while let Some((module, prefix)) = stack.pop() {
        for resource in module.get("resources").and_then(Node::as_array).unwrap_or(&[]) {
            let mut nodes = vec![resource.get("expressions")];
            while let Some(Some(node)) = nodes.pop() {
                match &node.value {
                    Value::Object(entries) => {
                        for entry in entries {
                            if &*entry.key == "references" {
                                for reference in entry.value.as_array().unwrap_or(&[]).iter().filter_map(Node::as_str) {
                                    // `data.aws_iam_policy_document.x.json` → `data.aws_iam_policy_document.x`
                                    let parts: Vec<&str> = reference.split('.').collect();
                                    if parts.len() >= 3 && parts[0] == "data" {
                                        out.insert(format!("{prefix}{}", config_address(&parts[..3].join("."))));
                                    }
                                }
                            } else {
                                nodes.push(Some(&entry.value));
                            }
                        }
                    }
                    Value::Array(items) => nodes.extend(items.iter().map(Some)),
                    _ => {}
                }
            }
        }
        for call in module.get("module_calls").map(Node::unique_entries).into_iter().flatten() {
            if let Some(inner) = call.value.get("module") {
                stack.push((inner, format!("{prefix}module.{}.", call.key)));
            }
        }
    }
    out
}

/// (resource address without instance keys, attribute) pairs the configuration sets.
fn configured_attributes(doc: &Node) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let Some(root) = doc.get("configuration").and_then(|c| c.get("root_module")) else { return out };
    let mut stack = vec![(root, String::new())];
    while let Some((module, prefix)) = stack.pop() {
        for resource in module.get("resources").and_then(Node::as_array).unwrap_or(&[]) {
            let Some(address) = resource.get_str("address") else { continue };
            for entry in resource.get("expressions").and_then(Node::as_object).unwrap_or(&[]) {
                out.insert((format!("{prefix}{address}"), entry.key.to_string()));
            }
        }
        for call in module.get("module_calls").map(Node::unique_entries).into_iter().flatten() {
            if let Some(inner) = call.value.get("module") {
                stack.push((inner, format!("{prefix}module.{}.", call.key)));
            }
        }
    }
    out
}

/// `module.a["k"].aws_s3_bucket.b[0]` → `module.a.aws_s3_bucket.b`, as the configuration names it.
fn config_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn module_instances<'a>(module: &'a Node, out: &mut Vec<Instance<'a>>) {
    for resource in managed_resources(module) {
        if let (Some(address), Some(kind), Some(values)) = (resource.get_str("address"), resource.get_str("type"), resource.get("values")) {
            let at = resource.get("address").map_or(resource.span, |a| a.span);
            out.push(Instance { address, at, kind, values, after_unknown: None });
        }
    }
}

/// What a resource's top-level attribute holds, if it holds a document, for plans and
/// configurations alike: a state machine's `definition`, a role's trust policy, an identity
/// policy's `policy`, a resource policy (`aws_s3_bucket_policy.policy`, …).
pub(super) fn document_attribute(resource_type: &str, attribute: &str) -> Option<(ArtifactKind, PolicyKind)> {
    match (resource_type, attribute) {
        ("aws_sfn_state_machine", "definition") => Some((ArtifactKind::StateMachine, PolicyKind::Unknown)),
        ("aws_iam_role", "assume_role_policy") => Some((ArtifactKind::Policy, PolicyKind::Trust)),
        ("aws_iam_policy" | "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" | "aws_iot_policy", "policy") => {
            Some((ArtifactKind::Policy, PolicyKind::Identity))
        }
        (
            "aws_sfn_state_machine"
            | "aws_iam_role"
            | "aws_iam_policy"
            | "aws_iam_role_policy"
            | "aws_iam_user_policy"
            | "aws_iam_group_policy"
            | "aws_iot_policy",
            _,
        ) => None,
        (kind, name) => (resource_policy_type(kind) && is_policy_attribute(name)).then_some((ArtifactKind::Policy, PolicyKind::Resource)),
    }
}

/// The nested blocks whose `policy` is an identity policy: `aws_iam_role.inline_policy`.
pub(super) fn inline_policy_block(resource_type: &str) -> Option<&'static str> {
    (resource_type == "aws_iam_role").then_some("inline_policy")
}

/// The document-holding attributes of a resource instance.
fn attributes(instance: &Instance<'_>) -> Vec<Attribute> {
    let names = instance.values.as_object().unwrap_or(&[]).iter().map(|e| &*e.key);
    let unknown_names = instance.after_unknown.and_then(Node::as_object).unwrap_or(&[]).iter().map(|e| &*e.key);
    let mut found: Vec<&str> = names.chain(unknown_names).collect();
    found.sort_unstable();
    found.dedup();
    let mut attrs: Vec<Attribute> = found
        .into_iter()
        .filter_map(|name| {
            let (kind, policy_kind) = document_attribute(instance.kind, name)?;
            // A resource policy attribute is optional and computed by the provider: unknown at
            // plan time whenever the configuration leaves it out.
            let computed = policy_kind == PolicyKind::Resource;
            Some(Attribute { path: vec![PathStep::Key(name.to_string())], kind, policy_kind, computed })
        })
        .collect();
    if let Some(block) = inline_policy_block(instance.kind) {
        let count = instance
            .values
            .get(block)
            .or_else(|| instance.after_unknown.and_then(|u| u.get(block)))
            .and_then(Node::as_array)
            .map_or(0, <[Node]>::len);
        for i in 0..count {
            attrs.push(Attribute {
                path: vec![PathStep::Key(block.to_string()), PathStep::Index(i), PathStep::Key("policy".to_string())],
                kind: ArtifactKind::Policy,
                policy_kind: PolicyKind::Identity,
                computed: false,
            });
        }
    }
    attrs
}

/// Resource-policy attributes of the AWS provider: `policy`, `access_policies`, `*_policy`
/// (`aws_ecr_repository_policy.policy`, `aws_glacier_vault.access_policy`, …).
/// Resource types whose `policy` attribute is no IAM policy document: lifecycle rules (ECR,
/// DLM), scaling policies, CloudWatch Logs data protection, load balancer policies, Firewall
/// Manager policies.
const NOT_IAM_POLICIES: [&str; 7] = [
    "lifecycle_policy",
    "autoscaling_policy",
    "data_protection_policy",
    "load_balancer_policy",
    "lb_ssl_negotiation_policy",
    "fms_policy",
    "lb_cookie_stickiness_policy",
];

/// Whether a resource type's policy attributes are IAM policy documents.
pub(super) fn resource_policy_type(kind: &str) -> bool {
    kind.starts_with("aws_") && !NOT_IAM_POLICIES.iter().any(|k| kind.contains(k))
}

pub(super) fn is_policy_attribute(name: &str) -> bool {
    matches!(name, "policy" | "access_policies" | "policy_document" | "access_policy" | "key_policy" | "resource_policy")
}

fn lookup<'a>(values: &'a Node, path: &[PathStep]) -> Option<&'a Node> {
    let mut node = values;
    for step in path {
        node = match step {
            PathStep::Key(k) => node.get(k)?,
            PathStep::Index(i) => node.as_array()?.get(*i)?,
        };
    }
    Some(node)
}

/// The span of `true` for this attribute in `after_unknown`, if the plan marks it unknown.
fn unknown_marker(after_unknown: &Node, path: &[PathStep]) -> Option<Span> {
    let (last, parents) = path.split_last()?;
    let parent = lookup(after_unknown, parents)?;
    let (node, span) = match last {
        PathStep::Key(k) => {
            let entry = parent.entry(k)?;
            (&entry.value, entry.key_span.cover(entry.value.span))
        }
        PathStep::Index(i) => {
            let node = parent.as_array()?.get(*i)?;
            (node, node.span)
        }
    };
    (node.value == Value::Bool(true)).then_some(span)
}

fn path_text(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tf.resource` sees each instance once, from the section that says what will be
    /// deployed, and never one the plan deletes.
    #[test]
    fn plan_resources_are_what_will_be_deployed_once_each() {
        let plan = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {
    "resources": [{"address": "aws_iam_role.a", "mode": "managed", "type": "aws_iam_role", "values": {"name": "planned"}},
                  {"address": "data.aws_iam_policy_document.d", "mode": "data", "type": "aws_iam_policy_document", "values": {}}],
    "child_modules": [{"resources": [{"address": "module.m.aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "values": {}}]}]}},
  "resource_changes": [
    {"address": "aws_iam_role.a", "mode": "managed", "type": "aws_iam_role", "change": {"actions": ["create"], "after": {"name": "after"}}},
    {"address": "aws_iam_role.b", "mode": "managed", "type": "aws_iam_role", "change": {"actions": ["create"], "after": {"name": "b"}}},
    {"address": "aws_iam_role.gone", "mode": "managed", "type": "aws_iam_role", "change": {"actions": ["delete"], "after": null}}],
  "prior_state": {"values": {"root_module": {"resources": [
    {"address": "aws_iam_role.gone", "mode": "managed", "type": "aws_iam_role", "values": {"name": "gone"}},
    {"address": "aws_iam_role.kept", "mode": "managed", "type": "aws_iam_role", "values": {"name": "kept"}}]}}}
}"#;
        let doc = crate::parse::json::parse(plan, 0, crate::parse::json::Options::default()).unwrap().0;
        let names: Vec<(&str, String)> = resources(&doc)
            .iter()
            .map(|r| (r.address, r.node.get("values").and_then(|v| v.get_str("name")).unwrap_or("-").to_string()))
            .collect();
        assert_eq!(
            names,
            [
                ("aws_iam_role.a", "planned".to_string()),
                ("module.m.aws_sqs_queue.q", "-".to_string()),
                ("aws_iam_role.b", "b".to_string()),
                ("aws_iam_role.kept", "kept".to_string()),
            ]
        );
        let b = &resources(&doc)[2];
        assert_eq!(b.node.get_str("type"), Some("aws_iam_role"));
        assert_eq!(&plan[b.address_span.start()..b.address_span.end()], "\"aws_iam_role.b\"");
    }
}
