//! `iam/sid`: statement ids. A `Sid` is text; two statements of one policy never share one;
//! in IAM policies (identity and trust) it is ASCII letters and digits only. Resource
//! policies of other services (S3, SQS, SNS) accept more characters, so only text and
//! uniqueness are checked there, and in standalone policies whose kind cannot be told.

use std::collections::HashMap;

use super::{a, deploy_time};
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::{ArtifactKind, PolicyKind};
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "iam/sid", artifact: ArtifactKind::Policy, run };

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(policy) = model.policy() else { return };
    let strict = matches!(policy.kind, PolicyKind::Identity | PolicyKind::Trust);
    let inferred = policy.inferred_identity();
    // Held to IAM's grammar by inference only: warnings.
    let severity = if strict { crate::finding::Severity::Error } else { crate::finding::Severity::Warning };
    // Sid → (its node, the list and index of its statement).
    let mut seen: HashMap<(usize, &str), (&crate::parse::Node, usize)> = HashMap::new();
    for statement in &policy.statements {
        if out.is_full() {
            return;
        }
        let Some(entry) = statement.sid else { continue };
        let value = &entry.value;
        if deploy_time(value) {
            continue;
        }
        let Some(text) = value.as_str() else {
            out.report(Place::Value(value), &statement.path, format!("`Sid` is {}: a statement id is text", a(value)))
                .access_analyzer("DATA_TYPE_MISMATCH")
                .emit();
            continue;
        };
        // Terraform's `aws_iam_policy_document` writes `"Sid": ""` for statements without one.
        if text.is_empty() {
            continue;
        }
        if (strict || inferred)
            && let Some(bad) = text.chars().find(|c| !c.is_ascii_alphanumeric())
        {
            out.report(
                Place::Value(value),
                &statement.path,
                format!(
                    "`Sid` `{}` has {}: in IAM policies a Sid is ASCII letters and digits only",
                    crate::finding::shortened(text, 60),
                    describe(bad)
                ),
            )
            .help(format!("Write `{}`.", text.chars().filter(char::is_ascii_alphanumeric).collect::<String>()))
            .severity(severity)
            .access_analyzer("UNSUPPORTED_SID")
            .emit();
        }
        // The branches of a conditional statement (one index) are one statement. IAM rejects a
        // repeated Sid; S3 and other services accept one in their resource policies (AWS's own
        // templates deploy such bucket policies), and a standalone file may be either.
        match seen.get(&(statement.list, text)) {
            Some((first, item)) if *item != statement.item && policy.kind != PolicyKind::Resource => {
                out.report(
                    Place::Value(value),
                    &statement.path,
                    format!(
                        "`Sid` `{}` is used by another statement of this policy: Sids are unique in a policy",
                        crate::finding::shortened(text, 60)
                    ),
                )
                .related(&Place::Value(first), "first used here")
                .severity(severity)
                .access_analyzer("UNIQUE_SIDS_REQUIRED")
                .emit();
            }
            Some(_) => {}
            None => {
                seen.insert((statement.list, text), (value, statement.item));
            }
        }
    }
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}
