//! `iam/privilege-escalation`: an identity policy whose statements together grant one of the
//! known privilege-escalation paths (pathfinding.cloud's catalogue, [`crate::data::privesc`]):
//! `iam:PutRolePolicy` on every role, `iam:PassRole` with `lambda:CreateFunction` and
//! `lambda:InvokeFunction`, …
//!
//! An action counts when an `Allow` statement grants it by name or by a partial pattern
//! (`iam:Put*`) on resources that are not one specific resource (`*`, `role/*`, or any
//! `NotResource`) without a `Condition` (which may be what makes it safe: `iam:PolicyARN`,
//! `iam:PermissionsBoundary`), and no unconditional `Deny` on `*` takes it back. `*` and `service:*` are
//! left to `iam/wildcard-action`, which already reports them as errors: listing the 65 paths
//! an administrator policy grants would repeat that finding 65 times. One finding per policy,
//! at the first action of the first path, the other actions related; a path that needs more
//! than another one found is not listed.
//!
//! The identity policies the file attaches to one role, user or group are also read together:
//! a path whose actions come from two of them (`iam:PassRole` in one, `lambda:CreateFunction`
//! in another) is reported once for the principal, at its first action.

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::data::iam::glob_match;
use crate::data::privesc::Path;
use crate::extract::{ArtifactKind, PolicyKind};
use crate::model::Model;
use crate::model::iam::{Statement, specific_resource};
use crate::parse::Node;

pub static ANALYZER: Analyzer = Analyzer { id: "iam/privilege-escalation", artifact: ArtifactKind::Policy, run };

/// An action pattern an `Allow` statement grants on broad resources.
struct Grant<'n> {
    node: &'n Node,
    pattern: &'n str,
    route: String,
}

/// How many paths the message names before "and N more".
const LISTED: usize = 4;

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(policy) = model.policy() else { return };
    if !(policy.kind == PolicyKind::Identity || policy.inferred_identity()) {
        return;
    }
    let grants: Vec<Grant<'_>> = policy
        .statements
        .iter()
        .filter(|s| effect(s) == Some("Allow") && s.condition.is_none() && broad(s))
        .flat_map(|s| {
            s.action.iter().flat_map(move |a| {
                a.strings().filter(|(_, t)| !full_wildcard(t)).map(move |(node, pattern)| Grant {
                    node,
                    pattern,
                    route: format!("{}.{}", s.path, a.entry.key),
                })
            })
        })
        .collect();
    if grants.is_empty() {
        return;
    }
    // Unconditional denials of an action on every resource take it back.
    let denied: Vec<&str> = policy
        .statements
        .iter()
        .filter(|s| effect(s) == Some("Deny") && s.condition.is_none())
        .filter(|s| s.resource.as_ref().is_some_and(|r| r.strings().any(|(_, t)| t == "*")))
        .flat_map(|s| s.action.iter().flat_map(|a| a.strings().map(|(_, t)| t)))
        .collect();
    let granted = |action: &str| -> Option<&Grant<'_>> {
        if denied.iter().any(|d| glob_match(d, action)) {
            return None;
        }
        grants.iter().find(|g| glob_match(g.pattern, action))
    };
    let mut found: Vec<(&Path, Vec<&Grant<'_>>)> = crate::data::privesc::paths()
        .iter()
        .filter_map(|path| Some((path, path.required.iter().map(|a| granted(a)).collect::<Option<Vec<_>>>()?)))
        .collect();
    // A path whose actions include all of another found path's adds nothing.
    let sets: Vec<Vec<&str>> = found.iter().map(|(p, _)| p.required.clone()).collect();
    found
        .retain(|(path, _)| !sets.iter().any(|other| other.len() < path.required.len() && other.iter().all(|a| path.required.contains(a))));
    // A principal's policies put together: only the paths no one policy grants alone (each
    // policy's own are reported there).
    if let Some(parts) = &model.artifact.combined {
        let part = |grant: &Grant<'_>| parts.iter().position(|p| p.start() <= grant.node.span.start() && grant.node.span.end() <= p.end());
        found.retain(|(_, grants)| {
            let first = part(grants[0]);
            grants.iter().any(|g| part(g) != first)
        });
    }
    let Some((first_path, first_grants)) = found.first() else { return };
    let first = first_grants[0];
    let shown: Vec<String> = found.iter().take(LISTED).map(|(p, _)| format!("{} ({})", p.name, p.id)).collect();
    let more = found.len().saturating_sub(LISTED);
    let whose = match (&model.artifact.combined, &model.artifact.resource) {
        (Some(_), Some(principal)) => format!("together, the policies of `{}` grant", crate::finding::shortened(principal, 80)),
        _ => "grants".to_string(),
    };
    let message = format!(
        "{whose} {} privilege-escalation path{}: {}{}",
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        shown.join("; "),
        if more > 0 { format!("; and {more} more") } else { String::new() }
    );
    let mut report = out
        .report(Place::Value(first.node), &first.route, message)
        .values(found.iter().map(|(p, _)| p.id.to_string()).collect())
        .label(format!("grants {} here", first_grants_action(first_path, first)))
        .help(format!(
            "Scope the actions to the resources the workload needs (`Resource` ARNs of its own roles and functions), or split them between principals; see {}.",
            first_path.url()
        ));
    let mut related: Vec<(&Node, &str)> = Vec::new();
    for (path, grants) in &found {
        for (action, grant) in path.required.iter().zip(grants) {
            if !std::ptr::eq(grant.node, first.node) && !related.iter().any(|(n, _)| std::ptr::eq(*n, grant.node)) {
                related.push((grant.node, action));
            }
        }
    }
    for (node, action) in related {
        report = report.related(&Place::Value(node), format!("grants {action}"));
    }
    report.emit();
}

/// The action of `path` that `grant` stands for.
fn first_grants_action<'p>(path: &'p Path, grant: &Grant<'_>) -> &'p str {
    path.required.iter().find(|a| glob_match(grant.pattern, a)).copied().unwrap_or_default()
}

fn effect<'n>(statement: &Statement<'n>) -> Option<&'n str> {
    statement.effect.and_then(|e| e.value.as_str())
}

/// `*` or `service:*`: every action, or every action of a service.
fn full_wildcard(pattern: &str) -> bool {
    pattern == "*" || pattern.split_once(':').is_some_and(|(_, name)| name.chars().all(|c| c == '*'))
}

/// Whether a statement's resources reach beyond one specific resource. AWS's own resources
/// (`arn:aws:iam::aws:policy/…`, account `aws`) cannot be changed by anyone else: never broad.
fn broad(statement: &Statement<'_>) -> bool {
    let aws_owned = |v: &Node| v.as_str().is_some_and(|t| t.split(':').nth(4) == Some("aws"));
    statement.not_resource.is_some()
        || statement.resource.as_ref().is_some_and(|r| r.values.iter().any(|v| !specific_resource(v) && !aws_owned(v)))
}
