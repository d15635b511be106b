//! The real binary: exit codes, selection, every output format, the rules and explain commands.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn deploylint() -> Command {
    let mut cmd = Command::cargo_bin("deploylint").expect("binary builds");
    cmd.env_remove("NO_COLOR");
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const WIDE_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
const GOOD_FLOW: &str = r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
  "TimeoutSeconds": 5, "Retry": [{"ErrorEquals": ["States.TaskFailed"]}], "End": true}}}"#;
const BARE_FLOW: &str = r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}"#;

fn stdout_of(cmd: &mut Command) -> (String, i32) {
    let out = cmd.output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap_or(-1))
}

#[test]
fn exit_codes_follow_findings_and_threshold() {
    let dir = temp_dir("exit");
    std::fs::write(dir.join("good.asl.json"), GOOD_FLOW).unwrap();
    std::fs::write(dir.join("bare.asl.json"), BARE_FLOW).unwrap();
    deploylint().arg("check").arg(dir.join("good.asl.json")).assert().code(0);
    deploylint().arg("check").arg(dir.join("bare.asl.json")).assert().code(1);
    // Warnings do not fail with --fail-on error; nothing fails with never.
    deploylint().args(["check", "--fail-on", "error"]).arg(dir.join("bare.asl.json")).assert().code(0);
    deploylint().args(["check", "--fail-on", "never"]).arg(&dir).assert().code(0);
    // A bare path means `check`.
    deploylint().arg(dir.join("bare.asl.json")).assert().code(1);
    // And no argument at all means `check .`.
    deploylint().current_dir(&dir).assert().code(1);
}

#[test]
fn usage_errors_exit_2() {
    deploylint().args(["check", "--format", "xml", "."]).assert().code(2);
    deploylint().args(["check", "--select", "nope/nothing", "."]).assert().code(2);
    deploylint().args(["explain", "nope/nothing"]).assert().code(2);
    deploylint().args(["check", "/definitely/not/here"]).assert().code(2);
    let rules = temp_dir("badrules");
    std::fs::write(rules.join("r.yaml"), "id: x/y\ntitle: t\nseverity: loud\n").unwrap();
    let out = deploylint().args(["check", "--rules"]).arg(&rules).arg(".").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("r.yaml"), "the error names the rule file");
}

#[test]
fn select_and_ignore_pick_rules_and_families() {
    let dir = temp_dir("select");
    std::fs::write(dir.join("bare.asl.json"), BARE_FLOW).unwrap();
    std::fs::write(dir.join("policy.json"), WIDE_POLICY).unwrap();
    let rules_in = |args: &[&str]| {
        let (out, _) = stdout_of(deploylint().arg("check").arg(&dir).args(["--format", "json"]).args(args));
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut rules: Vec<String> =
            report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
        rules.sort();
        rules
    };
    assert_eq!(rules_in(&[]), ["asl/catch-fallback", "asl/execution-timeout", "asl/task-retry", "asl/task-timeout", "iam/wildcard-action"]);
    assert_eq!(rules_in(&["--select", "iam"]), ["iam/wildcard-action"]);
    assert_eq!(rules_in(&["--select", "asl/task-retry,iam/wildcard-action"]), ["asl/task-retry", "iam/wildcard-action"]);
    assert_eq!(rules_in(&["--ignore", "asl/"]), ["iam/wildcard-action"]);
}

#[test]
fn parse_errors_show_whatever_is_selected() {
    let dir = temp_dir("select-parse");
    std::fs::write(dir.join("broken.asl.json"), "{\"StartAt\": \"A\", \"States\": {").unwrap();
    let (out, code) = stdout_of(deploylint().arg("check").arg(&dir).args(["--select", "iam", "--format", "github"]));
    assert_eq!(code, 1);
    assert!(out.contains("parse/syntax"), "{out}");
    let (_, code) = stdout_of(deploylint().arg("check").arg(&dir).args(["--select", "iam", "--ignore", "parse/syntax"]));
    assert_eq!(code, 0);
}

#[test]
fn a_missing_path_fails_even_beside_good_ones() {
    let dir = temp_dir("missing");
    std::fs::write(dir.join("good.asl.json"), GOOD_FLOW).unwrap();
    let out = deploylint().arg("check").arg(&dir).arg(dir.join("typo.json")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("typo.json"));
}

