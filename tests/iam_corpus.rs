//! The IAM corpus (../shared/corpus/iam, in the development workspace; elsewhere these tests
//! print a note and pass): each parliament test policy gives the findings its `_expected.json`
//! states, mapped to deploylint's rules by the table in docs/iam-corpus.md (kept in step with
//! [`MAPPED`] and [`NOT_YET`]), and AWS's published examples give no grammar error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeSet;
use std::path::Path;

use clap::Parser;
use deploylint::cli::Cli;

const IAM: &str = "../shared/corpus/iam";

/// parliament's issue codes that deploylint reports, and by which rules.
const MAPPED: [(&str, &[&str]); 12] = [
    ("PRIVILEGE_ESCALATION", &["iam/privilege-escalation"]),
    ("INVALID_ARN", &["iam/arn"]),
    ("MALFORMED", &["iam/policy-element", "iam/statement-element"]),
    ("MALFORMED_JSON", &["parse/syntax"]),
    ("INVALID_SID", &["iam/sid"]),
    ("DUPLICATE_SID", &["iam/sid"]),
    ("UNKNOWN_ACTION", &["iam/unknown-action", "iam/unknown-service"]),
    ("UNKNOWN_OPERATOR", &["iam/condition"]),
    ("NOTRESOURCE_WITH_ALLOW", &["iam/notresource-allow"]),
    ("NOTPRINCIPAL_WITH_ALLOW", &["iam/notprincipal-allow"]),
    ("RESOURCE_STAR", &["iam/wildcard-resource-write", "iam/wildcard-action", "iam/passrole-wildcard"]),
    ("MISMATCHED_TYPE", &["iam/condition", "iam/condition-key"]),
];

/// Codes deploylint does not report yet (see the table in docs/iam-corpus.md), and files whose
/// expectation it meets otherwise (a document IAM rejects, reported as what IAM says).
const NOT_YET: [&str; 10] = [
    "MISMATCHED_TYPE_BUT_USABLE",
    "UNKNOWN_CONDITION_FOR_ACTION",
    "RESOURCE_MISMATCH",
    "PERMISSIONS_MANAGEMENT_ACTIONS",
    "RESOURCE_POLICY_PRIVILEGE_ESCALATION",
    "CREDENTIALS_EXPOSURE",
    "SENSITIVE_ACCESS",
    "BAD_PATTERN_FOR_MFA",
    "RESOURCE_EFFECTIVELY_STAR",
    "SINGLE_VALUE_CONDITION_TOO_PERMISSIVE",
];

/// (file, code, why deploylint reports otherwise or not yet).
const EXCEPTIONS: [(&str, &str, &str); 2] = [
    (
        "resources__resource_with_sub.json",
        "INVALID_ARN",
        "a CloudFormation Fn::Sub ARN (arn:aws:ssm:*:${AWS::AccountId}:*), valid once substituted; parliament reads the object as an ARN",
    ),
    (
        "advanced_policy_elements__notprincipal_allow__2.json",
        "NOTPRINCIPAL_WITH_ALLOW",
        "not JSON (a trailing comma, which IAM rejects): reported as parse/syntax",
    ),
];

