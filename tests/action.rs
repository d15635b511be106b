//! The GitHub Action's scripts (scripts/action/), run with the environment GitHub gives them:
//! inputs as `INPUT_*`, `GITHUB_OUTPUT`, the event of a pull request, a fake release folder
//! for the download path. zizmor (PyPI; `.ci/run` installs it and sets `ZIZMOR`) audits
//! action.yml and the workflows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-action-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the check step in `dir` with these inputs: (its stdout, its outputs, the step's exit code).
fn check(dir: &Path, inputs: &[(&str, &str)]) -> (String, String, i32) {
    let output = dir.join("github-output");
    let _ = std::fs::remove_file(&output);
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts/action/run.sh")).current_dir(dir);
    cmd.env("DEPLOYLINT", env!("CARGO_BIN_EXE_deploylint")).env("GITHUB_OUTPUT", &output);
    for var in ["GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY"] {
        cmd.env_remove(var);
    }
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), std::fs::read_to_string(&output).unwrap_or_default(), out.status.code().unwrap_or(-1))
}

fn output<'o>(outputs: &'o str, name: &str) -> Option<&'o str> {
    outputs.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
}

fn workspace(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(
        dir.join("policy.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("flow.asl.json"),
        r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}"#,
    )
    .unwrap();
    dir
}

#[test]
fn the_verdict_follows_fail_on_and_the_sarif_is_always_written() {
    let dir = workspace("verdict");
    for (fail_on, status) in [("error", "1"), ("warning", "1"), ("never", "0"), ("", "1")] {
        let _ = std::fs::remove_file(dir.join("deploylint.sarif"));
        let (_, outputs, code) = check(&dir, &[("INPUT_FAIL_ON", fail_on)]);
        assert_eq!(code, 0, "the step succeeds, so the upload runs; the verdict comes last");
        assert_eq!(output(&outputs, "status"), Some(status), "fail-on `{fail_on}`: {outputs}");
        let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("deploylint.sarif")).unwrap()).unwrap();
        assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
        assert_eq!(output(&outputs, "sarif-file"), Some("deploylint.sarif"));
        assert_eq!(output(&outputs, "upload"), Some("true"));
    }
    // A policy with only warnings passes `fail-on: error`.
    std::fs::remove_file(dir.join("policy.json")).unwrap();
    let (_, outputs, _) = check(&dir, &[("INPUT_FAIL_ON", "error"), ("INPUT_SARIF_FILE", "out/report.sarif")]);
    assert_eq!(output(&outputs, "status"), Some("0"), "{outputs}");
    assert_eq!(output(&outputs, "errors"), Some("0"));
    assert!(dir.join("out/report.sarif").exists(), "the SARIF goes where `sarif-file` says");
}

#[test]
fn annotations_come_most_severe_first_then_a_summary() {
    let dir = workspace("annotations");
    let (stdout, outputs, _) = check(&dir, &[]);
    let kinds: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).map(|l| l.split([' ', ':']).nth(2).unwrap_or("")).collect();
    let first_warning = kinds.iter().position(|k| *k == "warning").unwrap();
    assert!(kinds[..first_warning].iter().all(|k| *k == "error") && kinds.contains(&"error"), "{kinds:?}");
    let last = stdout.lines().rfind(|l| l.starts_with("::")).unwrap();
    let findings = output(&outputs, "findings").unwrap();
    assert!(
        last.starts_with("::notice title=deploylint::")
            && last.contains(&format!("{findings} findings"))
            && last.contains("deploylint.sarif"),
        "{last}"
    );
    let (stdout, _, _) = check(&dir, &[("INPUT_ANNOTATIONS", "false")]);
    assert!(!stdout.contains("::error"), "annotations off: {stdout}");
}

#[test]
fn a_fork_pull_request_skips_the_upload_with_a_notice() {
    let dir = workspace("fork");
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        r#"{"pull_request": {"head": {"repo": {"full_name": "someone/fork"}}, "base": {"repo": {"full_name": "team/app"}}}}"#,
    )
    .unwrap();
    let event = event.display().to_string();
    let env = [("GITHUB_EVENT_NAME", "pull_request"), ("GITHUB_EVENT_PATH", event.as_str()), ("GITHUB_REPOSITORY", "team/app")];
    let (stdout, outputs, _) = check(&dir, &env);
    assert_eq!(output(&outputs, "upload"), Some("false"), "{outputs}");
    assert!(stdout.contains("SARIF upload skipped"), "{stdout}");
    assert_eq!(output(&outputs, "status"), Some("1"), "the verdict still holds");
    // A pull request from a branch of the repository uploads.
    let same = [("GITHUB_EVENT_NAME", "pull_request"), ("GITHUB_EVENT_PATH", event.as_str()), ("GITHUB_REPOSITORY", "someone/fork")];
    let (_, outputs, _) = check(&dir, &same);
    assert_eq!(output(&outputs, "upload"), Some("true"), "{outputs}");
}

