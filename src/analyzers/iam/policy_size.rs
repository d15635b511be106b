//! `iam/policy-size`: a policy larger than its holder accepts (a managed policy over IAM's
//! 6,144 characters, a role's inline policy over 10,240, a trust policy over 2,048 or 4,096, a
//! bucket policy over 20 KB), by the quotas of `data/iam/policy-size.yaml`. CloudFormation and
//! Terraform find out at deploy time, with `LimitExceeded` / `MalformedPolicyDocument`.
//!
//! The size is counted as IAM counts it, without white space, and from below: a `${…}`
//! placeholder or a `!Ref` counts nothing, so a policy reported is over the quota whatever
//! deploy time puts in. One inline policy is measured alone; the sum of a role's inline
//! policies needs the template model.

use crate::extract::Intrinsics;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::{ArtifactKind, PolicyKind};
use crate::model::Model;
use crate::parse::{Node, Value};

pub static ANALYZER: Analyzer = Analyzer { id: "iam/policy-size", artifact: ArtifactKind::Policy, run };

#[derive(Debug, Deserialize)]
struct Limits {
    limits: Vec<Quota>,
}

#[derive(Debug, Deserialize)]
struct Quota {
    what: String,
    holders: Vec<String>,
    #[serde(default)]
    kind: Option<String>,
    /// The default, where a quota increase may raise it to `limit`.
    #[serde(default)]
    raisable: Option<usize>,
    #[serde(rename = "limit")]
    most: usize,
    unit: String,
}

fn limits() -> &'static [Quota] {
    static DATA: OnceLock<Vec<Quota>> = OnceLock::new();
    DATA.get_or_init(|| {
        crate::data::json("iam/policy-size.yaml").and_then(|j| serde_json::from_str::<Limits>(j).ok()).map_or_else(Vec::new, |l| l.limits)
    })
}

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let artifact = model.artifact;
    let Some(holder) = artifact.resource_type.as_deref() else { return };
    let kind = match artifact.policy_kind {
        PolicyKind::Trust => "trust",
        _ => "identity",
    };
    let Some(limit) = limits().iter().find(|l| l.holders.iter().any(|h| h == holder) && l.kind.as_deref().is_none_or(|k| k == kind)) else {
        return;
    };
    let root: &Node = &artifact.root;
    let size = least_size(root);
    let (quota, raisable) = match limit.raisable {
        Some(default) if size > default && size <= limit.most => (default, true),
        _ => (limit.most, false),
    };
    if size <= quota {
        return;
    }
    let unit = if limit.unit == "bytes" { "bytes" } else { "characters" };
    let message = if raisable {
        format!(
            "the {} is at least {size} characters without white space, over the default quota of {quota}: IAM rejects it unless the account's quota is raised (to at most {})",
            limit.what, limit.most
        )
    } else {
        format!("the {} is at least {size} {unit} without white space, over the {quota} AWS accepts: the deploy fails", limit.what)
    };
    let mut report = out
        .report(Place::Value(root), "", message)
        .help("Split it into several policies (a role takes up to 10 managed policies, 20 with a quota increase), or use wildcards that name the same actions (`s3:Get*`).");
    if raisable {
        report = report.severity(crate::finding::Severity::Warning);
    }
    if matches!(artifact.policy_kind, PolicyKind::Identity) {
        report = report.access_analyzer("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA");
    }
    report.emit();
}

/// The fewest characters the policy can have as JSON without white space: text that only
/// deploy time fills in (`${AWS::AccountId}`, `!GetAtt`) counts nothing.
fn least_size(node: &Node) -> usize {
    let text = |s: &str| crate::extract::strip_placeholders(s, "").chars().filter(|c| !c.is_whitespace()).count() + 2;
    match &node.value {
        Value::String(s) => text(s),
        Value::Number(n) => n.to_string().len(),
        Value::Bool(b) => b.to_string().len(),
        Value::Null => 4,
        Value::Tagged(..) => least_intrinsic(node),
        Value::Array(items) => 2 + items.len().saturating_sub(1) + items.iter().map(least_size).sum::<usize>(),
        Value::Object(_) if node.intrinsic().is_some() => least_intrinsic(node),
        Value::Object(entries) => {
            2 + entries.len().saturating_sub(1) + entries.iter().map(|e| text(&e.key) + 1 + least_size(&e.value)).sum::<usize>()
        }
    }
}

/// What an intrinsic function adds at least: the literal text of a `Fn::Sub` or `Fn::Join`.
fn least_intrinsic(node: &Node) -> usize {
    match node.intrinsic() {
        Some(("Fn::Sub" | "Fn::Join", _)) => crate::extract::intrinsic_text(node)
            .map_or(0, |t| crate::extract::strip_placeholders(&t, "").chars().filter(|c| !c.is_whitespace()).count() + 2),
        Some(("Fn::If", _)) => node.if_branches().map_or(0, |[a, b]| least_size(a).min(least_size(b))),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_count_no_white_space_and_no_placeholders() {
        let doc = crate::parse::json::parse(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "arn:${AWS::Partition}:s3:::b"}]}"#,
            0,
            crate::parse::json::Options::default(),
        )
        .unwrap()
        .0;
        // {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"arn::s3:::b"}]}
        assert_eq!(least_size(&doc), r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"arn::s3:::b"}]}"#.len());
        let yaml = "A: !Sub 'arn:${AWS::Partition}:s3:::b'\nB: !GetAtt X.Arn\n";
        let doc = &crate::parse::yaml::parse(yaml).unwrap().documents[0];
        assert_eq!(least_size(doc.get("A").unwrap()), "\"arn::s3:::b\"".len());
        assert_eq!(least_size(doc.get("B").unwrap()), 0);
        assert!(limits().len() >= 8, "data/iam/policy-size.yaml is read");
    }
}
