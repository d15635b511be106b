//! Snapshots of the analyzers' messages on the ASL spec fixtures (tests/fixtures/asl-spec): a
//! change of wording, place or severity shows as a diff to review (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test --test messages`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;

use clap::Parser;
use deploylint::cli::Cli;

fn messages(dir: &str) -> String {
    let cli = Cli::try_parse_from(["deploylint", "check", dir, "--format", "json", "--fail-on", "never"]).unwrap();
    let outcome = deploylint::main_with(cli);
    let report: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    let mut out = String::new();
    for f in report["findings"].as_array().unwrap() {
        let rule = f["rule"].as_str().unwrap();
        if !rule.starts_with("asl/") || rule == "asl/task-retry" || rule == "asl/task-timeout" {
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