#[test]
fn bad_inputs_end_the_action_with_status_2() {
    let dir = workspace("bad-inputs");
    let (stdout, outputs, _) = check(&dir, &[("INPUT_FAIL_ON", "sometimes")]);
    assert_eq!(output(&outputs, "status"), Some("2"));
    assert!(stdout.contains("::error title=deploylint::fail-on"), "{stdout}");
    let (_, outputs, _) = check(&dir, &[("INPUT_PATHS", "missing/ policy.json")]);
    assert_eq!(output(&outputs, "status"), Some("2"), "a path that does not exist: {outputs}");
}

/// A fake release: the archive for this machine's runner label and its checksum.
fn fake_release(version: &str, checksum_ok: bool) -> PathBuf {
    let base = scratch(&format!("release-{checksum_ok}"));
    let dir = base.join(format!("v{version}"));
    let stage = base.join("stage");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_deploylint"), stage.join("deploylint")).unwrap();
    let archive = dir.join("deploylint-x86_64-unknown-linux-musl.tar.gz");
    assert!(Command::new("tar").arg("-czf").arg(&archive).arg("-C").arg(&stage).arg("deploylint").status().unwrap().success());
    let sum = Command::new("sha256sum").arg(&archive).output().unwrap();
    let mut sum = String::from_utf8(sum.stdout).unwrap();
    if !checksum_ok {
        sum = format!("{}{}", "0".repeat(64), &sum[64..]);
    }
    std::fs::write(dir.join("deploylint-x86_64-unknown-linux-musl.tar.gz.sha256"), sum).unwrap();
    base
}

fn install(release: &Path, temp: &Path) -> (String, String, i32) {
    let output = temp.join("github-output");
    let out = Command::new("bash")
        .arg(root().join("scripts/action/install.sh"))
        .env("VERSION", "v9.9.9")
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RELEASE_BASE", release)
        .env("RUNNER_TEMP", temp)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_PATH", temp.join("github-path"))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (text, std::fs::read_to_string(&output).unwrap_or_default(), out.status.code().unwrap_or(-1))
}

#[test]
fn a_released_version_is_installed_only_when_its_checksum_matches() {
    if Command::new("sha256sum").arg("--version").output().is_err() {
        println!("note: sha256sum not found; skipped");
        return;
    }
    let temp = scratch("install-ok");
    let (text, outputs, code) = install(&fake_release("9.9.9", true), &temp);
    assert_eq!(code, 0, "{text}");
    let bin = output(&outputs, "bin").unwrap();
    assert!(Path::new(bin).exists() && text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    assert!(std::fs::read_to_string(temp.join("github-path")).unwrap().contains("deploylint-9.9.9"));

    let temp = scratch("install-bad");
    let (text, outputs, code) = install(&fake_release("9.9.9", false), &temp);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("does not match its checksum") && output(&outputs, "bin").is_none(), "{text}");
}

#[test]
fn zizmor_finds_nothing_in_the_action_and_the_workflows() {
    let Some(zizmor) = std::env::var_os("ZIZMOR") else {
        println!("note: ZIZMOR not set; skipped (.ci/run installs zizmor and sets it)");
        return;
    };
    let out = Command::new(zizmor)
        .current_dir(root())
        .args(["--offline", "--persona", "pedantic", "action.yml", ".github/workflows"])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("No findings"), "{text}");
}

/// action.yml has the inputs and outputs the README documents, pins every action it uses by
/// commit SHA, uploads with a category, and never puts an expression into a shell script:
/// inputs reach the shell through `env:` only.
#[test]
fn action_yml_pins_its_actions_and_keeps_inputs_out_of_scripts() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    for input in ["paths", "config", "fail-on", "version", "sarif-file", "annotations", "upload"] {
        assert!(action["inputs"][input]["description"].is_string(), "input {input}");
    }
    for output in ["sarif-file", "findings", "errors"] {
        assert!(action["outputs"][output]["value"].is_string(), "output {output}");
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    for step in steps {
        if let Some(uses) = step["uses"].as_str() {
            let (_, rev) = uses.split_once('@').unwrap();
            assert!(rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()), "{uses} is not pinned by commit SHA");
        }
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "an expression in a script: {run}");
        }
    }
    let upload = steps.iter().find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))).unwrap();
    assert_eq!(upload["with"]["category"], "deploylint");
    assert_eq!(steps.last().unwrap()["name"], "Verdict", "the verdict comes after the upload");
}
