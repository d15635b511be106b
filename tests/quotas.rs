//! The size quotas on generated documents too large to keep as fixtures: a definition over
//! 1,048,576 characters and a static payload near 256 KiB, embedded in a CloudFormation
//! `DefinitionString`, a SAM `Definition` and a Terraform plan, each reported at its place.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use assert_cmd::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-quotas-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// (rule, start offset) of each finding of `rules` in `file`.
fn findings(dir: &PathBuf, file: &str, rules: &str) -> Vec<(String, u64)> {
    let out = Command::cargo_bin("deploylint")
        .unwrap()
        .current_dir(dir)
        .args(["check", file, "--format", "json", "--select", rules])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["start"]["offset"].as_u64().unwrap()))
        .collect()
}

fn offset(text: &str, needle: &str) -> u64 {
    u64::try_from(text.find(needle).expect("the needle is in the text")).unwrap()
}

#[test]
fn a_definition_string_over_the_quota_is_reported_at_its_first_key() {
    let dir = temp_dir("definition-string");
    let big = "x".repeat(1_100_000);
    let definition = format!(r#"{{"StartAt": "Big", "States": {{"Big": {{"Type": "Pass", "Result": "{big}", "End": true}}}}}}"#);
    let template = serde_json::json!({
        "Resources": {"Flow": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "RoleArn": "arn:aws:iam::123456789012:role/flow",
            "DefinitionString": definition
        }}}
    });
    let text = serde_json::to_string_pretty(&template).unwrap();
    std::fs::write(dir.join("template.json"), &text).unwrap();
    let found = findings(&dir, "template.json", "asl/definition-size,asl/payload-limit");
    // The key `"StartAt"` inside the string, escaped quote and all.
    let at = offset(&text, r#"\"StartAt\""#);
    assert_eq!(found, [("asl/definition-size".to_string(), at), ("asl/payload-limit".to_string(), offset(&text, r#"\"Result\""#))]);
    // Just under the quota: nothing.
    let small = text.replace(&big, &"x".repeat(100));
    std::fs::write(dir.join("small.json"), small).unwrap();
    assert!(findings(&dir, "small.json", "asl/definition-size,asl/payload-limit").is_empty());
}

#[test]
fn a_sam_definition_object_is_counted_as_the_json_it_is_sent_as() {
    let dir = temp_dir("sam-object");
    // 1,040,000 characters of YAML text, more than 1,048,576 as JSON (each item gains quotes).
    let items: Vec<String> = (0..80_000).map(|i| format!("a{i:010}")).collect();
    let template = format!(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Definition:\n        StartAt: Big\n        States:\n          Big:\n            Type: Pass\n            Result: [{}]\n            End: true\n",
        items.join(", ")
    );
    std::fs::write(dir.join("template.yaml"), &template).unwrap();
    let found = findings(&dir, "template.yaml", "asl/definition-size");
    assert_eq!(found, [("asl/definition-size".to_string(), offset(&template, "StartAt"))]);
}

#[test]
fn a_static_payload_in_a_plan_is_reported_at_its_field() {
    let dir = temp_dir("plan-payload");
    let big = "y".repeat(230_000);
    let definition = format!(
        r#"{{"StartAt": "Send", "States": {{"Send": {{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {{"QueueUrl": "q", "MessageBody": "{big}"}}, "TimeoutSeconds": 5, "End": true}}}}}}"#
    );
    let plan = serde_json::json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_sfn_state_machine.send", "mode": "managed", "type": "aws_sfn_state_machine", "name": "send",
            "values": {"name": "send", "role_arn": "arn:aws:iam::123456789012:role/flow", "definition": definition}
        }]}}
    });
    let text = serde_json::to_string(&plan).unwrap();
    std::fs::write(dir.join("plan.json"), &text).unwrap();
    let found = findings(&dir, "plan.json", "asl/definition-size,asl/payload-limit");
    assert_eq!(found, [("asl/payload-limit".to_string(), offset(&text, r#"\"Parameters\""#))]);
}
