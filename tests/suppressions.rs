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

fn run(args: &[&str]) -> (serde_json::Value, i32) {
    let tag: String = args.concat().chars().filter(char::is_ascii_alphanumeric).collect();
    let dir = std::env::temp_dir().join(format!("deploylint-suppressions-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("flow.asl.yaml"), FLOW).unwrap();
    let out = Command::cargo_bin("deploylint")
        .unwrap()
        .current_dir(&dir)
        .args(["check", "flow.asl.yaml", "--isolated"])
        .args(args)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    (serde_json::from_slice(&out.stdout).unwrap(), out.status.code().unwrap_or(-1))
}

#[test]
fn suppressed_findings_are_marked_and_do_not_fail_the_run() {
    let (report, code) = run(&["--format", "json"]);
    let rows: Vec<(u64, String, Option<String>)> = report["findings"]
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
        .collect();
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
