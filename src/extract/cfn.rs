//! CloudFormation and SAM templates: state machines and policies in `Resources`.

use super::Intrinsics;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::{Artifact, ArtifactKind, Context, Extraction, MAX_JOIN_BYTES, PolicyKind, Substitutions, parse_embedded};
use crate::finding::{Finding, Severity};
use crate::model::role::MachineContext;
use crate::parse::embedded::EmbeddedText;
use crate::parse::{Node, Value};
use crate::rule::builtin;

/// Where policy documents sit in a resource's `Properties`, by resource type.
const POLICY_PROPERTIES: &[(&str, &str, PolicyKind)] = &[
    ("AWS::IAM::Policy", "PolicyDocument", PolicyKind::Identity),
    ("AWS::IAM::ManagedPolicy", "PolicyDocument", PolicyKind::Identity),
    ("AWS::IAM::RolePolicy", "PolicyDocument", PolicyKind::Identity),
    ("AWS::IAM::UserPolicy", "PolicyDocument", PolicyKind::Identity),
    ("AWS::IAM::GroupPolicy", "PolicyDocument", PolicyKind::Identity),
    ("AWS::IAM::Role", "AssumeRolePolicyDocument", PolicyKind::Trust),
    ("AWS::S3::BucketPolicy", "PolicyDocument", PolicyKind::Resource),
    ("AWS::SQS::QueuePolicy", "PolicyDocument", PolicyKind::Resource),
    ("AWS::SNS::TopicPolicy", "PolicyDocument", PolicyKind::Resource),
    ("AWS::KMS::Key", "KeyPolicy", PolicyKind::Resource),
    ("AWS::KMS::ReplicaKey", "KeyPolicy", PolicyKind::Resource),
    ("AWS::SecretsManager::ResourcePolicy", "ResourcePolicy", PolicyKind::Resource),
    ("AWS::ECR::Repository", "RepositoryPolicyText", PolicyKind::Resource),
    ("AWS::Logs::ResourcePolicy", "PolicyDocument", PolicyKind::Resource),
    ("AWS::OpenSearchService::Domain", "AccessPolicies", PolicyKind::Resource),
    ("AWS::Elasticsearch::Domain", "AccessPolicies", PolicyKind::Resource),
    ("AWS::EFS::FileSystem", "FileSystemPolicy", PolicyKind::Resource),
    ("AWS::ApiGateway::RestApi", "Policy", PolicyKind::Resource),
    ("AWS::Backup::BackupVault", "AccessPolicy", PolicyKind::Resource),
    ("AWS::Lambda::LayerVersionPermission", "Policy", PolicyKind::Resource),
    // Attached to certificates and things, like an identity policy to a user.
    ("AWS::IoT::Policy", "PolicyDocument", PolicyKind::Identity),
];

/// Resource types whose `Policies` property is a list of named inline policies.
const INLINE_POLICY_HOLDERS: &[&str] = &["AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"];

/// SAM resources whose `Policies` mixes managed names, SAM policy templates and inline documents.
const SAM_POLICY_HOLDERS: &[&str] = &["AWS::Serverless::Function", "AWS::Serverless::StateMachine"];

