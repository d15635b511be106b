//! The baseline on the real binary, in a scratch git repository and in a plain folder without
//! git or configuration: written, then a new bad state added (only it is reported), the file
//! shifted by ten lines and checked from another folder (the baseline still holds), a policy
//! widened (the new wildcard is reported), a finding fixed (its entry is stale).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const FLOW: &str = r#"{
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "TimeoutSeconds": 10,
      "Next": "Record"
    },
    "Record": {
      "Type": "Task",
      "Resource": "arn:aws:states:::dynamodb:putItem",
      "TimeoutSeconds": 10,
      "Retry": [{ "ErrorEquals": ["States.ALL"], "MaxAttempts": 2 }],
      "End": true
    }
  }
}
"#;

const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Logs", "Effect": "Allow", "Action": ["logs:*"], "Resource": "*" }
  ]
}
"#;

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn scratch(name: &str, git: bool) -> Scratch {
    let dir = std::env::temp_dir().join(format!("deploylint-baseline-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    if git {
        std::fs::create_dir_all(dir.join(".git")).unwrap();
    }
    std::fs::write(dir.join("flows/order.asl.json"), FLOW).unwrap();
    std::fs::write(dir.join("flows/role.json"), POLICY).unwrap();
    Scratch(dir)
}

/// Runs `deploylint check --isolated --format json ARGS` in `cwd`: (findings, exit code, stderr).
/// The notes on fallbacks and execution limits are left out: the flow's findings here are its
/// retry and wildcard ones.
fn check(cwd: &Path, args: &[&str]) -> (Vec<Value>, i32, String) {
    let out = Command::cargo_bin("deploylint")
        .unwrap()
        .current_dir(cwd)
        .args(["check", "--isolated", "--format", "json", "--ignore", "asl/catch-fallback,asl/execution-timeout"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (report["findings"].as_array().unwrap().clone(), out.status.code().unwrap_or(-1), stderr)
}

/// (rule, route) of the findings not suppressed.
fn open(findings: &[Value]) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f.get("suppressed").is_none())
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["route"].as_str().unwrap_or_default().to_string()))
        .collect();
    rows.sort();
    rows
}

fn pair(rule: &str, route: &str) -> (String, String) {
    (rule.to_string(), route.to_string())
}

