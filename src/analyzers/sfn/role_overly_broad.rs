//! `sfn/role-overly-broad`: the state machine's own role grants write or permissions-management
//! actions that none of its states uses: a whole service or everything (`dynamodb:*`, `*`, a
//! `NotAction` allow, an AWS managed `…FullAccess` policy) where the states call a few, or a
//! permissions-management action (`iam:PassRole`, `sns:SetTopicAttributes`) no state calls.
//! One finding per machine, at the role, listing what is broader than needed and what the
//! states do use. Only where the states' needs are all known and the role serves this machine
//! alone (no other machine, function or service uses it). Statements a SAM policy template
//! writes, and the log delivery and X-Ray actions of logging and tracing, are left alone.

use crate::analyzers::{Analyzer, Emitter};
use crate::data::iam::{Level, actions, glob_match};
use crate::extract::ArtifactKind;
use crate::model::Model;
use crate::model::role::{Origin, RoleBinding};

/// Actions logging and tracing use, which roles grant by name as AWS's pages show: never
/// reported by name.
const CONVENTIONAL: [&str; 13] = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
];

pub static ANALYZER: Analyzer = Analyzer { id: "sfn/role-overly-broad", artifact: ArtifactKind::StateMachine, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(context) = model.artifact.machine.as_deref() else { return };
    let RoleBinding::Known(role) = &context.role else { return };
    if role.shared.is_some() {
        return;
    }
    let Some(access) = model.access().filter(|a| a.complete) else { return };
    let mut used: Vec<String> = Vec::new();
    for need in &access.needs {
        if !used.iter().any(|u| u.eq_ignore_ascii_case(&need.action)) {
            used.push(need.action.clone());
        }
    }
    let data = actions();
    // (pattern as written, statement) of each grant broader than the states need.
    let mut broad: Vec<(String, String, &crate::model::role::At)> = Vec::new();
    for grant in role.grants.iter().filter(|g| g.allow && g.origin != Origin::SamTemplate) {
        for pattern in grant.actions.iter().flatten() {
            let unused = |levels: &[Level]| {
                data.matching(pattern).any(|(service, action)| {
                    levels.contains(&action.level) && !used.iter().any(|u| glob_match(u, &format!("{}:{}", service.prefix, action.name)))
                })
            };
            let whole_service = pattern == "*" || pattern.split_once(':').is_some_and(|(_, name)| name == "*");
            let beyond = if grant.not_action {
                // Everything but these: certainly more than a few actions.
                true
            } else if whole_service {
                unused(&[Level::Write, Level::PermissionsManagement])
            } else if matches!(grant.origin, Origin::Managed(_))
                || pattern.contains(['*', '?'])
                || CONVENTIONAL.iter().any(|c| c.eq_ignore_ascii_case(pattern))
            {
                false
            } else {
                unused(&[Level::PermissionsManagement])
            };
            let written = if grant.not_action { format!("NotAction {pattern}") } else { pattern.clone() };
            let shown = match grant.origin {
                Origin::Managed(name) if !name.is_empty() => format!("`{written}` (of `{name}`)"),
                _ => format!("`{written}`"),
            };
            if beyond && !broad.iter().any(|(p, ..)| *p == written) {
                broad.push((written, shown, &grant.at));
            }
        }
    }
    if broad.is_empty() {
        return;
    }
    let listed: Vec<String> = broad.iter().take(5).map(|(_, shown, _)| shown.clone()).collect();
    let more = if broad.len() > 5 { format!(" and {} more", broad.len() - 5) } else { String::new() };
    let states_use = if used.is_empty() {
        "its states call no action of their own".to_string()
    } else {
        let shown: Vec<String> = used.iter().take(8).map(|u| format!("`{u}`")).collect();
        let more = if used.len() > 8 { format!(" and {} more", used.len() - 8) } else { String::new() };
        format!("its states use only {}{more}", shown.join(", "))
    };
    let message = format!(
        "{} of state machine `{}` grants {}{more}, which allow writes or permission changes no state makes: {states_use}",
        role.name,
        crate::finding::shortened(&context.resource, 80),
        listed.join(", ")
    );
    let mut report = out
        .report_in(role.at.in_file(&context.file), role.at.span, "Role", message)
        .help("Grant the actions the states use, on the resources they use: `deploylint policy` prints that policy.")
        .values(broad.iter().map(|(p, ..)| p.clone()).collect());
    if let Some((_, _, at)) = broad.first()
        && **at != role.at
    {
        report = report.related_in(at.in_file(&context.file), at.span, "granted here");
    }
    report.emit();
}
