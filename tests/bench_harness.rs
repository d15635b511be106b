//! The benchmark tooling keeps working (issue 23; the full comparison is too slow for CI):
//! benches/generate.py makes the same valid corpus for a seed, every file of which deploylint
//! reads without a parse error, and benches/compare.py's `--smoke` run (no peers, no network,
//! a few seconds) gives a report with every figure of deploylint's scenarios.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> Option<&'static str> {
    let found = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        println!("note: python3 not found; the benchmark tooling is not tried");
    }
    found.then_some("python3")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn generate(python: &str, out: &Path) {
    let status = Command::new(python)
        .args(["benches/generate.py", out.to_str().unwrap(), "--templates", "24", "--plan-mb", "1", "--seed", "7"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push((path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_generator_is_deterministic_and_its_files_are_valid() {
    let Some(python) = python() else { return };
    let (a, b) = (scratch("gen-a"), scratch("gen-b"));
    generate(python, &a);
    generate(python, &b);
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.len(), 25, "24 templates and a plan");
    assert!(ta == tb, "the same seed gives the same files");
    let output = Command::new(env!("CARGO_BIN_EXE_deploylint")).args(["check", "--isolated", "--format", "json"]).arg(&a).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let parse: Vec<&serde_json::Value> = findings.iter().filter(|f| f["rule"].as_str().unwrap().starts_with("parse/")).collect();
    assert!(parse.is_empty(), "generated files must be valid: {parse:?}");
    for rule in ["iam/wildcard-action", "asl/task-retry", "sfn/role-missing-permission"] {
        assert!(findings.iter().any(|f| f["rule"] == rule), "the corpus exercises {rule}");
    }
    assert_eq!(report["summary"]["files"].as_u64(), Some(25), "{}", report["summary"]);
    std::fs::remove_dir_all(&a).ok();
    std::fs::remove_dir_all(&b).ok();
}

#[test]
fn the_harness_smoke_run_reports_every_figure() {
    let Some(python) = python() else { return };
    let out = scratch("smoke").with_extension("md");
    let output = Command::new(python)
        .args(["benches/compare.py", "--smoke", "--quiet", "--binary", env!("CARGO_BIN_EXE_deploylint"), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let report = std::fs::read_to_string(&out).unwrap();
    for part in ["## 2. One small template", "median check − median `--version`", "## 3. Generated large corpus", "Terraform plan", "MB/s"]
    {
        assert!(report.contains(part), "the report has {part}:\n{report}");
    }
    assert!(!report.contains("## Deploylint failures\n\n- "), "{report}");
    std::fs::remove_file(&out).ok();
}
