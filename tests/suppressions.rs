//! Inline suppressions on the real binary: a comment on the finding's line or the line above,
//! a whole-file one, and the notes about suppressions that name no rule, match nothing or give
//! no reason; suppressed findings stay in JSON and SARIF, marked, and out of the exit code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;

const FLOW: &str = "# deploylint:ignore-file asl/task-timeout -- timeouts are set by the caller
StartAt: A
States:
  A:  # deploylint:ignore asl/task-retry -- idempotent, retried upstream
    Type: Task
    Resource: arn:aws:states:::lambda:invoke
    Next: B
  # deploylint:ignore asl/task-retry
  B:
    Type: Task
    Resource: arn:aws:states:::lambda:invoke
    Next: C
  C:  # deploylint:ignore asl/task-retrys, asl/transition -- typo
    Type: Task
    Resource: arn:aws:states:::lambda:invoke
    End: true
";

/// Checks `text` as the file `name` in a folder of its own, with `args`: (report, exit code).
fn check_text(name: &str, text: &str, args: &[&str]) -> (serde_json::Value, i32) {
    let tag: String = [name].iter().chain(args).flat_map(|a| a.chars()).filter(char::is_ascii_alphanumeric).collect();
    let dir = std::env::temp_dir().join(format!("deploylint-suppressions-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
    let out = Command::cargo_bin("deploylint").unwrap().current_dir(&dir).args(["check", name, "--isolated"]).args(args).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    (serde_json::from_slice(&out.stdout).unwrap(), out.status.code().unwrap_or(-1))
}

/// Rules about a state machine's logging, tracing and alarms: not what these tests are about.
const OBSERVABILITY: [&str; 4] = ["sfn/logging", "sfn/tracing", "sfn/failure-alarm", "sfn/log-group-prefix"];

fn run(args: &[&str]) -> (serde_json::Value, i32) {
    check_text("flow.asl.yaml", FLOW, args)
}

fn check_file(name: &str, text: &str) -> (serde_json::Value, i32) {
    check_text(name, text, &["--format", "json"])
}

#[test]
fn suppressed_findings_are_marked_and_do_not_fail_the_run() {
    let (report, code) = run(&["--format", "json"]);
    let rows = rows(&report);
    let expect = |line: u64, rule: &str, kind: Option<&str>| rows.contains(&(line, rule.to_string(), kind.map(str::to_string)));
    assert!(expect(4, "asl/task-retry", Some("inline")), "same line: {rows:?}");
    assert!(expect(9, "asl/task-retry", Some("inline")), "line above: {rows:?}");
    assert!(
        expect(4, "asl/task-timeout", Some("file"))
            && expect(9, "asl/task-timeout", Some("file"))
            && expect(13, "asl/task-timeout", Some("file"))
    );
    // The typo'd id suppresses nothing: C's missing retry is reported.
    assert!(expect(13, "asl/task-retry", None), "{rows:?}");
    assert!(expect(13, "deploylint/invalid-ignore", None) && expect(13, "deploylint/unused-ignore", None), "{rows:?}");
    assert!(expect(8, "deploylint/ignore-without-reason", None), "{rows:?}");
    assert_eq!(report["summary"]["suppressed"], 5);
    assert_eq!(code, 1, "C's unsuppressed warning still fails the run");
    let reason = report["findings"].as_array().unwrap().iter().find(|f| f["start"]["line"] == 4 && f["rule"] == "asl/task-retry").unwrap();
    assert_eq!(reason["suppressed"]["reason"], "idempotent, retried upstream");
}

#[test]
fn sarif_carries_suppressions_with_their_justification() {
    let (report, _) = run(&["--format", "sarif"]);
    let results = report["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&serde_json::Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 5);
    assert!(
        suppressed
            .iter()
            .any(|r| r["suppressions"][0] == serde_json::json!({"kind": "inSource", "justification": "timeouts are set by the caller"}))
    );
}

#[test]
fn a_suppression_of_a_rule_left_out_of_the_run_is_not_unused() {
    let (report, _) = run(&["--format", "json", "--ignore", "asl/transition,asl/task-timeout"]);
    let count = |rule: &str| report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).count();
    assert_eq!(count("deploylint/unused-ignore"), 0, "asl/transition and asl/task-timeout did not run");
    assert_eq!(count("deploylint/invalid-ignore"), 1);
}

/// The SARIF with suppressions passes Microsoft's SARIF Multitool (`.ci/run` sets
/// `SARIF_MULTITOOL`; elsewhere this test says so and passes).
#[test]
fn sarif_with_suppressions_passes_the_sarif_multitool() {
    let Some(tool) = std::env::var_os("SARIF_MULTITOOL") else {
        println!("note: SARIF_MULTITOOL not set; SARIF schema validation skipped (.ci/run sets it)");
        return;
    };
    let (report, _) = run(&["--format", "sarif", "--fail-on", "never"]);
    let dir = std::env::temp_dir().join(format!("deploylint-suppressions-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("report.sarif"), report.to_string()).unwrap();
    let status = std::process::Command::new(tool)
        .arg("validate")
        .arg(dir.join("report.sarif"))
        .arg("-o")
        .arg(dir.join("validation.sarif"))
        .status()
        .unwrap();
    assert!(status.success());
    let validation: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("validation.sarif")).unwrap()).unwrap();
    let results = validation["runs"][0]["results"].as_array().unwrap();
    assert!(results.is_empty(), "SARIF Multitool: {results:#?}");
    std::fs::remove_dir_all(&dir).ok();
}

const TEMPLATE: &str = r#"Resources:
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Metadata:
      deploylint:
        ignore:
          - asl/task-timeout
          - id: iam/wildcard-action
            reason: nothing to widen here
          - asl/no-such-rule
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      DefinitionString: !Sub | # deploylint:ignore asl/task-retry -- the caller retries
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}
  Role:
    Type: AWS::IAM::Role
    Metadata:
      deploylint:
        ignore:
          - id: iam/wildcard-action
            values: ["logs:*"]
            reason: log delivery needs logs:* on *
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: states.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: flow
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: ["logs:*", "s3:*"]
                Resource: "*"
              - Effect: Allow
                Action: ["sqs:*", "sns:*"] # deploylint:ignore iam/wildcard-action[sqs:*] -- the queue is ours
                Resource: "*"
"#;

/// (line, rule, suppression kind) of a JSON report's findings.
fn rows(report: &serde_json::Value) -> Vec<(u64, String, Option<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
                f["suppressed"]["kind"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn resource_metadata_block_scalars_and_values() {
    let (report, code) = check_file("template.yaml", TEMPLATE);
    let rows = rows(&report);
    let has = |line: u64, rule: &str, kind: Option<&str>| rows.contains(&(line, rule.to_string(), kind.map(str::to_string)));
    // In the block scalar: its header line's comment covers it; the resource's Metadata too.
    assert!(has(14, "asl/task-retry", Some("inline")), "{rows:?}");
    assert!(has(14, "asl/task-timeout", Some("metadata")), "{rows:?}");
    // Value-scoped: `[logs:*]` and `[sqs:*]` cover a statement only while it grants nothing
    // else; both statements grant a second wildcard, so both are reported, naming both.
    let mut wildcards: Vec<(u64, Option<String>)> =
        rows.iter().filter(|r| r.1 == "iam/wildcard-action").map(|r| (r.0, r.2.clone())).collect();
    wildcards.sort();
    assert_eq!(wildcards, [(34, None), (37, None)], "the widened statements are reported");
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "iam/wildcard-action" && f.get("suppressed").is_none())
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("`logs:*`, `s3:*`") && messages[1].contains("`sqs:*`, `sns:*`"), "{messages:?}");
    assert!(has(20, "deploylint/unused-ignore", None) && has(37, "deploylint/unused-ignore", None), "they cover nothing now: {rows:?}");
    // Notes about the suppressions themselves.
    assert!(has(10, "deploylint/invalid-ignore", None), "unknown rule in Metadata: {rows:?}");
    assert!(has(7, "deploylint/ignore-without-reason", None), "{rows:?}");
    assert!(has(8, "deploylint/unused-ignore", None), "Flow has no wildcard to accept: {rows:?}");
    assert_eq!(code, 1);
}

#[test]
fn metadata_suppresses_in_json_templates() {
    let template = serde_json::json!({
        "Resources": {
            "Flow": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Metadata": {"deploylint": {"ignore": [
                    {"id": "asl", "reason": "a legacy flow, replaced in Q3"}
                ]}},
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/flow",
                    "Definition": {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}
                }
            },
            "Other": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Metadata": {"deploylint": {"ignore": [{"id": "asl/task-retry", "values": "A"}], "ignroe": []}},
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/flow",
                    "Definition": {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}
                }
            }
        }
    });
    let (report, _) = check_file("template.json", &serde_json::to_string_pretty(&template).unwrap());
    let findings = report["findings"].as_array().unwrap();
    let flow: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| {
            f["route"].as_str().unwrap_or_default().starts_with("Resources.Flow.")
                && f["rule"] != "sfn/role-unverifiable"
                && !OBSERVABILITY.contains(&f["rule"].as_str().unwrap_or_default())
        })
        .collect();
    // task-retry, task-timeout, catch-fallback, execution-timeout: all of the `asl` family.
    assert_eq!(flow.len(), 4, "{findings:#?}");
    assert!(flow.iter().all(|f| f["suppressed"] == serde_json::json!({"kind": "metadata", "reason": "a legacy flow, replaced in Q3"})));
    let invalid: Vec<&str> =
        findings.iter().filter(|f| f["rule"] == "deploylint/invalid-ignore").map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(invalid.len(), 2, "`values` not a list, and the typo'd key: {invalid:?}");
    assert!(invalid.iter().any(|m| m.contains("`ignroe`")), "{invalid:?}");
    let other = findings.iter().filter(|f| {
        f["route"].as_str().unwrap_or_default().starts_with("Resources.Other.")
            && f["rule"].as_str().unwrap().starts_with("asl/")
            && f.get("suppressed").is_none()
    });
    assert_eq!(other.count(), 4, "a broken suppression suppresses nothing");
}

