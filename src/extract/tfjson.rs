//! Terraform configuration in JSON syntax (`*.tf.json`, as cdktf and generators write it):
//! `{"resource": {"<type>": {"<name>": {…}}}, "data": {…}}`, each block an object or a list of
//! them.
//!
//! A document attribute holds a JSON string (read through its escapes), or
//! `"${jsonencode({…})}"` (the HCL object read as the JSON it encodes, spans through the
//! string), or `"${data.aws_iam_policy_document.x.json}"` (checked where that data source is
//! written). `data "aws_iam_policy_document"` blocks are policies, their statements written as
//! objects. Anything else only Terraform knows is a note.

use std::borrow::Cow;
use std::sync::Arc;

use super::tfconfig::{Doc, emit, encoded_in_string, unknown};
use super::{Artifact, ArtifactKind, Context, Extraction, PolicyKind};
use crate::parse::embedded::EmbeddedText;
use crate::parse::{Entry, Node, Value};
use crate::source::{Source, Span};

/// Whether a file is Terraform's JSON syntax, by its name.
#[must_use]
pub(super) fn is_configuration(source: &Source) -> bool {
    source.path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.to_ascii_lowercase().ends_with(".tf.json"))
}

/// The blocks of a type: `{"name": {…}}` entries, each body an object or a list of them.
fn bodies(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![node],
        _ => Vec::new(),
    }
}

pub(super) fn extract(doc: &Node, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    out.recognised = true;
    let documents: Vec<&str> = doc
        .get("data")
        .and_then(|d| d.get("aws_iam_policy_document"))
        .map(|d| bodies(d).into_iter().flat_map(|b| b.unique_entries().map(|e| &*e.key)).collect())
        .unwrap_or_default();
    let mut resources = Vec::new();
    for types in doc.get("resource").map(bodies).unwrap_or_default() {
        for kind in types.unique_entries() {
            for names in bodies(&kind.value) {
                for name in names.unique_entries() {
                    let address = format!("{}.{}", kind.key, name.key);
                    for body in bodies(&name.value) {
                        resources.push(resource_node(&address, &kind.key, name.key_span, body));
                        resource_documents(body, (&address, &kind.key), &documents, ctx, out);
                    }
                }
            }
        }
    }
    for names in doc.get("data").and_then(|d| d.get("aws_iam_policy_document")).map(bodies).unwrap_or_default() {
        for name in names.unique_entries() {
            for body in bodies(&name.value) {
                policy_document(body, &format!("data.aws_iam_policy_document.{}", name.key), ctx, out);
            }
        }
    }
    let root = super::tfplan::plan_shaped(resources, Span::new(doc.span.start(), doc.span.start()));
    out.push(super::whole_file(ArtifactKind::Configuration, &root, ctx));
}

/// A resource as `tf.resource` rules see it: `{address, mode, type, values}`.
fn resource_node(address: &str, kind: &str, at: Span, body: &Node) -> Node {
    let text = |t: &str| Node::new(Value::String(t.into()), at);
    let entries = vec![
        Entry { key: "address".into(), key_span: at, value: text(address) },
        Entry { key: "mode".into(), key_span: at, value: text("managed") },
        Entry { key: "type".into(), key_span: at, value: text(kind) },
        Entry { key: "values".into(), key_span: at, value: body.clone() },
    ];
    Node::new(Value::Object(entries), body.span)
}

/// The documents of a resource body, as the `.tf` reader finds them.
fn resource_documents(body: &Node, (address, kind): (&str, &str), documents: &[&str], ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    let mut attributes: Vec<(String, &Node, ArtifactKind, PolicyKind)> = body
        .unique_entries()
        .filter_map(|e| {
            let (artifact_kind, policy_kind) = super::tfplan::document_attribute(kind, &e.key)?;
            Some((e.key.to_string(), &e.value, artifact_kind, policy_kind))
        })
        .collect();
    if let Some(block) = super::tfplan::inline_policy_block(kind) {
        for (i, inline) in body.get(block).map(bodies).unwrap_or_default().into_iter().enumerate() {
            if let Some(policy) = inline.get("policy") {
                attributes.push((format!("{block}[{i}].policy"), policy, ArtifactKind::Policy, PolicyKind::Identity));
            }
        }
    }
    for (name, node, artifact_kind, policy_kind) in attributes {
        let key = format!("{address}.{name}");
        emit(document(node, documents, &ctx.source), &key, (address, kind), (artifact_kind, policy_kind), &ctx.source, out);
    }
}

