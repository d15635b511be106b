//! `iam/statement-element`: each statement's elements, as IAM requires them: only the known
//! elements, `Effect` exactly `Allow` or `Deny`, exactly one of `Action` and `NotAction`, the
//! resource element the policy's kind needs (required in identity and resource policies,
//! forbidden in trust policies), the principal element the kind needs (forbidden in identity
//! policies, required in resource and trust policies), principals in their forms, and no empty
//! lists. Standalone policies, whose kind cannot be told, are held to what every kind shares.

use super::{a, deploy_time};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::Intrinsics;
use crate::extract::{ArtifactKind, PolicyKind};
use crate::model::Model;
use crate::model::iam::{Element, Statement};
use crate::parse::{Entry, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "iam/statement-element", artifact: ArtifactKind::Policy, run };

/// The elements of a statement.
const ELEMENTS: [&str; 9] = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
/// The keys of a `Principal` object.
const PRINCIPAL_KEYS: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(policy) = model.policy() else { return };
    for statement in &policy.statements {
        if out.is_full() {
            return;
        }
        let Some(entries) = statement.node.as_object() else { continue };
        if statement.node.intrinsic().is_some() {
            continue;
        }
        let path = statement.path.as_str();
        for entry in entries.iter().filter(|e| !ELEMENTS.contains(&&*e.key)) {
            let close = crate::finding::suggestion(&entry.key, ELEMENTS);
            let hint = close.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
            out.report(Place::Key(entry), path, format!("`{}` is no element of a statement{hint}", crate::finding::shortened(&entry.key, 80)))
                .help("A statement takes Sid, Effect, Principal or NotPrincipal, Action or NotAction, Resource or NotResource, and Condition (names are case-sensitive).")
                .access_analyzer("INVALID_POLICY_ELEMENT")
                .emit();
        }
        effect(statement, path, out);
        pair(statement, path, (&statement.action, "Action"), (&statement.not_action, "NotAction"), true, out);
        let kind = policy.kind;
        match kind {
            PolicyKind::Trust => {
                for element in [&statement.resource, &statement.not_resource].into_iter().flatten() {
                    out.report(
                        Place::Key(element.entry),
                        path,
                        format!("a trust policy takes no `{}`: the role it belongs to is the resource", element.entry.key),
                    )
                    .help("Remove the element (IAM rejects it: \"Has prohibited field Resource\").")
                    .access_analyzer("UNSUPPORTED_ELEMENT_COMBINATION")
                    .emit();
                }
            }
            PolicyKind::Identity => {
                pair(statement, path, (&statement.resource, "Resource"), (&statement.not_resource, "NotResource"), true, out);
            }
            // Some resource policies name their resource implicitly (an ECR repository policy
            // has no `Resource`): only both at once is an error there.
            PolicyKind::Resource => {
                pair(statement, path, (&statement.resource, "Resource"), (&statement.not_resource, "NotResource"), false, out);
            }
            PolicyKind::Unknown => {
                // A standalone identity policy needs a resource element; so does a resource
                // policy. A trust policy (a principal and sts:AssumeRole*) does not.
                let trust = statement.principal.is_some() || statement.not_principal.is_some();
                pair(statement, path, (&statement.resource, "Resource"), (&statement.not_resource, "NotResource"), !trust, out);
            }
        }
        principal(statement, path, kind, out);
        for element in [&statement.action, &statement.not_action, &statement.resource, &statement.not_resource].into_iter().flatten() {
            empty_list(element, path, out);
        }
    }
}

fn effect(statement: &Statement<'_>, path: &str, out: &mut Emitter<'_, '_>) {
    let Some(entry) = statement.effect else {
        out.report(Place::Value(statement.node), path, "the statement has no `Effect`: IAM needs `\"Effect\": \"Allow\"` or `\"Deny\"`")
            .label("no Effect")
            .access_analyzer("MISSING_EFFECT")
            .emit();
        return;
    };
    for value in entry.value.alternatives() {
        if deploy_time(value) {
            continue;
        }
        match value.as_str() {
            Some("Allow" | "Deny") => {}
            Some(text) if text.eq_ignore_ascii_case("allow") || text.eq_ignore_ascii_case("deny") => {
                let fixed = if text.eq_ignore_ascii_case("allow") { "Allow" } else { "Deny" };
                out.report(Place::Value(value), path, format!("`Effect` is `{text}`: IAM takes `{fixed}`, with that capital letter"))
                    .help(format!("Write \"Effect\": \"{fixed}\"."))
                    .access_analyzer("INVALID_EFFECT")
                    .emit();
            }
            Some(text) => {
                out.report(
                    Place::Value(value),
                    path,
                    format!("`Effect` is `{}`: IAM takes only `Allow` or `Deny`", crate::finding::shortened(text, 60)),
                )
                .access_analyzer("INVALID_EFFECT")
                .emit();
            }
            None => {
                out.report(Place::Value(value), path, format!("`Effect` is {}: IAM takes the text `Allow` or `Deny`", a(value)))
                    .access_analyzer("DATA_TYPE_MISMATCH")
                    .emit();
            }
        }
    }
}