#[test]
fn a_comment_above_a_block_scalar_key_covers_the_scalar() {
    let template = r#"Resources:
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      # deploylint:ignore asl/task-timeout -- the caller sets a deadline
      DefinitionString: !Sub
        - |
          {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${Fn}", "End": true}}}
        - Fn: arn:aws:lambda:us-east-1:123456789012:function:x
  Flow2:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      # deploylint:ignore asl/task-timeout -- the caller sets a deadline
      DefinitionString:
        |
          {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "End": true}}}
"#;
    let (report, _) = check_file("block.yaml", template);
    // The task rules' findings; the others (a role of another file, the notes on fallbacks and
    // execution limits) are not what this test is about.
    let mut rows: Vec<_> = rows(&report).into_iter().filter(|(_, rule, _)| rule.starts_with("asl/task-")).collect();
    rows.sort();
    let row = |line: u64, rule: &str, kind: Option<&str>| (line, rule.to_string(), kind.map(str::to_string));
    assert_eq!(
        rows,
        [
            row(9, "asl/task-retry", None),
            row(9, "asl/task-timeout", Some("inline")),
            row(18, "asl/task-retry", None),
            row(18, "asl/task-timeout", Some("inline")),
        ]
    );
}

/// In a `.tf` file, `#` and `//` comments suppress; one above an attribute covers its whole
/// value (a heredoc, a `jsonencode({…})` over many lines).
#[test]
fn terraform_comments_suppress_and_cover_multi_line_values() {
    let text = r#"resource "aws_iam_policy" "heredoc" {
  # deploylint:ignore iam/wildcard-action -- legacy role, replaced in Q3
  policy = <<-EOT
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
  EOT
}

resource "aws_iam_policy" "encoded" {
  // deploylint:ignore iam/wildcard-action -- queue admin
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "sqs:*"
      Resource = "*"
    }]
  })
}

resource "aws_iam_policy" "reported" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sns:*", Resource = "*" }]
  })
}
"#;
    let (report, code) = check_file("main.tf", text);
    let rows = rows(&report);
    assert!(rows.contains(&(5, "iam/wildcard-action".to_string(), Some("inline".to_string()))), "{rows:?}");
    assert!(rows.contains(&(15, "iam/wildcard-action".to_string(), Some("inline".to_string()))), "{rows:?}");
    assert!(rows.contains(&(24, "iam/wildcard-action".to_string(), None)), "{rows:?}");
    assert_eq!(code, 1);
}