fn lifecycle(git: bool) {
    let dir = scratch(if git { "git" } else { "plain" }, git);
    let root = &dir.0;
    let (_, code, stderr) = check(root, &[".", "--write-baseline", "deploylint-baseline.json"]);
    assert_eq!(code, 0, "writing a baseline accepts what it records: {stderr}");
    assert!(stderr.contains("wrote 2 findings to the baseline"), "{stderr}");
    let written = std::fs::read_to_string(root.join("deploylint-baseline.json")).unwrap();
    let doc: Value = serde_json::from_str(&written).unwrap();
    let files: Vec<&str> = doc["findings"].as_array().unwrap().iter().map(|e| e["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["flows/order.asl.json", "flows/role.json"], "sorted, relative to the project root: {written}");

    let (findings, code, _) = check(root, &[".", "--baseline", "deploylint-baseline.json"]);
    assert_eq!((open(&findings), code), (vec![], 0), "everything recorded is hidden");
    assert_eq!(findings.iter().filter(|f| f["suppressed"]["kind"] == "baseline").count(), 2);

    // A new bad state, and ten lines above everything.
    let flow = FLOW.replacen('{', &format!("{{{}", "\n".repeat(10)), 1).replace(
        r#""End": true"#,
        r#""Next": "Audit"
    },
    "Audit": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sns:publish",
      "TimeoutSeconds": 5,
      "End": true"#,
    );
    std::fs::write(root.join("flows/order.asl.json"), flow).unwrap();
    // Checked from another folder, naming the file and the baseline from there.
    let (findings, code, _) = check(&root.join("flows"), &["order.asl.json", "role.json", "--baseline", "../deploylint-baseline.json"]);
    assert_eq!(open(&findings), [pair("asl/task-retry", "States.Audit")], "only the new state is reported");
    assert_eq!(code, 1);

    // The policy widens: `s3:*` beside the accepted `logs:*` is new.
    std::fs::write(root.join("flows/role.json"), POLICY.replace(r#"["logs:*"]"#, r#"["s3:*", "logs:*"]"#)).unwrap();
    let (findings, _, _) = check(root, &[".", "--baseline", "deploylint-baseline.json"]);
    let mut rows = open(&findings);
    rows.retain(|(rule, _)| rule == "iam/wildcard-action");
    assert_eq!(rows, [pair("iam/wildcard-action", "Statement[Sid=Logs].Action")], "one new wildcard: {findings:?}");
    let s3 = findings.iter().find(|f| f["rule"] == "iam/wildcard-action" && f.get("suppressed").is_none()).unwrap();
    assert!(s3["message"].as_str().unwrap().contains("`s3:*`"), "the new one is `s3:*`: {s3}");
    assert_eq!(s3["start"]["column"], 52, "at `s3:*`: {s3}");

    // `Charge` gets its retrier: its entry is stale, reported at the entry in the baseline.
    let fixed = std::fs::read_to_string(root.join("flows/order.asl.json")).unwrap().replacen(
        r#""Next": "Record""#,
        r#""Retry": [{ "ErrorEquals": ["States.ALL"], "MaxAttempts": 2 }],
      "Next": "Record""#,
        1,
    );
    std::fs::write(root.join("flows/order.asl.json"), fixed).unwrap();
    let (findings, code, _) = check(root, &["flows/order.asl.json", "--baseline", "deploylint-baseline.json"]);
    let stale: Vec<&Value> = findings.iter().filter(|f| f["rule"] == "deploylint/stale-baseline-entry").collect();
    assert_eq!(stale.len(), 1, "{findings:?}");
    assert_eq!(stale[0]["file"], "deploylint-baseline.json");
    assert_eq!(stale[0]["severity"], "note");
    let line = stale[0]["start"]["line"].as_u64().unwrap() as usize;
    assert!(written.lines().nth(line).unwrap_or_default().contains("order.asl.json"), "at the entry: line {line} of {written}");
    assert!(stale[0]["message"].as_str().unwrap().contains("States.Charge"), "{}", stale[0]);
    // Only the file checked: the policy's entry is not called stale.
    assert_eq!(code, 1, "the Audit finding still fails the run");

    // Rewriting after checking one file keeps the other file's entries.
    let (_, code, stderr) = check(root, &["flows/order.asl.json", "--write-baseline", "deploylint-baseline.json"]);
    assert_eq!(code, 0, "{stderr}");
    let rewritten = std::fs::read_to_string(root.join("deploylint-baseline.json")).unwrap();
    assert!(rewritten.contains("States.Audit") && !rewritten.contains("States.Charge"), "{rewritten}");
    assert!(rewritten.contains("flows/role.json"), "entries of files not checked are kept: {rewritten}");
}

#[test]
fn baseline_in_a_git_repository() {
    lifecycle(true);
}

#[test]
fn baseline_in_a_plain_folder() {
    lifecycle(false);
}

#[test]
fn fingerprints_do_not_depend_on_the_working_directory() {
    let dir = scratch("cwd", true);
    let fingerprints = |cwd: &Path, path: &str| -> Vec<String> {
        let (findings, _, _) = check(cwd, &[path]);
        let mut prints: Vec<String> = findings.iter().map(|f| f["fingerprint"].as_str().unwrap().to_string()).collect();
        prints.sort();
        prints
    };
    let from_root = fingerprints(&dir.0, ".");
    assert_eq!(from_root.len(), 2);
    assert_eq!(fingerprints(&dir.0.join("flows"), "."), from_root);
    assert_eq!(fingerprints(&std::env::temp_dir(), dir.0.to_str().unwrap()), from_root);
    let (findings, _, _) = check(&dir.0, &["."]);
    assert!(findings.iter().all(|f| f["project_path"].as_str().unwrap().starts_with("flows/")), "{findings:?}");
}

#[test]
fn bad_baselines_are_usage_errors_with_their_place() {
    let dir = scratch("bad", false);
    std::fs::write(dir.0.join("b.json"), "{\n  \"version\": 1,\n  \"findings\": [\n    {\"rule\": \"asl/task-retry\"}\n  ]\n}\n").unwrap();
    let out = Command::cargo_bin("deploylint")
        .unwrap()
        .current_dir(&dir.0)
        .args(["check", "--isolated", ".", "--baseline", "b.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("b.json:4:5:") && stderr.contains("needs `file`, `rule` and `fingerprint`"), "{stderr}");

    let out = Command::cargo_bin("deploylint")
        .unwrap()
        .current_dir(&dir.0)
        .args(["check", "--isolated", ".", "--baseline", "missing.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));

    // --write-baseline over a file that is no baseline leaves it alone.
    let out = Command::cargo_bin("deploylint")
        .unwrap()
        .current_dir(&dir.0)
        .args(["check", "--isolated", ".", "--write-baseline", "flows/role.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.0.join("flows/role.json")).unwrap(), POLICY);
}

#[test]
fn the_configuration_names_the_baseline_relative_to_itself() {
    let dir = scratch("config", true);
    std::fs::write(dir.0.join("deploylint.toml"), "baseline = \"ci/baseline.json\"\n").unwrap();
    let run =
        |cwd: &Path, args: &[&str]| Command::cargo_bin("deploylint").unwrap().current_dir(cwd).arg("check").args(args).output().unwrap();
    let out = run(&dir.0, &[".", "--write-baseline", "ci/baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&dir.0.join("flows"), &["."]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the configuration's baseline applies from a subfolder: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&dir.0.join("flows"), &[".", "--no-baseline"]);
    assert_eq!(out.status.code(), Some(1), "--no-baseline shows everything");
}

#[test]
fn notes_about_suppressions_are_not_recorded() {
    let dir = scratch("notes", true);
    std::fs::write(
        dir.0.join("flows/refund.asl.yaml"),
        "StartAt: A\nStates:\n  A:  # deploylint:ignore asl/task-retri -- typo\n    Type: Task\n    Resource: arn:aws:states:::lambda:invoke\n    TimeoutSeconds: 5\n    End: true\n",
    )
    .unwrap();
    let (_, code, stderr) = check(&dir.0, &[".", "--write-baseline", "b.json"]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(dir.0.join("b.json")).unwrap();
    assert!(written.contains("States.A") && !written.contains("deploylint/"), "{written}");
    let (findings, _, _) = check(&dir.0, &[".", "--baseline", "b.json"]);
    let rules: Vec<&str> = findings.iter().filter(|f| f.get("suppressed").is_none()).map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["deploylint/invalid-ignore"], "the typo stays visible");
    // A's retry added: its entry is stale, and the note names the baseline as the user did.
    let fixed = std::fs::read_to_string(dir.0.join("flows/refund.asl.yaml"))
        .unwrap()
        .replace("    End: true", "    Retry: [{ErrorEquals: [States.ALL]}]\n    End: true");
    std::fs::write(dir.0.join("flows/refund.asl.yaml"), fixed).unwrap();
    let (findings, _, _) = check(&dir.0.join("flows"), &[".", "--baseline", "../b.json"]);
    let stale: Vec<&str> =
        findings.iter().filter(|f| f["rule"] == "deploylint/stale-baseline-entry").map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(stale, ["../b.json"], "relative to the working directory: {findings:?}");
}