/// Exactly one of an element and its negation (`Action`/`NotAction`), when `required`; never
/// both.
fn pair(
    statement: &Statement<'_>,
    path: &str,
    (positive, name): (&Option<Element<'_>>, &str),
    (negative, not_name): (&Option<Element<'_>>, &str),
    required: bool,
    out: &mut Emitter<'_, '_>,
) {
    match (positive, negative) {
        (Some(_), Some(second)) => {
            out.report(Place::Key(second.entry), path, format!("the statement has both `{name}` and `{not_name}`: IAM takes one of them"))
                .related(&Place::Key(positive.as_ref().map_or(second.entry, |p| p.entry)), format!("`{name}` is here"))
                .access_analyzer("UNSUPPORTED_ELEMENT_COMBINATION")
                .emit();
        }
        (None, None) if required => {
            out.report(Place::Value(statement.node), path, format!("the statement has no `{name}` (or `{not_name}`): IAM rejects it"))
                .label(format!("no {name}"))
                .access_analyzer(if name == "Action" { "MISSING_ACTION" } else { "MISSING_RESOURCE" })
                .emit();
        }
        _ => {}
    }
}

fn principal(statement: &Statement<'_>, path: &str, kind: PolicyKind, out: &mut Emitter<'_, '_>) {
    let given: Vec<&Entry> = [statement.principal, statement.not_principal].into_iter().flatten().collect();
    match kind {
        PolicyKind::Identity => {
            for entry in &given {
                out.report(Place::Key(entry), path, format!("an identity policy takes no `{}`: the role, user or group it is attached to is the principal", entry.key))
                    .help("Remove the element (IAM rejects it: \"Policy document should not specify a principal\"); to let others in, use a resource policy or a trust policy.")
                    .access_analyzer("UNSUPPORTED_PRINCIPAL")
                    .emit();
            }
            return;
        }
        PolicyKind::Resource | PolicyKind::Trust if given.is_empty() => {
            let what = if kind == PolicyKind::Trust { "a trust policy" } else { "a resource policy" };
            out.report(Place::Value(statement.node), path, format!("the statement has no `Principal`: {what} must say who it applies to"))
                .label("no Principal")
                .access_analyzer("MISSING_PRINCIPAL")
                .emit();
        }
        _ => {}
    }
    if given.len() == 2 {
        out.report(Place::Key(given[1]), path, "the statement has both `Principal` and `NotPrincipal`: IAM takes one of them")
            .access_analyzer("UNSUPPORTED_ELEMENT_COMBINATION")
            .emit();
    }
    for entry in given {
        for value in entry.value.alternatives() {
            match &value.value {
                _ if deploy_time(value) => {}
                Value::String(text) if text.as_str() == "*" => {}
                Value::String(text) => {
                    out.report(Place::Value(value), path, format!("`{}` is `{}`: a principal is `\"*\"` or an object such as `{{\"AWS\": \"arn:…\"}}` or `{{\"Service\": \"states.amazonaws.com\"}}`", entry.key, crate::finding::shortened(text, 80)))
                        .access_analyzer("INVALID_PRINCIPAL_FORMAT")
                        .emit();
                }
                Value::Object(keys) => {
                    for key in keys.iter().filter(|k| !PRINCIPAL_KEYS.contains(&&*k.key)) {
                        let close = crate::finding::suggestion(&key.key, PRINCIPAL_KEYS);
                        let hint = close.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
                        out.report(
                            Place::Key(key),
                            path,
                            format!(
                                "`{}` is no kind of principal (it takes `AWS`, `Service`, `Federated` and `CanonicalUser`){hint}",
                                crate::finding::shortened(&key.key, 60)
                            ),
                        )
                        .access_analyzer("INVALID_PRINCIPAL_KEY")
                        .emit();
                    }
                    for key in keys.iter().filter(|k| PRINCIPAL_KEYS.contains(&&*k.key)) {
                        if matches!(&key.value.value, Value::Array(items) if items.is_empty()) {
                            out.report(
                                Place::Value(&key.value),
                                path,
                                format!("`{}.{}` is an empty list: name at least one principal", entry.key, key.key),
                            )
                            .access_analyzer("EMPTY_ARRAY_PRINCIPAL")
                            .emit();
                        }
                    }
                }
                _ => {
                    out.report(
                        Place::Value(value),
                        path,
                        format!("`{}` is {}: a principal is `\"*\"` or an object such as `{{\"AWS\": \"arn:…\"}}`", entry.key, a(value)),
                    )
                    .access_analyzer("INVALID_PRINCIPAL_FORMAT")
                    .emit();
                }
            }
        }
    }
}

fn empty_list(element: &Element<'_>, path: &str, out: &mut Emitter<'_, '_>) {
    if matches!(&element.entry.value.value, Value::Array(items) if items.is_empty()) {
        out.report(
            Place::Value(&element.entry.value),
            path,
            format!("`{}` is an empty list: IAM rejects a statement that names nothing", element.entry.key),
        )
        .access_analyzer(if element.entry.key.contains("Action") { "EMPTY_ARRAY_ACTION" } else { "EMPTY_ARRAY_RESOURCE" })
        .emit();
    }
}