#[test]
fn standard_input_can_be_named() {
    let (out, code) = stdout_of(deploylint().args(["check", "/dev/stdin", "--format", "github"]).write_stdin(WIDE_POLICY));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("iam/wildcard-action"));
}

#[test]
fn one_bad_file_does_not_hide_the_others() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("broken.asl.json"), "{\"StartAt\": \"A\", \"States\": {").unwrap();
    std::fs::write(dir.join("binary.json"), b"\x00\x01\x02").unwrap();
    std::fs::write(dir.join("policy.json"), WIDE_POLICY).unwrap();
    let (out, code) = stdout_of(deploylint().arg("check").arg(&dir).args(["--format", "json"]));
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"parse/syntax") && rules.contains(&"parse/encoding") && rules.contains(&"iam/wildcard-action"), "{rules:?}");
}

fn example_report(format: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (out, code) = stdout_of(deploylint().current_dir(root).args(["check", "examples", "--format", format]));
    assert_eq!(code, 1, "examples have findings");
    out
}

#[test]
fn json_report_is_versioned_and_complete() {
    let report: serde_json::Value = serde_json::from_str(&example_report("json")).unwrap();
    assert_eq!(report["version"], 1);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        for key in ["rule", "severity", "message", "file", "start", "end", "docs", "fingerprint"] {
            assert!(!f[key].is_null(), "{key} missing in {f}");
        }
        assert!(f["start"]["line"].as_u64().unwrap() >= 1 && f["start"]["column"].as_u64().unwrap() >= 1);
        assert!(!f["file"].as_str().unwrap().starts_with('/'), "paths are relative to the working directory");
    }
    assert_eq!(report["summary"]["findings"].as_u64().unwrap() as usize, findings.len());
    let mut fingerprints: Vec<&str> = findings.iter().map(|f| f["fingerprint"].as_str().unwrap()).collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), findings.len(), "fingerprints are distinct");
}

