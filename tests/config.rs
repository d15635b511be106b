//! The configuration file on the real binary: found from the checked path upwards to the
//! repository root, its keys applied under the command line, errors at their line and column.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn deploylint(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("deploylint").expect("binary builds");
    cmd.current_dir(cwd);
    cmd
}

/// A scratch folder with a `.git` marker (the repository root the search stops at).
fn repo(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("flows/nested")).unwrap();
    std::fs::write(
        dir.join("flows/nested/bare.asl.json"),
        r#"{"TimeoutSeconds": 60, "StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "End": true}, "F": {"Type": "Fail"}}}"#,
    )
    .unwrap();
    dir
}

fn rules(cmd: &mut Command) -> (Vec<(String, String)>, i32) {
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["severity"].as_str().unwrap().to_string()))
        .collect();
    (found, code)
}

#[test]
fn the_config_of_the_repository_applies_from_any_folder() {
    let dir = repo("found");
    std::fs::write(
        dir.join("deploylint.toml"),
        "ignore = [\"asl/task-timeout\"]\nfail-on = \"error\"\n\n[severity]\n\"asl/task-retry\" = \"error\"\n",
    )
    .unwrap();
    // Run from a folder outside the repository, naming a file two folders down.
    let (found, code) =
        rules(deploylint(&std::env::temp_dir()).arg("check").arg(dir.join("flows/nested/bare.asl.json")).args(["--format", "json"]));
    assert_eq!(found, [("asl/task-retry".to_string(), "error".to_string())]);
    assert_eq!(code, 1, "fail-on error, and the retry finding is now an error");
    // And from inside, with the command line over the file.
    let (found, code) = rules(deploylint(&dir.join("flows")).args(["check", ".", "--format", "json", "--fail-on", "never"]));
    assert_eq!(found.len(), 1);
    assert_eq!(code, 0);
    // --isolated reads no file.
    let (found, _) = rules(deploylint(&dir).args(["check", ".", "--format", "json", "--isolated"]));
    assert_eq!(found.len(), 2, "{found:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_search_stops_at_the_repository_root() {
    let outer = std::env::temp_dir().join(format!("deploylint-config-outer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outer);
    std::fs::create_dir_all(&outer).unwrap();
    std::fs::write(outer.join("deploylint.toml"), "select = [\"iam\"]\n").unwrap();
    let inner = outer.join("project");
    std::fs::create_dir_all(inner.join(".git")).unwrap();
    std::fs::write(
        inner.join("bare.asl.json"),
        r#"{"TimeoutSeconds": 60, "StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "End": true}, "F": {"Type": "Fail"}}}"#,
    )
    .unwrap();
    let (found, _) = rules(deploylint(&inner).args(["check", ".", "--format", "json"]));
    assert_eq!(found.len(), 2, "the file above the repository is not read: {found:?}");
    std::fs::remove_dir_all(&outer).ok();
}

#[test]
fn pyproject_and_explicit_files() {
    let dir = repo("pyproject");
    std::fs::write(dir.join("pyproject.toml"), "[project]\nname = \"x\"\n\n[tool.deploylint]\nselect = [\"asl/task-retry\"]\n").unwrap();
    let (found, _) = rules(deploylint(&dir).args(["check", ".", "--format", "json"]));
    assert_eq!(found.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["asl/task-retry"]);
    std::fs::write(dir.join("other.toml"), "select = [\"asl/task-timeout\"]\n").unwrap();
    let (found, _) = rules(deploylint(&dir).args(["check", ".", "--format", "json", "--config", "other.toml"]));
    assert_eq!(found.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["asl/task-timeout"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn errors_name_the_file_line_and_column() {
    let dir = repo("errors");
    for (text, place, words) in [
        ("select = [\"asl\"]\n\nfail-onn = \"error\"\n", "deploylint.toml:3:1", "fail-onn"),
        ("fail-on = \"sometimes\"\n", "deploylint.toml:1:11", "sometimes"),
        ("ignore = [\"asl/task-retry\", \"asl/no-such-rule\"]\n", "deploylint.toml:1:29", "asl/no-such-rule"),
        ("[severity]\n\"asl/task-retri\" = \"error\"\n", "deploylint.toml:2:1", "asl/task-retri"),
    ] {
        std::fs::write(dir.join("deploylint.toml"), text).unwrap();
        let out = deploylint(&dir).args(["check", "."]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(place) && stderr.contains(words), "{text}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn config_prints_the_resolved_settings() {
    let dir = repo("show");
    std::fs::write(dir.join("deploylint.toml"), "exclude = [\"legacy/**\"]\nmax-findings-per-rule = 50\n[severity]\niam = \"warning\"\n")
        .unwrap();
    let out = deploylint(&dir).args(["config", ".", "--ignore", "asl/task-timeout"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0));
    for line in
        ["# from ", "exclude = [\"legacy/**\"]", "ignore = [\"asl/task-timeout\"]", "max-findings-per-rule = 50", "\"iam\" = \"warning\""]
    {
        assert!(text.contains(line), "{line} missing in:\n{text}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_configured_severity_replaces_the_one_a_rule_picks_by_context() {
    let dir = repo("context");
    // A misspelt field is an error by context; the configuration makes the rule a note.
    std::fs::write(dir.join("flows/typo.asl.json"), r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxet": "B", "End": true}}}"#)
        .unwrap();
    let (found, _) = rules(deploylint(&dir).args(["check", "flows/typo.asl.json", "--format", "json", "--isolated"]));
    assert!(found.contains(&("asl/unknown-field".to_string(), "error".to_string())), "{found:?}");
    std::fs::write(dir.join("deploylint.toml"), "[severity]\n\"asl/unknown-field\" = \"note\"\n").unwrap();
    let (found, code) = rules(deploylint(&dir).args(["check", "flows/typo.asl.json", "--format", "json"]));
    assert!(found.contains(&("asl/unknown-field".to_string(), "note".to_string())), "{found:?}");
    assert_eq!(code, 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn per_path_ignores_apply_to_matching_files_only() {
    let dir = repo("per-path");
    std::fs::create_dir_all(dir.join("legacy")).unwrap();
    std::fs::copy(dir.join("flows/nested/bare.asl.json"), dir.join("legacy/old.asl.json")).unwrap();
    std::fs::write(dir.join("deploylint.toml"), "[per-path]\n\"legacy/**\" = { ignore = [\"asl/task-timeout\"] }\n").unwrap();
    let out = deploylint(&dir.join("flows")).args(["check", "..", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string(), f["rule"].as_str().unwrap().to_string()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("bare.asl.json".to_string(), "asl/task-retry".to_string()),
            ("bare.asl.json".to_string(), "asl/task-timeout".to_string()),
            ("old.asl.json".to_string(), "asl/task-retry".to_string()),
        ]
    );
    std::fs::write(dir.join("deploylint.toml"), "[per-path]\n\"legacy/**\" = { ignore = [\"asl/task-timout\"] }\n").unwrap();
    let out = deploylint(&dir).args(["check", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deploylint.toml:2:"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn force_exclude_filters_the_files_a_hook_names() {
    let dir = repo("force");
    std::fs::create_dir_all(dir.join("generated")).unwrap();
    std::fs::copy(dir.join("flows/nested/bare.asl.json"), dir.join("generated/out.asl.json")).unwrap();
    std::fs::write(dir.join("package.json"), r#"{"name": "a", "name": "b"}"#).unwrap();
    std::fs::write(dir.join("README.md"), "# readme\n").unwrap();
    std::fs::write(dir.join("deploylint.toml"), "exclude = [\"generated/**\"]\n").unwrap();
    let named = ["generated/out.asl.json", "flows/nested/bare.asl.json", "package.json", "README.md"];
    let files = |extra: &[&str]| {
        let out = deploylint(&dir).args(["check", "--format", "json"]).args(extra).args(named).output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut files: Vec<String> =
            report["findings"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap().to_string()).collect();
        files.dedup();
        (files, String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (all, _) = files(&[]);
    assert!(
        all.iter().any(|f| f.contains("generated")) && all.iter().any(|f| f == "package.json"),
        "named files are always checked: {all:?}"
    );
    let (forced, stderr) = files(&["--force-exclude"]);
    assert_eq!(forced, ["flows/nested/bare.asl.json"], "{stderr}");
    assert!(!stderr.contains("README.md"), "a named file deploylint does not read is skipped quietly: {stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn per_path_ignores_may_name_values() {
    let dir = repo("per-path-values");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let policy = |actions: &str| {
        format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": {actions}, "Resource": "*"}}]}}"#)
    };
    std::fs::write(dir.join("policies/logs.json"), policy(r#"["logs:*"]"#)).unwrap();
    std::fs::write(dir.join("deploylint.toml"), "[per-path]\n\"policies/*.json\" = { ignore = [\"iam/wildcard-action[logs:*]\"] }\n")
        .unwrap();
    let wildcards = |dir: &std::path::Path| {
        let out = deploylint(dir).args(["check", "policies", "--format", "json"]).output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "iam/wildcard-action").count()
    };
    assert_eq!(wildcards(&dir), 0, "logs:* is accepted in policies/");
    std::fs::write(dir.join("policies/logs.json"), policy(r#"["logs:*", "s3:*"]"#)).unwrap();
    assert_eq!(wildcards(&dir), 1, "the policy widened: s3:* is reported");
    std::fs::write(dir.join("deploylint.toml"), "[per-path]\n\"policies/*.json\" = { ignore = [\"iam/wildcard-actoin[logs:*]\"] }\n")
        .unwrap();
    let out = deploylint(&dir).args(["check", "policies"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deploylint.toml:2:"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn per_path_select_and_severity() {
    let dir = repo("per-path-severity");
    std::fs::create_dir_all(dir.join("legacy")).unwrap();
    std::fs::copy(dir.join("flows/nested/bare.asl.json"), dir.join("legacy/old.asl.json")).unwrap();
    std::fs::write(
        dir.join("deploylint.toml"),
        "[severity]\nasl = \"error\"\n\n[per-path]\n\"legacy/**\" = { severity = { \"asl/task-retry\" = \"note\" }, select = [\"asl/task-retry\"] }\n",
    )
    .unwrap();
    let out = deploylint(&dir).args(["check", ".", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            (file, f["rule"].as_str().unwrap().to_string(), f["severity"].as_str().unwrap().to_string())
        })
        .collect();
    found.sort();
    let row = |file: &str, rule: &str, severity: &str| (file.to_string(), rule.to_string(), severity.to_string());
    assert_eq!(
        found,
        [
            row("bare.asl.json", "asl/task-retry", "error"),
            row("bare.asl.json", "asl/task-timeout", "error"),
            row("old.asl.json", "asl/task-retry", "note"),
        ],
        "legacy/: only task-retry, as a note; elsewhere the top-level severity"
    );
    let out = deploylint(&dir).args(["config"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(r#"per-path."legacy/**" = { ignore = [], select = ["asl/task-retry"], severity = { "asl/task-retry" = "note" } }"#),
        "{text}"
    );
    std::fs::write(dir.join("deploylint.toml"), "[per-path]\n\"legacy/**\" = { severity = { \"asl/task-rety\" = \"note\" } }\n").unwrap();
    let out = deploylint(&dir).args(["check", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deploylint.toml:2:"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rules_and_explain_read_the_configuration_rules_dirs() {
    let dir = repo("rules-dirs");
    std::fs::create_dir_all(dir.join("team-rules")).unwrap();
    std::fs::write(
        dir.join("team-rules/state-comment.yaml"),
        "id: team/state-comment\ntitle: State without a Comment\nseverity: note\ntarget: asl.state\nrequire: [{label: a Comment, holds: {path: $.Comment, exists: true}}]\nmessage: 'State {name} has no Comment'\ndocs: {summary: Every state says what it is for., why: Readers need it., fix: Add a Comment.}\n",
    )
    .unwrap();
    std::fs::write(dir.join("deploylint.toml"), "rules-dirs = [\"team-rules\"]\n").unwrap();
    let out = deploylint(&dir.join("flows")).args(["rules"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("team/state-comment"), "{text}");
    let out = deploylint(&dir.join("flows")).args(["explain", "team/state-comment"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Every state says what it is for."));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn configuration_globs_are_relative_to_its_folder_whichever_folder_is_checked() {
    let dir = repo("anchored");
    std::fs::create_dir_all(dir.join("generated")).unwrap();
    std::fs::copy(dir.join("flows/nested/bare.asl.json"), dir.join("generated/out.asl.json")).unwrap();
    let checked = |args: &[&str]| {
        let out = deploylint(&dir).args(["check", "--format", "json"]).args(args).output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["summary"]["files"].as_u64().unwrap()
    };
    for glob in ["generated/**", "./generated/**", "/generated"] {
        std::fs::write(dir.join("deploylint.toml"), format!("exclude = [{glob:?}]\n")).unwrap();
        assert_eq!(checked(&["generated"]), 0, "`{glob}` excludes generated/ when it is the folder named");
        assert_eq!(checked(&["."]), 1, "`{glob}`: only flows/ is checked");
    }
    // The command line's globs stay relative to the folder given.
    std::fs::write(dir.join("deploylint.toml"), "").unwrap();
    assert_eq!(checked(&["generated", "--exclude", "out.asl.json"]), 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_rule_ids_get_a_suggestion_and_ignore_may_name_values() {
    let dir = repo("suggest");
    std::fs::write(dir.join("deploylint.toml"), "ignore = [\"asl/task-timout\"]\n").unwrap();
    let out = deploylint(&dir).args(["check", "."]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("deploylint.toml:1:11:") && stderr.contains("did you mean `asl/task-timeout`?"), "{stderr}");
    let out = deploylint(&dir).args(["check", ".", "--isolated", "--select", "iamm"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `iam`?"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = deploylint(&dir).args(["explain", "asl/task-rety"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `asl/task-retry`?"));
    std::fs::write(dir.join("deploylint.toml"), "ignore = [\"iam/wildcard-action[logs:*\"]\n").unwrap();
    let out = deploylint(&dir).args(["check", "."]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no closing `]`"), "{}", String::from_utf8_lossy(&out.stderr));
    // A value-scoped top-level ignore drops that value's findings; the rule still runs.
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:*", "s3:*"], "Resource": "*"}]}"#;
    std::fs::write(dir.join("policies/p.json"), policy).unwrap();
    std::fs::write(dir.join("deploylint.toml"), "ignore = [\"iam/wildcard-action[logs:*]\"]\n").unwrap();
    let out = deploylint(&dir).args(["check", "policies", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("`s3:*`"), "{messages:?}");
    let out = deploylint(&dir)
        .args(["check", "policies", "--isolated", "--format", "json", "--ignore", "iam/wildcard-action[s3:*]"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "--ignore takes values too");
    std::fs::remove_dir_all(&dir).ok();
}