pub(super) fn extract<'a>(doc: &'a Node, ctx: &Context<'_>, out: &mut Extraction<'a, '_>) {
    let Some(resources) = doc.get("Resources") else { return };
    let model = super::template::Template::new(doc);
    for entry in resources.unique_entries() {
        let id = &*entry.key;
        let resource = &entry.value;
        let Some(kind) = resource.get_str("Type") else { continue };
        let Some(props) = resource.get("Properties") else { continue };
        let base = format!("Resources.{}.Properties", crate::finding::locator_part(id));
        match kind {
            "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => {
                let machine = std::sync::Arc::new(model.machine(id, kind, props, &ctx.source));
                state_machine(id, kind, props, &base, &machine, ctx, out);
            }
            _ => {}
        }
        for (_, property, policy_kind) in POLICY_PROPERTIES.iter().filter(|(t, ..)| *t == kind) {
            if let Some(node) = props.get(property) {
                push_document(ArtifactKind::Policy, *policy_kind, node, (id, kind), format!("{base}.{property}"), false, None, ctx, out);
            }
        }
        if INLINE_POLICY_HOLDERS.contains(&kind) {
            let policies = props.get("Policies").and_then(Node::as_array).unwrap_or(&[]);
            for (i, policy) in policies.iter().flat_map(Intrinsics::alternatives).enumerate() {
                if let Some(node) = policy.get("PolicyDocument") {
                    push_document(
                        ArtifactKind::Policy,
                        PolicyKind::Identity,
                        node,
                        (id, kind),
                        format!("{base}.Policies[{i}].PolicyDocument"),
                        false,
                        None,
                        ctx,
                        out,
                    );
                }
            }
        }
        if SAM_POLICY_HOLDERS.contains(&kind) {
            sam_policies((id, kind), props, &base, ctx, out);
        }
        if kind == "AWS::Lambda::Permission" {
            lambda_permission(id, props, &base, ctx, out);
        }
    }
    for (id, kind, documents) in model.principals() {
        out.push(principal_policies((id, kind), &documents, ctx));
    }
}

/// The statements of every identity policy attached to one principal, put together (see
/// [`Artifact::combined`]).
fn principal_policies(resource: (&str, &str), documents: &[&Node], ctx: &Context<'_>) -> Artifact<'static> {
    let at = documents[0].span;
    let mut statements = Vec::new();
    for document in documents {
        match document.get("Statement") {
            Some(Node { value: Value::Array(items), .. }) => statements.extend(items.iter().cloned()),
            Some(single) => statements.push(single.clone()),
            None => {}
        }
    }
    let member = |key: &str, value: Node| crate::parse::Entry { key: key.into(), key_span: at, value };
    let root = Node::new(
        Value::Object(vec![
            member("Version", Node::new(Value::String("2012-10-17".into()), at)),
            member("Statement", Node::new(Value::Array(statements), at)),
        ]),
        at,
    );
    Artifact::new(ArtifactKind::Policy, Cow::Owned(root), ctx.source.clone())
        .held_by(resource.0.to_string(), resource.1.to_string(), format!("Resources.{}/policies", crate::finding::locator_part(resource.0)))
        .policy_kind(PolicyKind::Identity)
        .combined(documents.iter().map(|d| d.span).collect::<Vec<_>>())
}

fn state_machine<'a>(
    id: &str,
    kind: &str,
    props: &'a Node,
    base: &str,
    machine: &std::sync::Arc<MachineContext>,
    ctx: &Context<'_>,
    out: &mut Extraction<'a, '_>,
) {
    let placeholders = props.get("DefinitionSubstitutions").is_some();
    let given = Substitutions::Given(substitutions(props));
    for property in ["Definition", "DefinitionString"] {
        if let Some(node) = props.get(property) {
            let location = format!("{base}.{property}");
            push_document(
                ArtifactKind::StateMachine,
                PolicyKind::Unknown,
                node,
                (id, kind),
                location,
                placeholders,
                Some((&given, machine)),
                ctx,
                out,
            );
        }
    }
    // The placeholders the definition uses, when every part of it could be read.
    let mut used = Some(BTreeSet::new());
    let mut read = false;
    for property in ["Definition", "DefinitionString"] {
        let Some(node) = props.get(property) else { continue };
        read = true;
        match node.intrinsic() {
            // `Fn::Sub` resolves its own `${Name}`s first (`${!Name}` keeps one).
            Some(("Fn::Sub" | "Fn::If", _)) => used = None,
            _ => {
                if let Some(used) = &mut used {
                    used.extend(placeholder_names(node));
                }
            }
        }
    }
    if kind == "AWS::Serverless::StateMachine"
        && let Some(uri) = props.get("DefinitionUri")
    {
        let map = substitutions(props);
        match definition_uri((id, kind), uri, &map, base, machine, ctx, out) {
            Some(names) => {
                read = true;
                if let Some(used) = &mut used {
                    used.extend(names);
                }
            }
            None => used = None,
        }
    }
    if read && let Some(used) = used {
        unused_substitutions(props, &used, base, ctx, out);
    }
}