/// The document a string attribute holds.
fn document(node: &Node, documents: &[&str], source: &Arc<Source>) -> Doc {
    let Some(value) = node.as_str() else { return Doc::Unknown("it is no string".into(), node.span) };
    if value.trim().is_empty() {
        return Doc::Absent;
    }
    let mut text = EmbeddedText::new(node.span);
    text.push_string_node(&source.text, node);
    let template = value.trim();
    if let Some(reference) = template.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
        let parts: Vec<&str> = reference.trim().split('.').collect();
        if let ["data", "aws_iam_policy_document", name, "json" | "minified_json"] = parts.as_slice()
            && documents.contains(name)
        {
            return Doc::Elsewhere;
        }
        if let Some(root) = encoded_in_string(&text, source) {
            return Doc::Tree { source: source.clone(), root };
        }
    }
    if value.replace("$${", "").contains("${") {
        let shown = crate::finding::shortened(value, 80);
        return Doc::Unknown(format!("it is `{shown}`, computed by Terraform"), node.span);
    }
    Doc::Text { source: source.clone(), text, directives: Vec::new(), raw: false }
}

/// A `data "aws_iam_policy_document"` body in JSON: its `statement` objects as the policy they
/// render, spans on the JSON.
fn policy_document(body: &Node, address: &str, ctx: &Context<'_>, out: &mut Extraction<'_, '_>) {
    let at = Span::new(body.span.start(), body.span.start());
    let string = |t: &str, span: Span| Node::new(Value::String(t.into()), span);
    let mut top = Vec::new();
    match body.entry("version") {
        Some(e) => top.push(Entry { key: "Version".into(), key_span: e.key_span, value: e.value.clone() }),
        None => top.push(Entry { key: "Version".into(), key_span: at, value: string("2012-10-17", at) }),
    }
    let mut statements = Vec::new();
    for statement in body.get("statement").map(bodies).unwrap_or_default() {
        let mut entries = Vec::new();
        if statement.get("effect").is_none() {
            let at = Span::new(statement.span.start(), statement.span.start());
            entries.push(Entry { key: "Effect".into(), key_span: at, value: string("Allow", at) });
        }
        for entry in statement.unique_entries() {
            let key = match &*entry.key {
                "sid" => "Sid",
                "effect" => "Effect",
                "actions" => "Action",
                "not_actions" => "NotAction",
                "resources" => "Resource",
                "not_resources" => "NotResource",
                _ => continue,
            };
            entries.push(Entry { key: key.into(), key_span: entry.key_span, value: entry.value.clone() });
        }
        for (name, key) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
            let Some(entry) = statement.entry(name) else { continue };
            let blocks = bodies(&entry.value)
                .into_iter()
                .filter_map(|block| Some((block.get("type")?.clone(), block.get("identifiers")?.clone())))
                .collect();
            let value = super::policy_document::principal(blocks, entry.value.span);
            entries.push(Entry { key: key.into(), key_span: entry.key_span, value });
        }
        if let Some(entry) = statement.entry("condition") {
            let blocks = bodies(&entry.value)
                .into_iter()
                .filter_map(|block| Some((block.get("test")?.clone(), block.get("variable")?.clone(), block.get("values")?.clone())))
                .collect();
            let value = super::policy_document::condition(blocks, entry.value.span);
            entries.push(Entry { key: "Condition".into(), key_span: entry.key_span, value });
        }
        statements.push(Node::new(Value::Object(entries), statement.span));
    }
    if statements.is_empty() {
        if body.get("source_policy_documents").is_some() || body.get("override_policy_documents").is_some() {
            unknown(&ctx.source, (&format!("`{address}`"), address), "its statements come from other documents", at, out);
        }
        return;
    }
    let span = body.get("statement").map_or(at, |s| s.span);
    top.push(Entry { key: "Statement".into(), key_span: span, value: Node::new(Value::Array(statements), span) });
    out.push(Artifact::new(ArtifactKind::Policy, Cow::Owned(Node::new(Value::Object(top), body.span)), ctx.source.clone()).held_by(
        address.to_string(),
        "aws_iam_policy_document",
        address.to_string(),
    ));
}