fn rules_of(file: &Path) -> BTreeSet<String> {
    let cli = Cli::try_parse_from(["deploylint", "check", "--isolated", file.to_str().unwrap(), "--format", "json", "--fail-on", "never"])
        .unwrap();
    let outcome = deploylint::main_with(cli);
    let report: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

/// The rules with errors in a file (warnings left out: a documentation placeholder such as
/// `account-id` in an ARN is a warning).
fn errors_of(file: &Path) -> BTreeSet<String> {
    let cli = Cli::try_parse_from(["deploylint", "check", "--isolated", file.to_str().unwrap(), "--format", "json", "--fail-on", "never"])
        .unwrap();
    let outcome = deploylint::main_with(cli);
    let report: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn expectations(folder: &str) -> Option<Vec<serde_json::Value>> {
    let path = Path::new(IAM).join(folder).join("_expected.json");
    if !path.exists() {
        println!("note: {} not found; IAM corpus checks skipped", path.display());
        return None;
    }
    Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

#[test]
fn parliament_expectations_are_met() {
    let Some(expected) = expectations("parliament") else { return };
    let mut failures = Vec::new();
    let mut met = 0;
    for case in &expected {
        let file = case["file"].as_str().unwrap();
        let got = rules_of(&Path::new(IAM).join("parliament").join(file));
        for code in case["expected_finding_ids"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()) {
            if EXCEPTIONS.iter().any(|(f, c, _)| *f == file && *c == code) {
                continue;
            }
            match MAPPED.iter().find(|(c, _)| *c == code) {
                Some((_, rules)) if rules.iter().any(|r| got.contains(*r)) => met += 1,
                Some((_, rules)) => failures.push(format!("{file}: {code} expected, as one of {rules:?}; got {got:?}")),
                None => assert!(NOT_YET.contains(&code), "{file}: {code} is neither mapped nor listed as not yet"),
            }
        }
        // A policy parliament finds nothing in gets no error of ours either (a warning may say
        // what parliament does not look at: a bucket readable by everyone).
        if case["expected_finding_ids"].as_array().unwrap().is_empty() {
            let errors = errors_of(&Path::new(IAM).join("parliament").join(file));
            let errors: Vec<&String> = errors.iter().filter(|r| r.starts_with("iam/") || r.starts_with("parse/")).collect();
            if !errors.is_empty() {
                failures.push(format!("{file}: parliament finds nothing, deploylint {errors:?}"));
            }
        }
    }
    println!("{met} parliament expectations met");
    assert!(met >= 25, "only {met} met");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn aws_published_examples_have_no_grammar_errors() {
    let Some(expected) = expectations("aws-iam-user-guide") else { return };
    let grammar = ["iam/policy-element", "iam/statement-element", "iam/sid", "iam/condition", "iam/arn"];
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in expected.iter().filter(|c| c["expected"].as_str().unwrap().starts_with("AWS-published example")) {
        let file = case["file"].as_str().unwrap();
        checked += 1;
        let wrong: Vec<String> = errors_of(&Path::new(IAM).join("aws-iam-user-guide").join(file))
            .into_iter()
            .filter(|r| grammar.contains(&r.as_str()) || r.starts_with("parse/"))
            .collect();
        if !wrong.is_empty() {
            failures.push(format!("{file}: {wrong:?}"));
        }
    }
    assert!(checked >= 250, "only {checked} examples");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// iam-vulnerable's policies: each names the pathfinding.cloud paths it exercises.
#[test]
fn iam_vulnerable_paths_are_found() {
    let Some(expected) = expectations("iam-vulnerable") else { return };
    let paths: std::collections::BTreeMap<&str, &[&str]> =
        deploylint::data::privesc::paths().iter().map(|p| (p.id, p.required.as_slice())).collect();
    let mut failures = Vec::new();
    let mut found = 0;
    for case in expected.iter().filter(|c| c["kind"] == "identity") {
        let file = case["file"].as_str().unwrap();
        let ids: Vec<&str> = case["pathfinding_ids"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
        let report = findings_of(&Path::new(IAM).join("iam-vulnerable").join(file));
        let reported: Vec<String> = report
            .iter()
            .filter(|f| f["rule"] == "iam/privilege-escalation")
            .flat_map(|f| f["values"].as_array().cloned().unwrap_or_default())
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let wildcard_error = report.iter().any(|f| f["rule"] == "iam/wildcard-action" && f["severity"] == "error");
        let false_positive_case = file.starts_with("fp") || file.contains("deny");
        if false_positive_case {
            if !reported.is_empty() {
                failures.push(format!("{file}: a false-positive case, reported {reported:?}"));
            }
            continue;
        }
        if ids.is_empty() {
            continue;
        }
        // The path itself, or one that needs only some of its actions.
        let covers = |id: &String| {
            ids.iter().any(|e| paths[e].iter().copied().collect::<BTreeSet<_>>().is_superset(&paths[id.as_str()].iter().copied().collect()))
        };
        if reported.iter().any(covers) || (reported.is_empty() && wildcard_error) {
            found += 1;
        } else {
            failures.push(format!("{file}: expected {ids:?}, reported {reported:?}"));
        }
    }
    println!("{found} iam-vulnerable paths found");
    assert!(found >= 28, "only {found} found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn findings_of(file: &Path) -> Vec<serde_json::Value> {
    let cli = Cli::try_parse_from(["deploylint", "check", "--isolated", file.to_str().unwrap(), "--format", "json", "--fail-on", "never"])
        .unwrap();
    let outcome = deploylint::main_with(cli);
    let report: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    report["findings"].as_array().unwrap().clone()
}

/// Access Analyzer's CheckNoPublicAccess over terraform-iam-policy-validator's plan: every
/// policy it finds public is an `iam/public-principal` finding, and nothing else is, but for a
/// Lambda permission (`principal = "*"` with no source condition), which that check does not
/// read as a resource policy and which anyone may indeed invoke.
#[test]
fn access_analyzer_public_access_findings_are_met() {
    let folder = Path::new(IAM).join("terraform-iam-policy-validator/public_access");
    let Ok(text) = std::fs::read_to_string(folder.join("public_access_findings.json")) else {
        println!("note: {} not found; skipped", folder.display());
        return;
    };
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let expected: BTreeSet<String> = ["BlockingFindings", "NonBlockingFindings"]
        .iter()
        .flat_map(|k| expected[*k].as_array().cloned().unwrap_or_default())
        .filter(|f| f["code"] == "policy-analysis-CheckNoPublicAccess")
        .map(|f| f["policyName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(expected.len(), 12);
    let ours: BTreeSet<String> = findings_of(&folder.join("test_plan.json"))
        .iter()
        .filter(|f| f["rule"] == "iam/public-principal")
        .map(|f| {
            // `aws_sns_topic_policy.default.policy → Statement…` → `aws_sns_topic_policy.default`
            let document = f["route"].as_str().unwrap().split(" → ").next().unwrap();
            document.split('.').take(2).collect::<Vec<_>>().join(".")
        })
        .collect();
    let missed: Vec<&String> = expected.difference(&ours).collect();
    let more: Vec<&String> = ours.difference(&expected).filter(|a| !a.starts_with("aws_lambda_permission.")).collect();
    assert!(missed.is_empty() && more.is_empty(), "missed {missed:?}, reported beyond Access Analyzer {more:?}");
}

/// cloudsplaining's privilege-escalation expectations: where it lists paths, deploylint
/// reports one whose actions are among theirs; where it lists none, none. Its
/// `flag_risky_actions_with_resource_constraints` case (a path on one named role) is the
/// exception: deploylint counts only actions on more than one specific resource.
#[test]
fn cloudsplaining_privilege_escalation_expectations_are_met() {
    let Some(expected) = expectations("cloudsplaining") else { return };
    let mut checked = 0;
    for case in &expected {
        let file = case["file"].as_str().unwrap();
        let listed = case["expected_values"]["expected_result"]
            .as_array()
            .or_else(|| case["expected_values"]["expected_results"]["PrivilegeEscalation"].as_array())
            .or_else(|| {
                case["asserts"][0]["value"]
                    .as_array()
                    .filter(|_| case["asserts"][0]["subject"].as_str().is_some_and(|s| s.ends_with("allows_privilege_escalation")))
            });
        let Some(listed) = listed else { continue };
        if file.contains("resource_constraints") || file.contains("gh_254") {
            continue;
        }
        let theirs: BTreeSet<String> = listed
            .iter()
            .flat_map(|p| p["actions"].as_array().cloned().unwrap_or_default())
            .map(|a| a.as_str().unwrap().to_ascii_lowercase())
            .collect();
        let ours: Vec<String> = findings_of(&Path::new(IAM).join("cloudsplaining").join(file))
            .iter()
            .filter(|f| f["rule"] == "iam/privilege-escalation")
            .flat_map(|f| f["values"].as_array().cloned().unwrap_or_default())
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let paths = deploylint::data::privesc::paths();
        let within = |id: &String| {
            paths.iter().find(|p| p.id == id).is_some_and(|p| p.required.iter().all(|a| theirs.contains(&a.to_ascii_lowercase())))
        };
        if theirs.is_empty() {
            assert!(ours.is_empty(), "{file}: cloudsplaining finds no path, deploylint {ours:?}");
        } else {
            assert!(ours.iter().any(within), "{file}: cloudsplaining's {theirs:?}, deploylint {ours:?}");
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} cases");
}

/// trivy-checks' policy cases: a "bad" file gets the rule that says the same, a "good" one
/// not (other findings of a good file are about what trivy's check does not look at: an
/// action that does not exist, a resource that is no ARN).
#[test]
fn trivy_policy_checks_are_met() {
    let Some(expected) = expectations("trivy-checks") else { return };
    let rule_for = |check: &str| match check {
        "aws-ecr-no-public-access" => "iam/public-principal",
        _ => "iam/wildcard-action",
    };
    for case in &expected {
        let file = case["file"].as_str().unwrap();
        // Not a template CloudFormation reads: `PolicyDocument` is empty and `Statement` sits
        // at the top of the file.
        if file == "iam__no_policy_wildcards__bad1.yaml" {
            continue;
        }
        let rule = rule_for(case["long_id"].as_str().unwrap());
        let found = findings_of(&Path::new(IAM).join("trivy-checks").join(file)).iter().any(|f| f["rule"] == rule);
        assert_eq!(found, case["expected"] == "finding", "{file}: {rule}");
    }
}
