//! `iam/arn`: resource ARNs in `Resource` and `NotResource`: `arn:partition:service:region:
//! account:resource`, each part in its form (a known partition, a service prefix, a region
//! name, a 12-digit account or `aws`, a resource), or `*`. In identity and trust policies a
//! resource that is no ARN at all is an error too; resource policies of some services take
//! their own forms (API Gateway's `execute-api:/stage/GET/path`), so there only ARNs are read.
//! Wildcards, policy variables (`${aws:username}`) and CloudFormation placeholders
//! (`${AWS::Region}`) stand for a part and are not judged.

use super::deploy_time;
use crate::analyzers::{Analyzer, Emitter, Place};
use crate::extract::{ArtifactKind, PolicyKind};
use crate::finding::Severity;
use crate::model::Model;

pub static ANALYZER: Analyzer = Analyzer { id: "iam/arn", artifact: ArtifactKind::Policy, run };

/// The AWS partitions.
const PARTITIONS: [&str; 8] = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];

fn run(model: &Model<'_, '_>, out: &mut Emitter<'_, '_>) {
    let Some(policy) = model.policy() else { return };
    let strict = matches!(policy.kind, PolicyKind::Identity | PolicyKind::Trust);
    let inferred = policy.inferred_identity();
    for statement in &policy.statements {
        if out.is_full() {
            return;
        }
        for element in [&statement.resource, &statement.not_resource].into_iter().flatten() {
            let route = format!("{}.{}", statement.path, element.entry.key);
            for (node, text) in element.strings() {
                if deploy_time(node) && !text.starts_with("arn:") {
                    continue;
                }
                if let Some((why, placeholder, code)) = problem(text, strict || inferred) {
                    let not_an_arn = !text.starts_with("arn:");
                    let mut report = out.report(Place::Value(node), &route, why).help(
                        "A resource is `*` or an ARN: `arn:aws:s3:::bucket/key`, `arn:aws:dynamodb:us-east-1:123456789012:table/Orders`.",
                    );
                    // `account-id`, `REGION`: a placeholder from documentation, left in.
                    if placeholder || (not_an_arn && !strict) {
                        report = report.severity(Severity::Warning);
                    }
                    report.access_analyzer(code).emit();
                }
            }
        }
    }
}

/// A documentation placeholder: upper case (`ACCOUNT-ID`, `REGION`), or a word such as
/// `account-id`, `region`, `partition`.
fn is_placeholder(part: &str) -> bool {
    let lower = part.to_ascii_lowercase();
    (part.bytes().any(|b| b.is_ascii_uppercase()) && !part.bytes().any(|b| b.is_ascii_lowercase()))
        || ["account", "region", "partition", "your", "my-"].iter().any(|w| lower.starts_with(w))
}

/// Why a resource value is no valid resource, if it is not, and whether the part at fault is a
/// placeholder word from documentation (`account-id`, `REGION`, `partition`).
fn problem(text: &str, strict: bool) -> Option<(String, bool, &'static str)> {
    let shown = crate::finding::shortened(text, 100);
    if text == "*" {
        return None;
    }
    let Some(rest) = text.strip_prefix("arn:") else {
        return (strict && !text.contains("${")).then(|| {
            (
                format!("`{shown}` is not an ARN: a resource is `*` or `arn:partition:service:region:account:resource`"),
                false,
                "INVALID_ARN_PREFIX",
            )
        });
    };
    // The resource part may hold `:`; placeholders may too (`${AWS::Region}`), so split on the
    // colons outside `${…}`.
    let parts = split_outside_placeholders(rest);
    if parts.len() < 5 {
        return Some((
            format!("`{shown}` has {} of the six parts of an ARN (`arn:partition:service:region:account:resource`)", parts.len() + 1),
            false,
            "MISSING_ARN_FIELD",
        ));
    }
    let (partition, service, region, account) = (parts[0], parts[1], parts[2], parts[3]);
    let resource = parts[4..].join(":");
    let open = |part: &str| part.contains(['*', '?']) || part.contains("${");
    if !open(partition) && !PARTITIONS.contains(&partition) {
        return Some((
            format!("`{shown}`: `{}` is no AWS partition (`aws`, `aws-cn`, `aws-us-gov`, …)", crate::finding::shortened(partition, 40)),
            is_placeholder(partition),
            "INVALID_PARTITION",
        ));
    }
    if service.is_empty() {
        return Some((format!("`{shown}` names no service (the third part of an ARN)"), false, "MISSING_ARN_FIELD"));
    }
    if !open(service) && !service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
        return Some((
            format!("`{shown}`: `{}` is no service prefix (lower-case letters, digits and `-`)", crate::finding::shortened(service, 40)),
            is_placeholder(service),
            if service.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
                "INVALID_ARN_SERVICE_CASE"
            } else {
                "INVALID_SERVICE"
            },
        ));
    }
    if !open(region) && !region.is_empty() && !is_region(region) {
        return Some((
            format!("`{shown}`: `{}` is no region name (such as `us-east-1`)", crate::finding::shortened(region, 40)),
            is_placeholder(region),
            "INVALID_ARN_REGION",
        ));
    }
    let account_ok =
        open(account) || account.is_empty() || account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    if !account_ok {
        return Some((
            format!("`{shown}`: `{}` is no account id (12 digits)", crate::finding::shortened(account, 40)),
            is_placeholder(account),
            "INVALID_ARN_ACCOUNT",
        ));
    }
    if resource.is_empty() {
        return Some((format!("`{shown}` names no resource (the part after the account)"), false, "MISSING_ARN_FIELD"));
    }
    None
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `us-iso-east-1`, `il-central-1`.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn split_outside_placeholders(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn arns() {
        for ok in [
            "arn:aws:s3:::bucket/*",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Orders",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:Flow",
            "arn:aws:logs:*:*:log-group:/aws/lambda/*:*",
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:queue",
            "arn:aws:execute-api:eu-central-2:123456789012:api/*/GET/",
        ] {
            assert_eq!(problem(ok, true), None, "{ok}");
        }
        for bad in [
            "arn:aws:s3",
            "arn:amazon:s3:::bucket",
            "arn:aws:dynamodb:useast1:123456789012:table/T",
            "arn:aws:sqs:us-east-1:1234:queue",
            "arn:aws:sqs:us-east-1:123456789012:",
            "my-bucket",
        ] {
            assert!(problem(bad, true).is_some(), "{bad}");
        }
        assert_eq!(problem("execute-api:/prod/GET/pets", false), None, "resource policies take their own forms");
        assert!(problem("arn:aws:iam::account-id:role/R", true).unwrap().1, "a documentation placeholder");
        assert!(problem("arn:aws:sqs:REGION:123456789012:q", true).unwrap().1);
        assert!(!problem("arn:aws:sqs:us-east-1:1234567890:q", true).unwrap().1, "ten digits is a mistake");
    }
}