/// `DefinitionSubstitutions`: each name with its literal value, or `None` when the value is an
/// intrinsic function (known at deploy time). Anything but a map substitutes nothing.
fn substitutions(props: &Node) -> BTreeMap<String, Option<String>> {
    let Some(map) = props.get("DefinitionSubstitutions").filter(|m| m.as_object().is_some() && m.intrinsic().is_none()) else {
        return BTreeMap::new();
    };
    map.unique_entries()
        .map(|e| {
            let value = match &e.value.value {
                Value::String(s) => Some(s.to_string()),
                #[allow(clippy::float_cmp)]
                Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            };
            (e.key.to_string(), value)
        })
        .collect()
}

/// The document with the literal values of `map` put in for their `${Name}`s, as
/// CloudFormation does before Step Functions reads it. In a definition parsed from text
/// (`file_text` given), a value that was a bare placeholder (`"TimeoutSeconds": ${Timeout}`)
/// becomes the JSON value its text spells; in a `Definition` object values stay strings.
fn substitute(root: &Node, map: &BTreeMap<String, Option<String>>, file_text: Option<&str>) -> Option<(Node, Vec<crate::source::Span>)> {
    let replace = |text: &str| -> Option<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut changed = false;
        while let Some(open) = rest.find("${") {
            let Some(close) = rest[open..].find('}') else { break };
            let name = &rest[open + 2..open + close];
            out.push_str(&rest[..open]);
            match map.get(name) {
                Some(Some(value)) => {
                    out.push_str(value);
                    changed = true;
                }
                _ => out.push_str(&rest[open..=open + close]),
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        changed.then_some(out)
    };
    let mut copy = root.clone();
    let mut spans = Vec::new();
    copy.visit_mut(|node| {
        let Value::String(text) = &node.value else { return true };
        if let Some(new) = text.contains("${").then(|| replace(text)).flatten() {
            spans.push(node.span);
            let bare = file_text.and_then(|t| t.get(node.span.start()..)).is_some_and(|t| t.starts_with("${"))
                && text.starts_with("${")
                && text.ends_with('}');
            node.value = match crate::parse::json::parse(&new, 0, crate::parse::json::Options::default()) {
                Ok((parsed, _)) if bare && !matches!(parsed.value, Value::Object(_) | Value::Array(_)) => parsed.value,
                _ => Value::String(new.into()),
            };
        }
        false
    });
    spans.sort_unstable();
    (!spans.is_empty()).then_some((copy, spans))
}

/// SAM `Policies`: a string (managed policy), a document, a SAM policy template, or a list of those.
fn sam_policies<'a>((id, kind): (&str, &str), props: &'a Node, base: &str, ctx: &Context<'_>, out: &mut Extraction<'a, '_>) {
    let Some(policies) = props.get("Policies") else { return };
    let items: Vec<(String, &Node)> = match policies.as_array() {
        Some(items) => {
            items.iter().flat_map(Intrinsics::alternatives).enumerate().map(|(i, n)| (format!("{base}.Policies[{i}]"), n)).collect()
        }
        None => policies.alternatives().into_iter().map(|n| (format!("{base}.Policies"), n)).collect(),
    };
    for (location, node) in items {
        if node.get("Statement").is_some() {
            push_document(ArtifactKind::Policy, PolicyKind::Identity, node, (id, kind), location, false, None, ctx, out);
        } else if let Some([entry]) = node.as_object()
            && let Some((definition, parameters)) = crate::data::sam::template(&entry.key)
        {
            out.push(
                Artifact::new(
                    ArtifactKind::Policy,
                    Cow::Owned(expand_template(definition, &parameters, &entry.value, entry.key_span)),
                    ctx.source.clone(),
                )
                .held_by(id.to_string(), kind.to_string(), format!("{location}.{}", crate::finding::locator_part(&entry.key)))
                .policy_kind(PolicyKind::Identity)
                .written_for(entry.key_span),
            );
        }
    }
}

