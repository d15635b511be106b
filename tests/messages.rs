//! Snapshots of the analyzers' messages on the ASL spec fixtures (tests/fixtures/asl-spec): a
//! change of wording, place or severity shows as a diff to review (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test --test messages`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;

use clap::Parser;
use deploylint::cli::Cli;

/// The rules of good practice (resilience, limits a workflow may reach at run time): not the
/// specification's, so not in these snapshots (their own are in `resilience_messages`).
const PRACTICE: [&str; 14] = [
    "asl/task-retry",
    "asl/task-timeout",
    "asl/retry-backoff",
    "asl/retry-order",
    "asl/catch-fallback",
    "asl/heartbeat-misuse",
    "asl/map-concurrency",
    "asl/inline-map-concurrency",
    "asl/execution-timeout",
    "asl/express-duration",
    "asl/unbounded-loop",
    "asl/payload-limit",
    "asl/express-integration-pattern",
    "asl/wait-range",
];

fn messages(dir: &str) -> String {
    messages_of(dir, &|rule| rule.starts_with("asl/") && !PRACTICE.contains(&rule))
}

fn messages_of(dir: &str, keep: &dyn Fn(&str) -> bool) -> String {
    let cli = Cli::try_parse_from(["deploylint", "check", dir, "--format", "json", "--fail-on", "never"]).unwrap();
    let outcome = deploylint::main_with(cli);
    let report: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    let mut out = String::new();
    for f in report["findings"].as_array().unwrap() {
        let rule = f["rule"].as_str().unwrap();
        if !keep(rule) {
            continue;
        }
        let file = f["file"].as_str().unwrap().rsplit('/').next().unwrap();
        let code = f["aws_code"].as_str().map(|c| format!(" [{c}]")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{file}:{}:{} {rule} {}{code}: {}",
            f["start"]["line"],
            f["start"]["column"],
            f["severity"].as_str().unwrap(),
            f["message"].as_str().unwrap()
        );
    }
    out
}

#[test]
fn standalone_definition() {
    insta::assert_snapshot!(messages("tests/fixtures/asl-spec/standalone-invalid"));
}

#[test]
fn sub_block_scalar_in_a_template() {
    insta::assert_snapshot!(messages("tests/fixtures/asl-spec/sub-block-scalar"));
}

#[test]
fn json_definition_string() {
    insta::assert_snapshot!(messages("tests/fixtures/asl-spec/json-definition-string"));
}

#[test]
fn terraform_plan_string() {
    insta::assert_snapshot!(messages("tests/fixtures/asl-spec/terraform-plan"));
}

#[test]
fn a_valid_definition_gives_no_spec_finding() {
    assert_eq!(messages("tests/fixtures/asl-spec/standalone-valid"), "");
}

#[test]
fn definition_substitutions_of_the_template_are_applied() {
    insta::assert_snapshot!(messages("tests/fixtures/asl-spec/substitutions"));
}

/// The resilience and limits rules' messages, on their fixtures (tests/fixtures/resilience).
#[test]
fn resilience_messages() {
    let keep = |rule: &str| PRACTICE.contains(&rule) || rule.starts_with("sfn/fanout");
    let mut out = String::new();
    let mut cases: Vec<_> = std::fs::read_dir("tests/fixtures/resilience").unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    for case in cases {
        let _ = writeln!(out, "# {}", case.file_name().unwrap().to_string_lossy());
        out.push_str(&messages_of(case.to_str().unwrap(), &keep));
    }
    insta::assert_snapshot!(out);
}