#[test]
fn sarif_report_has_rules_results_and_fingerprints() {
    let sarif: serde_json::Value = serde_json::from_str(&example_report("sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "asl/task-retry" && r["helpUri"].as_str().unwrap().starts_with("https://")));
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"].as_str().unwrap().starts_with("examples/"));
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(result["partialFingerprints"].as_object().unwrap().values().all(|v| v.as_str().is_some_and(|s| s.len() == 16)));
    }
}

/// Microsoft's SARIF Multitool validates against the SARIF 2.1.0 schema and its own rules.
/// `.ci/run` installs it and sets `SARIF_MULTITOOL`; elsewhere this test says so and passes.
#[test]
fn sarif_report_passes_the_sarif_multitool() {
    let Some(tool) = std::env::var_os("SARIF_MULTITOOL") else {
        println!("note: SARIF_MULTITOOL not set; SARIF schema validation skipped (.ci/run sets it)");
        return;
    };
    let dir = temp_dir("sarif-validate");
    let input = dir.join("report.sarif");
    let output = dir.join("validation.sarif");
    std::fs::write(&input, example_report("sarif")).unwrap();
    let status = std::process::Command::new(tool).arg("validate").arg(&input).arg("-o").arg(&output).status().unwrap();
    assert!(status.success());
    let validation: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let results = validation["runs"][0]["results"].as_array().unwrap();
    assert!(results.is_empty(), "SARIF Multitool: {results:#?}");
}

#[test]
fn sarif_fingerprints_survive_line_shifts() {
    let dir = temp_dir("fingerprint");
    let file = dir.join("policy.json");
    let fingerprints = || {
        let (out, _) = stdout_of(deploylint().current_dir(&dir).args(["check", "policy.json", "--format", "sarif"]));
        let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
        sarif["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["partialFingerprints"].to_string()).collect::<Vec<_>>()
    };
    std::fs::write(&file, WIDE_POLICY).unwrap();
    let before = fingerprints();
    std::fs::write(&file, format!("\n\n\n{WIDE_POLICY}")).unwrap();
    assert_eq!(before, fingerprints());
    assert_eq!(before.len(), 1);
}

#[test]
fn github_annotations_are_escaped_workflow_commands() {
    let out = example_report("github");
    for line in out.lines() {
        assert!(line.starts_with("::error file=") || line.starts_with("::warning file=") || line.starts_with("::notice file="), "{line}");
        assert!(
            line.contains(",line=")
                && line.contains(",col=")
                && line.contains(",endLine=")
                && line.contains(",endColumn=")
                && line.contains(",title=")
        );
        let (properties, _) = line[2..].split_once("::").unwrap();
        let title = properties.split(",title=").nth(1).unwrap();
        assert!(!title.contains(':') && !title.contains(','), "title is escaped: {title}");
    }
}

#[test]
fn junit_has_a_case_per_rule_per_file() {
    let out = example_report("junit");
    assert!(out.starts_with("<?xml"));
    assert!(out.contains("<testcase classname=\"examples/policies/deploy-role-policy.json\" name=\"iam/wildcard-action\">"));
    assert!(out.contains("<testcase classname=\"examples/policies/deploy-role-policy.json\" name=\"asl/task-retry\"/>"));
    assert!(out.contains("<failure"));
}

/// A note is no failure: a case with only notes passes and says them in its output.
#[test]
fn junit_notes_do_not_fail_a_case() {
    let dir = temp_dir("junit-notes");
    let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;
    std::fs::write(dir.join("trust.json"), trust).unwrap();
    let (out, code) = stdout_of(deploylint().arg("check").arg(dir.join("trust.json")).args(["--format", "junit"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("name=\"iam/trust-policy-condition\">\n      <system-out>"), "{out}");
    assert!(out.contains("failures=\"0\"") && !out.contains("<failure"), "{out}");
}

#[test]
fn human_report_shows_snippet_rule_help_and_summary() {
    let out = example_report("human");
    assert!(out.contains("asl/task-retry"));
    assert!(out.contains("examples/sam-order-flow/template.yaml:17:23"), "{out}");
    assert!(out.contains("help:") && out.contains("docs: https://"));
    assert!(out.lines().last().unwrap().starts_with("Found "));
    assert!(!out.contains('\u{1b}'), "no colours when not on a terminal");
}

#[test]
fn human_report_windows_long_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (out, _) = stdout_of(deploylint().current_dir(root).args(["check", "examples/terraform/plan.json"]));
    let (report, _) = stdout_of(deploylint().current_dir(root).args(["check", "examples/terraform/plan.json", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let first = &report["findings"][0]["start"];
    // The snippet header gives the real position; the one-line plan is cut to a window.
    assert!(out.contains(&format!("examples/terraform/plan.json:{}:{}]", first["line"], first["column"])), "{out}");
    assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
    assert!(out.contains('…'));
}

#[test]
fn output_file_receives_the_report() {
    let dir = temp_dir("output");
    std::fs::write(dir.join("policy.json"), WIDE_POLICY).unwrap();
    let target = dir.join("report.sarif");
    let (stdout, code) =
        stdout_of(deploylint().arg("check").arg(dir.join("policy.json")).args(["--format", "sarif", "--output"]).arg(&target));
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(target).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn rules_and_explain_read_the_rule_files() {
    let (list, code) = stdout_of(deploylint().arg("rules"));
    assert_eq!(code, 0);
    for id in ["asl/task-retry", "asl/task-timeout", "iam/wildcard-action", "parse/syntax", "tf/unknown-at-plan"] {
        assert!(list.contains(id), "{id} listed");
    }
    let (doc, code) = stdout_of(deploylint().args(["explain", "asl/task-timeout"]));
    assert_eq!(code, 0);
    for section in ["# asl/task-timeout", "## Why is this bad?", "## How to fix", "## Flagged", "## Not flagged", "waitForTaskToken"] {
        assert!(doc.contains(section), "{section} in explain output");
    }
}

#[test]
fn explicit_unrecognised_file_is_mentioned_not_silent() {
    let dir = temp_dir("unrecognised");
    std::fs::write(dir.join("package.json"), r#"{"name": "x"}"#).unwrap();
    let out = deploylint().arg("check").arg(dir.join("package.json")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing checked"));
    // In a directory walk it is skipped silently.
    let out = deploylint().arg("check").arg(&dir).output().unwrap();
    assert!(out.stderr.is_empty());
}

#[test]
fn user_rules_directory_adds_rules() {
    let rules = temp_dir("userrules");
    std::fs::write(
        rules.join("no-pass.yaml"),
        r#"id: team/no-pass-state
title: Pass state in a production workflow
severity: warning
target: asl.state
when: {path: $.Type, equals: Pass}
require:
  - label: not a Pass state
    holds: {path: $.Type, one_of: [Task]}
message: "State `{name}` is a Pass state"
docs: {summary: s, why: w, fix: f}
"#,
    )
    .unwrap();
    let dir = temp_dir("userrules-input");
    std::fs::write(dir.join("f.asl.json"), r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#).unwrap();
    let (out, code) = stdout_of(deploylint().arg("check").arg(&dir).arg("--rules").arg(&rules).args(["--format", "github"]));
    assert_eq!(code, 1);
    assert!(out.contains("team/no-pass-state") && out.contains("State `P` is a Pass state"), "{out}");
}

#[test]
fn human_report_hides_notes_unless_asked_and_can_be_quiet_or_statistics() {
    let dir = temp_dir("human-options");
    // A suppression without a reason is a note; the untimed task a warning.
    let flow = "TimeoutSeconds: 60\nStartAt: A\nStates:\n  A:  # deploylint:ignore asl/task-retry\n    Type: Task\n    Resource: arn:aws:states:::lambda:invoke\n    Catch: [{ErrorEquals: [States.ALL], Next: B}]\n    End: true\n  B: {Type: Fail}\n";
    std::fs::write(dir.join("flow.asl.yaml"), flow).unwrap();
    let run = |args: &[&str]| stdout_of(deploylint().current_dir(&dir).args(["check", "flow.asl.yaml", "--isolated"]).args(args));
    let (text, code) = run(&[]);
    assert_eq!(code, 1);
    assert!(text.contains("asl/task-timeout") && !text.contains("deploylint/ignore-without-reason"), "{text}");
    assert!(text.contains("(0 errors, 1 warning, 1 note)") && text.contains("1 note not shown (--show-notes); 1 suppressed"), "{text}");
    let (text, _) = run(&["--show-notes"]);
    assert!(text.contains("deploylint/ignore-without-reason") && !text.contains("not shown"), "{text}");
    let (text, _) = run(&["--select", "deploylint/ignore-without-reason"]);
    assert!(text.contains("deploylint/ignore-without-reason"), "a note selected by id is shown: {text}");
    let (text, code) = run(&["--quiet"]);
    assert_eq!(code, 1);
    assert!(text.contains("asl/task-timeout") && !text.contains("Checked") && !text.contains("Found"), "{text}");
    let (text, _) = run(&["--statistics"]);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("1  asl/task-timeout") && first.contains("warning"), "{text}");
    assert!(!text.contains("╭─"), "no snippets with --statistics: {text}");
    // JSON carries every note.
    let (json, _) = run(&["--format", "json"]);
    assert!(json.contains("deploylint/ignore-without-reason"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn wildcard_actions_are_one_finding_per_statement_with_a_severity_by_resource() {
    let dir = temp_dir("wildcards");
    let services: Vec<String> = (0..35).map(|i| format!("\"svc{i}:*\"")).collect();
    let policy = format!(
        r#"{{"Version": "2012-10-17", "Statement": [
  {{"Sid": "Many", "Effect": "Allow", "Action": [{}], "Resource": "*"}},
  {{"Sid": "Named", "Effect": "Allow", "Action": ["sqs:*"], "Resource": ["arn:aws:sqs:us-east-1:123456789012:orders", {{"Fn::GetAtt": ["Queue", "Arn"]}}]}},
  {{"Sid": "Star", "Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::orders/*"}},
  {{"Sid": "Every", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::*"}}
]}}"#,
        services.join(", ")
    );
    std::fs::write(dir.join("policy.json"), policy).unwrap();
    let (json, _) = stdout_of(deploylint().current_dir(&dir).args([
        "check",
        "policy.json",
        "--isolated",
        "--format",
        "json",
        "--select",
        "iam/wildcard-action",
    ]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let by_route = |route: &str| findings.iter().find(|f| f["route"] == route).unwrap_or_else(|| panic!("{route}: {findings:#?}"));
    assert_eq!(findings.len(), 4, "one per statement");
    let many = by_route("Statement[Sid=Many].Action");
    assert_eq!(many["related"].as_array().unwrap().len(), 34);
    assert!(many["message"].as_str().unwrap().contains("and 27 more"), "{}", many["message"]);
    assert_eq!(many["severity"], "error", "on *");
    assert_eq!(by_route("Statement[Sid=Named].Action")["severity"], "warning", "specific ARNs only");
    assert_eq!(by_route("Statement[Sid=Star].Action")["severity"], "error", "`*` is an error on any resource");
    assert_eq!(by_route("Statement[Sid=Every].Action")["severity"], "error", "arn:aws:s3:::* is not specific");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn passrole_on_every_role_is_a_warning_only_when_limited_to_a_service() {
    let dir = temp_dir("passrole");
    let policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Any", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
  {"Sid": "SageMaker", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
   "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}
]}"#;
    std::fs::write(dir.join("policy.json"), policy).unwrap();
    let (json, _) = stdout_of(deploylint().current_dir(&dir).args([
        "check",
        "policy.json",
        "--isolated",
        "--format",
        "json",
        "--select",
        "iam/passrole-wildcard",
    ]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let severities: Vec<(&str, &str)> =
        report["findings"].as_array().unwrap().iter().map(|f| (f["route"].as_str().unwrap(), f["severity"].as_str().unwrap())).collect();
    assert_eq!(severities, [("Statement[Sid=Any].Action", "error"), ("Statement[Sid=SageMaker].Action", "warning")]);
    std::fs::remove_dir_all(&dir).ok();
}

/// IAM findings name the IAM Access Analyzer check they match, in JSON and in SARIF.
#[test]
fn iam_findings_carry_the_access_analyzer_issue_code() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"},
  {"Sid": "A", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#;
    let dir = temp_dir("access-analyzer");
    std::fs::write(dir.join("policy.json"), policy).unwrap();
    let (out, _) = stdout_of(deploylint().arg("check").arg(dir.join("policy.json")).args(["--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<(&str, &str)> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| Some((f["rule"].as_str()?, f["access_analyzer"].as_str()?))).collect();
    for expected in [
        ("iam/unknown-action", "INVALID_ACTION"),
        ("iam/passrole-wildcard", "PASS_ROLE_WITH_STAR_IN_RESOURCE"),
        ("iam/sid", "UNIQUE_SIDS_REQUIRED"),
    ] {
        assert!(codes.contains(&expected), "{expected:?} not in {codes:?}");
    }
    let (out, _) = stdout_of(deploylint().arg("check").arg(dir.join("policy.json")).args(["--format", "sarif"]));
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["properties"]["accessAnalyzerIssueCode"].as_str())
        .collect();
    assert!(codes.contains(&"INVALID_ACTION") && codes.contains(&"PASS_ROLE_WITH_STAR_IN_RESOURCE"), "{codes:?}");
}

/// SARIF paths are relative to the repository root, wherever the check runs from inside it, as
/// code scanning resolves them; a file outside the repository is an absolute `file:` URI.
#[test]
fn sarif_uris_are_relative_to_the_repository_root() {
    let repo = temp_dir("sarif-root");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("infra/policies")).unwrap();
    std::fs::write(repo.join("infra/policies/wide.json"), WIDE_POLICY).unwrap();
    let outside = temp_dir("sarif-outside");
    std::fs::write(outside.join("other.json"), WIDE_POLICY).unwrap();
    let (out, _) = stdout_of(
        deploylint()
            .current_dir(repo.join("infra"))
            .args(["check", "policies/wide.json"])
            .arg(outside.join("other.json"))
            .args(["--format", "sarif"]),
    );
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let run = &sarif["runs"][0];
    let locations: Vec<&serde_json::Value> =
        run["results"].as_array().unwrap().iter().map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"]).collect();
    assert!(locations.iter().any(|l| l["uri"] == "infra/policies/wide.json" && l["uriBaseId"] == "%SRCROOT%"), "{locations:?}");
    assert!(
        locations.iter().any(|l| l["uri"].as_str().unwrap().starts_with("file:///")
            && l["uri"].as_str().unwrap().ends_with("other.json")
            && l["uriBaseId"].is_null()),
        "{locations:?}"
    );
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap();
    assert!(root.starts_with("file:///") && root.contains("sarif-root") && root.ends_with('/'), "{root}");
    assert_eq!(run["automationDetails"]["id"], "deploylint/");
    // Security rules are security alerts, with a severity code scanning reads.
    let rule = run["tool"]["driver"]["rules"].as_array().unwrap().iter().find(|r| r["id"] == "iam/wildcard-action").unwrap();
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert!(rule["properties"]["tags"].as_array().unwrap().iter().any(|t| t == "security"));
}

/// A run that recognises no file says what it saw and why it read none of it, and passes.
#[test]
fn a_run_that_checks_nothing_says_why() {
    let dir = temp_dir("nothing");
    std::fs::write(dir.join("terraform.tfvars"), "region = \"eu-west-1\"\n").unwrap();
    std::fs::write(dir.join("user_data.tftpl"), "#!/bin/sh\necho ${name}\n").unwrap();
    // A part of a service, without `service` and `provider`.
    std::fs::write(dir.join("serverless.yml"), "functions:\n  api:\n    handler: api.handler\n").unwrap();
    std::fs::write(dir.join("package.json"), "{\"name\": \"app\"}\n").unwrap();
    std::fs::write(dir.join("README.txt"), "hello\n").unwrap();
    let (out, code) = stdout_of(deploylint().arg("check").arg(&dir));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Nothing checked"), "{out}");
    assert!(out.contains("1 Terraform file") && out.contains("terraform.tfvars") && out.contains("terraform show -json"), "{out}");
    assert!(out.contains("1 Serverless Framework file") && out.contains("serverless.yml"), "{out}");
    assert!(out.contains("1 template (") && out.contains("user_data.tftpl"), "{out}");
    assert!(out.contains("1 other JSON/YAML file") && out.contains("package.json"), "{out}");
    assert!(out.contains("1 file of other types"), "{out}");
    assert!(!out.contains("No problems found"), "no silent zero: {out}");
}

/// A binary plan and the output of setup-terraform's wrapper get a hint of their own.
#[test]
fn misfiled_plans_get_a_hint() {
    let dir = temp_dir("plans");
    std::fs::write(dir.join("plan.json"), b"PK\x03\x04\x14\x00\x00\x00\x08\x00binary").unwrap();
    std::fs::write(
        dir.join("wrapped.json"),
        "[command]/home/runner/work/_temp/terraform-bin show -json plan.out\n{\"format_version\": \"1.2\", \"planned_values\": {}}\n",
    )
    .unwrap();
    let (out, code) = stdout_of(deploylint().arg("check").arg(&dir).args(["--format", "json"]));
    assert_eq!(code, 1, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let help = |file: &str| {
        report["findings"].as_array().unwrap().iter().find(|f| f["file"].as_str().unwrap().ends_with(file)).map(|f| f["help"].to_string())
    };
    assert!(help("plan.json").is_some_and(|h| h.contains("terraform show -json plan.out")), "{out}");
    assert!(help("wrapped.json").is_some_and(|h| h.contains("terraform_wrapper: false")), "{out}");
}

/// CDK: `cdk.out` is usually git-ignored, so a walk of the project skips it, and naming it
/// walks it anyway (`cdk synth && deploylint check cdk.out`); the assembly's manifest and tree
/// are not reported.
#[test]
fn a_cdk_assembly_is_checked_when_named() {
    let dir = temp_dir("cdk");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("cdk.out")).unwrap();
    std::fs::write(dir.join(".gitignore"), "cdk.out\n").unwrap();
    let template =
        format!(r#"{{"Resources": {{"P": {{"Type": "AWS::IAM::ManagedPolicy", "Properties": {{"PolicyDocument": {WIDE_POLICY}}}}}}}}}"#);
    std::fs::write(dir.join("cdk.out/AppStack.template.json"), template).unwrap();
    std::fs::write(dir.join("cdk.out/manifest.json"), r#"{"version": "36.0.0", "artifacts": {}}"#).unwrap();
    std::fs::write(dir.join("cdk.out/tree.json"), r#"{"version": "tree-0.1", "tree": {"id": "App"}}"#).unwrap();
    let (out, code) = stdout_of(deploylint().current_dir(&dir).args(["check", ".", "--format", "json"]));
    assert_eq!(code, 0, "the ignored assembly is not walked: {out}");
    let (out, code) = stdout_of(deploylint().current_dir(&dir).args(["check", "cdk.out", "--format", "json"]));
    assert_eq!(code, 1, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert!(!files.is_empty() && files.iter().all(|f| f.ends_with("AppStack.template.json")), "{files:?}");
}

/// A Terraform folder checked from inside it (`deploylint check .`, or no path at all) reads its
/// module as from outside: variable defaults and policy documents resolve; a comment in the
/// variables file suppresses the finding its value makes, without a stale-comment note; a module
/// argument named `definition` that does not parse is reported.
#[test]
fn terraform_is_read_alike_from_inside_its_folder() {
    let dir = temp_dir("tf-inside");
    std::fs::write(
        dir.join("variables.tf"),
        "variable \"queue_policy\" {\n  type = string\n  // deploylint:ignore iam/statement-element -- the principal comes from the bucket\n  default = <<-JSON\n    {\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sqs:*\", \"Resource\": \"*\"}]}\n  JSON\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "provider \"aws\" {}\n\nresource \"aws_sqs_queue_policy\" \"q\" {\n  queue_url = \"x\"\n  policy    = var.queue_policy\n}\n\nresource \"aws_iam_role\" \"r\" {\n  assume_role_policy = data.aws_iam_policy_document.trust.json\n}\n\ndata \"aws_iam_policy_document\" \"trust\" {\n  statement {\n    actions = [\"sts:AssumeRole\"]\n    principals {\n      type        = \"Service\"\n      identifiers = [\"states.amazonaws.com\"]\n    }\n  }\n}\n\nmodule \"flow\" {\n  source     = \"./flow\"\n  definition = <<-EOT\n    {\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true},}}\n  EOT\n}\n",
    )
    .unwrap();
    let rows = |args: &[&str]| -> Vec<(String, String, u64, bool)> {
        let (out, _) = stdout_of(deploylint().current_dir(&dir).args(args).args(["--format", "json"]));
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut rows: Vec<_> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["file"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                    f["suppressed"].is_object(),
                )
            })
            .collect();
        rows.sort();
        rows
    };
    let inside = rows(&["check", "."]);
    assert_eq!(rows(&["check"]), inside);
    let expected = [
        ("iam/statement-element", "variables.tf", 5, true),
        ("iam/trust-policy-condition", "main.tf", 16, false),
        ("iam/wildcard-action", "variables.tf", 5, false),
        ("parse/syntax", "main.tf", 25, false),
    ];
    let expected: Vec<(String, String, u64, bool)> =
        expected.iter().map(|(r, f, l, s)| ((*r).to_string(), (*f).to_string(), *l, *s)).collect();
    assert_eq!(inside, expected);
    // From outside, the same findings, named from there.
    let name = dir.file_name().unwrap().to_str().unwrap();
    let (out, _) = stdout_of(deploylint().current_dir(dir.parent().unwrap()).args(["check", name, "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let outside: Vec<String> = report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    assert_eq!(outside.len(), inside.len(), "{out}");
}

/// `deploylint test-rules DIR` runs a team's rule examples: the bundled examples/rules pass, a
/// rule whose example is wrong fails with exit 1, naming the rule, the example and what it gave.
#[test]
fn test_rules_runs_the_examples_of_user_rules() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules");
    let (out, code) = stdout_of(deploylint().arg("test-rules").arg(&rules));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("4 rules, 9 examples, 0 failed"), "{out}");

    let dir = temp_dir("test-rules");
    let wrong = std::fs::read_to_string(rules.join("statement-sid.yaml")).unwrap().replace("{line: 2, column: 3}", "{line: 1, column: 1}");
    std::fs::write(dir.join("sid.yaml"), wrong).unwrap();
    let (out, code) = stdout_of(deploylint().arg("test-rules").arg(&dir));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("team/statement-sid  FAILED policy.json: expected findings at (line, column) [(1, 1)], got 2:3"), "{out}");
    assert!(out.contains("1 rules, 2 examples, 1 failed"), "{out}");
    // A directory without rules is a usage error.
    let empty = temp_dir("test-rules-empty");
    let out = deploylint().arg("test-rules").arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The team rules of examples/rules over four target kinds, on files of three formats: each
/// finding at its place.
#[test]
fn user_rules_check_states_resources_and_statements() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules");
    let dir = temp_dir("user-rules-kinds");
    std::fs::write(
        dir.join("template.yaml"),
        "Resources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: arn:aws:iam::123456789012:role/flow\n      Definition:\n        StartAt: Charge\n        States:\n          Charge:\n            Type: Task\n            Resource: arn:aws:states:::lambda:invoke\n            Parameters: {FunctionName: charge}\n            Next: Grant\n          Grant:\n            Type: Task\n            Resource: arn:aws:states:::aws-sdk:iam:createUser\n            End: true\n",
    )
    .unwrap();
    std::fs::write(dir.join("main.tf"), "resource \"aws_sfn_state_machine\" \"flow\" {\n  name       = \"flow\"\n  role_arn   = \"arn:aws:iam::123456789012:role/flow\"\n  definition = jsonencode({ StartAt = \"A\", States = { A = { Type = \"Succeed\" } } })\n}\n").unwrap();
    std::fs::write(
        dir.join("policy.json"),
        "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}\n",
    )
    .unwrap();
    let (out, _) = stdout_of(
        deploylint()
            .current_dir(&dir)
            .args(["check", ".", "--isolated", "--format", "json", "--select", "team/"])
            .arg("--rules")
            .arg(&rules),
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut found: Vec<(String, String, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap().to_string();
            (f["rule"].as_str().unwrap().to_string(), file, f["start"]["line"].as_u64().unwrap(), f["start"]["column"].as_u64().unwrap())
        })
        .collect();
    found.sort();
    let row = |rule: &str, file: &str, line, column| (rule.to_string(), file.to_string(), line, column);
    assert_eq!(
        found,
        [
            row("team/lambda-qualified-alias", "template.yaml", 12, 26),
            row("team/no-iam-through-aws-sdk", "template.yaml", 16, 23),
            row("team/state-machine-owner-tag", "main.tf", 1, 1),
            row("team/state-machine-owner-tag", "template.yaml", 2, 3),
            row("team/statement-sid", "policy.json", 2, 3),
        ]
    );
    // A user rule links to its own page, or to none: never to a page of ours.
    let sid = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "team/statement-sid").unwrap();
    assert!(sid.get("docs").is_none_or(serde_json::Value::is_null), "{sid}");
    let alias = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "team/lambda-qualified-alias").unwrap();
    assert_eq!(alias["docs"], "https://example.com/platform/step-functions#aliases");
}

/// The first rule of docs/rules-language.md works as written: its examples pass.
#[test]
fn the_rule_language_guide_first_rule_passes_its_examples() {
    let guide = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules-language.md")).unwrap();
    let start = guide.find("```yaml\n# yaml-language-server").expect("the guide's first rule") + "```yaml\n".len();
    let end = start + guide[start..].find("```").unwrap();
    let dir = temp_dir("guide-rule");
    std::fs::write(dir.join("owner-tag.yaml"), &guide[start..end]).unwrap();
    let (out, code) = stdout_of(deploylint().arg("test-rules").arg(&dir));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 rules, 2 examples, 0 failed"), "{out}");
}

/// Built without the `guard` feature, `--guard-rules` is a usage error that says why.
#[cfg(not(feature = "guard"))]
#[test]
fn guard_rules_need_the_guard_feature() {
    let dir = temp_dir("no-guard");
    std::fs::write(dir.join("r.guard"), "rule x { Resources exists }\n").unwrap();
    std::fs::write(dir.join("t.yaml"), "Resources:\n  B:\n    Type: AWS::S3::Bucket\n").unwrap();
    let out = deploylint().current_dir(&dir).args(["check", "t.yaml", "--guard-rules", "r.guard"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without Guard support"));
}

/// Long lines wrap at spaces only: a docs link stays whole, so a terminal can open it.
#[test]
fn human_report_keeps_links_whole() {
    let dir = temp_dir("links");
    let flow = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "B": {"Type": "Pass", "End": true}}}"#;
    std::fs::write(dir.join("flow.asl.json"), flow).unwrap();
    let (out, _) = stdout_of(deploylint().arg("check").arg(dir.join("flow.asl.json")));
    assert!(out.contains("unreachable-state"), "{out}");
    let links: Vec<&str> = out.split_whitespace().filter(|w| w.starts_with("https://")).collect();
    assert!(!links.is_empty(), "{out}");
    for link in links {
        assert!(Path::new(link).extension().is_some_and(|e| e == "md"), "a link was split: {link}\n{out}");
    }
}

/// A definition a template reads is checked once, as part of the template, when it is also
/// named on the command line, directly or through a link with another name.
#[cfg(unix)]
#[test]
fn a_file_a_template_reads_is_checked_once() {
    let dir = temp_dir("claimed");
    let template = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: flow.asl.json\n";
    std::fs::write(dir.join("template.yaml"), template).unwrap();
    std::fs::write(dir.join("flow.asl.json"), BARE_FLOW).unwrap();
    std::os::unix::fs::symlink(dir.join("flow.asl.json"), dir.join("alias.json")).unwrap();
    let count = |files: &[&str]| {
        let mut cmd = deploylint();
        cmd.args(["check", "--format", "json"]).current_dir(&dir).args(files);
        let (out, _) = stdout_of(&mut cmd);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        report["findings"].as_array().unwrap().len()
    };
    let alone = count(&["template.yaml"]);
    assert!(alone > 0);
    assert_eq!(count(&["template.yaml", "flow.asl.json", "alias.json"]), alone);
    assert_eq!(count(&["alias.json", "template.yaml"]), alone);
}