/// The statement an `AWS::Lambda::Permission` adds to its function's resource policy.
fn lambda_permission(id: &str, props: &Node, base: &str, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    let given = |key: &str| props.entry(key).filter(|e| !matches!(e.value.value, Value::Null));
    let conditions = [
        ("ArnLike", "aws:SourceArn", "SourceArn"),
        ("StringEquals", "aws:SourceAccount", "SourceAccount"),
        ("StringEquals", "aws:PrincipalOrgID", "PrincipalOrgID"),
        ("StringEquals", "lambda:FunctionUrlAuthType", "FunctionUrlAuthType"),
    ];
    let permission = super::Permission {
        at: props.span,
        action: given("Action"),
        principal: given("Principal"),
        function: given("FunctionName"),
        conditions: conditions.iter().filter_map(|(op, key, property)| Some((*op, *key, given(property)?))).collect(),
    };
    permission.push((id, "AWS::Lambda::Permission"), base.to_string(), ctx, out);
}

/// The policy a SAM policy template grants: its statements, with the values the template's
/// entry gives for its parameters (`TableName: !Ref Orders`, with their own places) where the
/// definition has `{"Ref": "TableName"}`, and everything else at the template's name. SAM puts
/// the statements into a role policy of version 2012-10-17.
pub(super) fn expand_template(definition: &Node, parameters: &[&str], given: &Node, at: crate::source::Span) -> Node {
    fn copy(node: &Node, parameters: &[&str], given: &Node, at: crate::source::Span) -> Node {
        if let Some(("Ref", name)) = node.intrinsic()
            && let Some(name) = name.as_str()
            && parameters.contains(&name)
            && let Some(value) = given.get(name)
        {
            return value.clone();
        }
        let value = match &node.value {
            Value::Array(items) => Value::Array(items.iter().map(|i| copy(i, parameters, given, at)).collect()),
            Value::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| crate::parse::Entry { key: e.key.clone(), key_span: at, value: copy(&e.value, parameters, given, at) })
                    .collect(),
            ),
            other => other.clone(),
        };
        Node::new(value, at)
    }
    let mut root = copy(definition, parameters, given, at);
    if let Value::Object(entries) = &mut root.value
        && !entries.iter().any(|e| &*e.key == "Version")
    {
        let version = Node::new(Value::String("2012-10-17".into()), at);
        entries.insert(0, crate::parse::Entry { key: "Version".into(), key_span: at, value: version });
    }
    root
}

