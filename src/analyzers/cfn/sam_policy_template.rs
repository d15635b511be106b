//! `cfn/sam-policy-template`: the SAM policy templates of a function's or state machine's
//! `Policies` as the SAM transform reads them (`data/sam/policy-templates.json`): a template
//! name SAM does not have (`DynamoDBCrudPolicyy`), a parameter the template needs and is not
//! given (`TableName`, or `Tablename` spelt otherwise), an item that is none of a managed
//! policy, a policy document or a template. The transform rejects each of them, so the stack
//! fails before anything is created.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::ArtifactKind;
use crate::extract::Intrinsics;
use crate::model::Model;
use crate::parse::{Node, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "cfn/sam-policy-template", artifact: ArtifactKind::Template, run };

const HOLDERS: [&str; 2] = ["AWS::Serverless::Function", "AWS::Serverless::StateMachine"];

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let root: &Node = &model.artifact.root;
    for resource in root.get("Resources").map(Node::unique_entries).into_iter().flatten() {
        if !resource.value.get_str("Type").is_some_and(|t| HOLDERS.contains(&t)) {
            continue;
        }
        let Some(policies) = resource.value.get("Properties").and_then(|p| p.get("Policies")) else { continue };
        let base = format!("Resources.{}.Properties.Policies", crate::finding::locator_part(&resource.key));
        let items: Vec<(String, &Node)> = match policies.as_array() {
            Some(list) => {
                list.iter().enumerate().flat_map(|(i, n)| n.alternatives().into_iter().map(move |a| (format!("[{i}]"), a))).collect()
            }
            None => policies.alternatives().into_iter().map(|a| (String::new(), a)).collect(),
        };
        for (index, item) in items {
            if out.is_full() {
                return;
            }
            check_item(item, &format!("{base}{index}"), out);
        }
    }
}

fn check_item(item: &Node, route: &str, out: &mut Emitter<'_, '_>) {
    // A managed policy's name or ARN, an intrinsic function that gives one, a document.
    let Some(entries) = item.as_object() else { return };
    if item.intrinsic().is_some() || item.get("Statement").is_some() || item.as_str().is_some() {
        return;
    }
    let [entry] = entries else {
        out.report(
            Place::Value(item),
            route,
            format!(
                "a `Policies` item is a managed policy, a policy document or one SAM policy template, not a map of {} keys",
                entries.len()
            ),
        )
        .help("Give each policy template an item of its own: `- SQSPollerPolicy: {QueueName: …}`.")
        .emit();
        return;
    };
    let name = &*entry.key;
    let Some((_, parameters)) = crate::data::sam::template(name) else {
        let close = crate::finding::suggestion(name, crate::data::sam::names());
        let hint = close.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
        out.report(
            Place::Key(entry),
            route,
            format!("`{}` is no SAM policy template: the SAM transform rejects the item{hint}", crate::finding::shortened(name, 80)),
        )
        .help(close.map_or_else(
            || {
                "Use a template of the SAM policy template list, an AWS managed policy name, or a policy document with `Statement`."
                    .to_string()
            },
            |c| format!("Write `{c}`."),
        ))
        .emit();
        return;
    };
    let given = &entry.value;
    if given.intrinsic().is_some() {
        return;
    }
    let given_names: Vec<&str> = given.as_object().map(|e| e.iter().map(|e| &*e.key).collect()).unwrap_or_default();
    // `- VPCAccessPolicy:` with nothing after it gives no parameters.
    if !matches!(given.value, Value::Object(_) | Value::Null) {
        out.report(
            Place::Value(given),
            route,
            format!("the parameters of `{name}` are a map (`{{}}` when it takes none), not {}", crate::analyzers::iam::a(given)),
        )
        .emit();
        return;
    }
    let missing: Vec<&str> = parameters.iter().copied().filter(|p| !given_names.contains(p)).collect();
    if missing.is_empty() {
        return;
    }
    // A parameter given under another spelling (`Tablename`) is what is missing.
    let unknown: Vec<&str> = given_names.iter().copied().filter(|g| !parameters.contains(g)).collect();
    let misspelt: Vec<String> =
        unknown.iter().filter_map(|u| crate::finding::suggestion(u, missing.iter().copied()).map(|m| format!("`{u}` for `{m}`"))).collect();
    let listed: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
    let mut message = format!(
        "`{name}` needs {}: the SAM transform rejects the template without {}",
        listed.join(" and "),
        if missing.len() == 1 { "it" } else { "them" }
    );
    if !misspelt.is_empty() {
        message.push_str(&format!(" (given {}; parameter names are case-sensitive)", misspelt.join(", ")));
    }
    out.report(Place::Key(entry), route, message).help(format!("Give {}: `{name}: {{{}: …}}`.", listed.join(" and "), missing[0])).emit();
}