/// Adds the document a property holds: an object as it is, or a JSON string, `Fn::Sub` or
/// `Fn::Join` parsed with its spans mapped into the template.
#[allow(clippy::too_many_arguments)]
fn push_document<'a>(
    kind: ArtifactKind,
    policy_kind: PolicyKind,
    node: &'a Node,
    (id, resource_type): (&str, &str),
    location: String,
    placeholders: bool,
    given: Option<(&Substitutions, &std::sync::Arc<MachineContext>)>,
    ctx: &Context<'_>,
    out: &mut Extraction<'a, '_>,
) {
    if node.if_branches().is_some() {
        // Alternatives still conditional past the expansion bound are left unchecked.
        for (i, branch) in node.alternatives().into_iter().filter(|b| b.if_branches().is_none()).enumerate() {
            push_document(kind, policy_kind, branch, (id, resource_type), format!("{location}.Fn::If#{i}"), placeholders, given, ctx, out);
        }
        return;
    }
    // In a `Fn::Sub` or `Fn::Join` text, `${Name}` is filled in from elsewhere in the template.
    let substitutions = match given {
        Some((given, _)) if node.intrinsic().is_none() => given.clone(),
        _ => Substitutions::Unknown,
    };
    let (root, embedded) = match &node.value {
        Value::Object(_) if node.intrinsic().is_none() => (Cow::Borrowed(node), None),
        _ => {
            if let Some(("Fn::Join", _)) = node.intrinsic() {
                let length = join_length(node, 0).unwrap_or(0);
                let left = ctx.join_budget.get();
                if length > left {
                    let mut finding = Finding::new(
                        builtin::PARSE_LIMIT,
                        Severity::Error,
                        &ctx.source,
                        node.span,
                        format!(
                            "{location} of resource `{}` not checked: its Fn::Join resolves to {length} bytes of text, more than this file \
                             may resolve to ({} MiB beyond its own size)",
                            crate::finding::shortened(id, 200),
                            MAX_JOIN_BYTES >> 20
                        ),
                    );
                    finding.locator = location;
                    out.findings.push(finding);
                    return;
                }
                ctx.join_budget.set(left - length);
            }
            let Some((text, sub)) = embedded_text(&ctx.source.text, node) else { return };
            let what = format!("{location} of resource `{id}`");
            match parse_embedded(&text, placeholders || sub, (&what, &location), &ctx.source, out) {
                Some(parsed) => (Cow::Owned(parsed), Some(Box::new(text))),
                None => return,
            }
        }
    };
    let (root, substituted) = match &substitutions {
        Substitutions::Given(map) if map.values().any(Option::is_some) => {
            match substitute(&root, map, embedded.is_some().then_some(ctx.source.text.as_str())) {
                Some((node, spans)) => (Cow::Owned(node), spans),
                None => (root, Vec::new()),
            }
        }
        _ => (root, Vec::new()),
    };
    out.push(
        Artifact::new(kind, root, ctx.source.clone())
            .held_by(id.to_string(), resource_type.to_string(), location)
            .policy_kind(policy_kind)
            .embedded(embedded)
            .substituted(substitutions, substituted)
            .machine(given.map(|(_, machine)| machine.clone())),
    );
}

/// The text of a string-valued document: a plain string, a `Fn::Sub` template or a `Fn::Join`.
/// The flag says whether `${…}` placeholders may stand where values go.
fn embedded_text(file_text: &str, node: &Node) -> Option<(EmbeddedText, bool)> {
    let mut text = EmbeddedText::new(node.span);
    if node.as_str().is_some() {
        text.push_string_node(file_text, node);
        return Some((text, false));
    }
    match node.intrinsic()? {
        ("Fn::Sub", _) => {
            text.push_string_node(file_text, sub_template(node)?);
            Some((text, true))
        }
        ("Fn::Join", _) => {
            push_join(&mut text, file_text, node, 0)?;
            Some((text, true))
        }
        _ => None,
    }
}

/// The text a `Fn::Sub` template or a `Fn::Join` resolves to, with `${Name}` for what only
/// deploy time knows (`arn:aws:iam::${AWS::AccountId}:root`); what rules match patterns
/// against. Built by [`embedded_text`] with no file to align to.
/// A `Fn::Sub` whose variable map gives a name a literal (`!Sub ["…table/${t}", {t: "*"}]`,
/// as SAM's policy templates write) reads with the literal in its place.
#[must_use]
pub fn intrinsic_text(node: &Node) -> Option<String> {
    node.intrinsic()?;
    let text = embedded_text("", node).map(|(text, _)| text.text)?;
    let Some(("Fn::Sub", arg)) = node.intrinsic() else { return Some(text) };
    let Some([_, variables]) = arg.as_array() else { return Some(text) };
    let mut text = text;
    for entry in variables.unique_entries() {
        if let Some(value) = entry.value.as_str() {
            text = text.replace(&format!("${{{}}}", entry.key), value);
        }
    }
    Some(text)
}

/// Appends a `Fn::Join`'s text: string pieces aligned with their source, nested joins and
/// `Fn::Sub` templates in place, the first branch of a `Fn::If`, and a `${…}` placeholder for
/// what stays unknown until deploy (`Ref`, `Fn::GetAtt`, …).
fn push_join(text: &mut EmbeddedText, file_text: &str, join: &Node, depth: usize) -> Option<()> {
    let ("Fn::Join", arg) = join.intrinsic()? else { return None };
    let [delimiter, pieces] = arg.as_array()? else { return None };
    delimiter.as_str()?;
    for (i, piece) in pieces.as_array()?.iter().enumerate() {
        if i > 0 {
            text.push_string_node(file_text, delimiter);
        }
        push_piece(text, file_text, piece, depth);
    }
    Some(())
}

/// The length of the text [`push_join`] would build, computed without building it (saturating).
fn join_length(join: &Node, depth: usize) -> Option<usize> {
    let ("Fn::Join", arg) = join.intrinsic()? else { return None };
    let [delimiter, pieces] = arg.as_array()? else { return None };
    let delimiter = delimiter.as_str()?.len();
    let pieces = pieces.as_array()?;
    let mut total = delimiter.saturating_mul(pieces.len().saturating_sub(1));
    for piece in pieces {
        total = total.saturating_add(piece_length(piece, depth));
    }
    Some(total)
}

fn piece_length(piece: &Node, depth: usize) -> usize {
    if let Some(text) = piece.as_str() {
        return text.len();
    }
    if depth < 16 {
        if let Some(template) = sub_template(piece) {
            return template.as_str().map_or(0, str::len);
        }
        if let Some(length) = join_length(piece, depth + 1) {
            return length;
        }
        if let Some([first, _]) = piece.if_branches() {
            return piece_length(first, depth + 1);
        }
    }
    placeholder_for(piece).len()
}

fn push_piece(text: &mut EmbeddedText, file_text: &str, piece: &Node, depth: usize) {
    if piece.as_str().is_some() {
        text.push_string_node(file_text, piece);
        return;
    }
    if depth < 16 {
        if let Some(template) = sub_template(piece) {
            text.push_string_node(file_text, template);
            return;
        }
        if push_join(text, file_text, piece, depth + 1).is_some() {
            return;
        }
        if let Some([first, _]) = piece.if_branches() {
            push_piece(text, file_text, first, depth + 1);
            return;
        }
    }
    text.push_synthetic(&placeholder_for(piece), piece.span);
}

/// The template string of a `Fn::Sub`, in either form (`"..."` or `["...", {vars}]`).
fn sub_template(node: &Node) -> Option<&Node> {
    let ("Fn::Sub", arg) = node.intrinsic()? else { return None };
    let template = if arg.as_str().is_some() { arg } else { arg.as_array()?.first()? };
    template.as_str().map(|_| template)
}

/// What an intrinsic function between `Fn::Join` pieces reads as: `${Name}` or `${Name.Attr}`.
fn placeholder_for(node: &Node) -> String {
    let name = match node.intrinsic() {
        Some(("Ref", arg)) => arg.as_str().map(str::to_string),
        Some(("Fn::GetAtt", arg)) => arg.as_str().map(str::to_string).or_else(|| {
            let parts: Vec<&str> = arg.as_array()?.iter().filter_map(Node::as_str).collect();
            Some(parts.join("."))
        }),
        Some((name, _)) => Some(name.to_string()),
        None => None,
    };
    let clean: String = name.unwrap_or_default().chars().filter(|c| !matches!(c, '{' | '}' | '"' | '\\') && !c.is_control()).collect();
    format!("${{{clean}}}")
}

/// A SAM `DefinitionUri` naming a local file: the definition is read there and checked with the
/// resource's `DefinitionSubstitutions` (once per file and map in this template), its findings
/// in the file. Gives the `${Name}` placeholders the file holds, when it was read.
fn definition_uri(
    (id, kind): (&str, &str),
    uri: &Node,
    map: &BTreeMap<String, Option<String>>,
    base: &str,
    machine: &std::sync::Arc<MachineContext>,
    ctx: &Context<'_>,
    out: &mut Extraction<'_, '_>,
) -> Option<BTreeSet<String>> {
    let relative = uri.as_str()?;
    if relative.contains("://") || relative.is_empty() {
        return None;
    }
    let shown_id = crate::finding::shortened(id, 200);
    let shown = crate::finding::shortened(relative, 200);
    let location = format!("{base}.DefinitionUri");
    let unread = |unread: crate::load::Unread, out: &mut Extraction<'_, '_>| {
        let mut finding = match unread {
            crate::load::Unread::Outside => Finding::new(
                builtin::PARSE_IO,
                Severity::Error,
                &ctx.source,
                uri.span,
                format!("DefinitionUri of `{shown_id}` names `{shown}`, which is outside the checked tree: not read"),
            ),
            crate::load::Unread::Problem(finding) => {
                let mut finding = *finding;
                finding.message = format!("DefinitionUri of `{shown_id}`: {}", finding.message);
                finding
            }
        };
        location.clone_into(&mut finding.locator);
        out.findings.push(finding);
    };
    let found = match ctx.files.find(relative, (&ctx.source, uri.span)) {
        Ok(found) => found,
        Err(err) => {
            unread(err, out);
            return None;
        }
    };
    // Once per substitution map and role: machines that share both share their findings.
    let role = match &machine.role {
        crate::model::role::RoleBinding::Known(role) => format!("{}@{}", role.name, role.at.span.start()),
        crate::model::role::RoleBinding::Unseen { .. } | crate::model::role::RoleBinding::Generated => String::new(),
    };
    let key = (found.canonical.clone(), format!("{role}\0{}\0{map:?}", machine.logging.is_some()));
    if let Some((.., names)) = ctx.definitions.borrow().iter().find(|(path, given, _)| (path, given) == (&key.0, &key.1)) {
        return Some(names.clone());
    }
    let crate::load::Loaded { source, mut parsed } = match ctx.files.load(found, (&ctx.source, uri.span)) {
        Ok(loaded) => loaded,
        Err(err) => {
            unread(err, out);
            return None;
        }
    };
    for dup in &parsed.duplicates {
        out.findings.push(Finding::duplicate_key(&source, dup));
    }
    if let Some(err) = &parsed.error {
        out.findings.push(Finding::parse_error(&source, err));
    }
    let names = if parsed.documents.is_empty() { BTreeSet::new() } else { placeholder_names(&parsed.documents[0]) };
    ctx.definitions.borrow_mut().push((key.0, key.1, names.clone()));
    let doc = (!parsed.documents.is_empty()).then(|| parsed.documents.swap_remove(0))?;
    if !super::is_state_machine(&doc) {
        return Some(names);
    }
    let (root, substituted) = match substitute(&doc, map, Some(&source.text)) {
        Some((root, spans)) => (root, spans),
        None => (doc, Vec::new()),
    };
    out.push(
        Artifact::new(ArtifactKind::StateMachine, Cow::Owned(root), source)
            .held_by(id.to_string(), kind.to_string(), location)
            .substituted(Substitutions::Given(map.clone()), substituted)
            .machine(machine.clone()),
    );
    Some(names)
}

/// The names of the `${Name}` placeholders in a document's strings.
pub(super) fn placeholder_names(root: &Node) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::String(text) => names.extend(super::placeholders(text).map(|(_, _, name)| name.to_string())),
            Value::Array(items) => stack.extend(items),
            Value::Object(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            Value::Tagged(_, inner) => stack.push(inner),
            _ => {}
        }
    }
    names
}

/// A `DefinitionSubstitutions` name that no `${Name}` of the definition uses: a note at the
/// name, with the unfilled placeholder it may have been meant for.
fn unused_substitutions(props: &Node, used: &BTreeSet<String>, base: &str, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    let Some(map) = props.get("DefinitionSubstitutions").filter(|m| m.intrinsic().is_none()) else { return };
    let keys: BTreeSet<&str> = map.unique_entries().map(|e| &*e.key).collect();
    let unfilled: Vec<&str> = used.iter().map(String::as_str).filter(|n| !keys.contains(n) && !n.contains("::")).collect();
    for entry in map.unique_entries().filter(|e| !used.contains(&*e.key)) {
        let name = crate::finding::shortened(&entry.key, 60);
        let close = crate::finding::suggestion(&entry.key, unfilled.iter().copied());
        let hint = close.map(|c| format!("; did you mean it for `${{{c}}}`?")).unwrap_or_default();
        let mut finding = Finding::new(
            builtin::CFN_UNFILLED_SUBSTITUTION,
            Severity::Note,
            &ctx.source,
            entry.key_span,
            format!("`{name}` of `DefinitionSubstitutions` is never used: the definition has no `${{{name}}}`{hint}"),
        );
        finding.help = Some("Remove the name, or write `${Name}` where the definition needs its value.".into());
        finding.locator = format!("{base}.DefinitionSubstitutions.{}", crate::finding::locator_part(&entry.key));
        finding.subject = Some(entry.key.to_string());
        out.findings.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SAM policy template becomes the policy it grants: its statements at the template's
    /// name, the parameter values the template gives where the definition refers to them.
    #[test]
    fn sam_policy_templates_expand_into_their_statements() {
        let template = "Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Orders
        - NoSuchPolicy: {}
";
        let source = std::sync::Arc::new(crate::source::Source::new("t.yaml", template.to_string()));
        let doc = &crate::parse::yaml::parse(template).unwrap().documents[0];
        let ctx = Context::new(source, &[]);
        let mut policies = Vec::new();
        extract(
            doc,
            &ctx,
            &mut Extraction::new(&mut |a: Artifact<'_>| policies.push((a.location.clone(), a.root.into_owned(), a.written_for))),
        );
        assert_eq!(policies.len(), 1, "an unknown template name expands to nothing");
        let (location, root, written_for) = &policies[0];
        assert_eq!(location, "Resources.Fn.Properties.Policies[0].DynamoDBCrudPolicy");
        let at = template.find("DynamoDBCrudPolicy").unwrap();
        assert_eq!(written_for.map(crate::source::Span::start), Some(at));
        assert_eq!(root.get_str("Version"), Some("2012-10-17"));
        let statement = &root.get("Statement").unwrap().as_array().unwrap()[0];
        let action = &statement.get("Action").unwrap().as_array().unwrap()[0];
        assert_eq!((action.as_str(), action.span.start()), (Some("dynamodb:GetItem"), at));
        let resource = &statement.get("Resource").unwrap().as_array().unwrap()[0];
        let table = resource.get("Fn::Sub").unwrap().as_array().unwrap()[1].get("tableName").unwrap();
        assert_eq!(&template[table.span.start()..table.span.end()], "!Ref Orders");
    }

    #[test]
    fn sub_variables_with_literal_values_are_read_in_place() {
        let template = "A: !Sub [\"arn:${AWS::Partition}:dynamodb:*:*:table/${t}/index/${i}\", {t: \"*\", i: !Ref Index}]\n";
        let doc = &crate::parse::yaml::parse(template).unwrap().documents[0];
        assert_eq!(intrinsic_text(doc.get("A").unwrap()).as_deref(), Some("arn:${AWS::Partition}:dynamodb:*:*:table/*/index/${i}"));
    }

    /// The join budget is charged with `join_length` before `push_join` builds the text: the
    /// two must agree on every kind of piece.
    #[test]
    fn join_length_is_the_length_of_the_text_built() {
        let template = r#"
A: !Join ["", ["{", "\"a\": 1", "}"]]
B: !Join [", ", ["{\"x\": 1", !Sub "\"y\": \"${AWS::Region}\"", !Ref Name, !GetAtt [R, Arn], !Join ["-", ["a", "b"]], "\"z\": 2}"]]
C: {"Fn::Join": ["\n", [{"Fn::If": [Cond, "{\"a\": 1", "{}"]}, {"Fn::Select": [0, [x]]}, "}"]]}
D: !Join ["é", [!Join ["", [!Join ["\\", ["a", "b"]], "c"]], "d", ""]]
"#;
        let doc = &crate::parse::yaml::parse(template).unwrap().documents[0];
        for key in ["A", "B", "C", "D"] {
            let join = doc.get(key).unwrap();
            let (text, _) = embedded_text(template, join).unwrap();
            assert_eq!(join_length(join, 0), Some(text.text.len()), "{key}: {:?}", text.text);
        }
    }
}
