//! The shared corpus of real files (../shared/corpus, present in the development workspace, not
//! in a user's clone: then these tests print a note and pass). Real, deployed files must parse,
//! and the only parse findings are the known broken files, each named here with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::Path;

use clap::Parser;
use deploylint::cli::Cli;

const CORPUS: &str = "../shared/corpus";

fn report(path: &str) -> Option<serde_json::Value> {
    if !Path::new(CORPUS).exists() {
        println!("note: {CORPUS} not found; corpus checks skipped");
        return None;
    }
    let cli = Cli::try_parse_from(["deploylint", "check", path, "--format", "json", "--fail-on", "never"]).unwrap();
    let outcome = deploylint::main_with(cli);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    Some(serde_json::from_str(&outcome.stdout).unwrap())
}

fn parse_findings(report: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("parse/"))
        .map(|f| format!("{} {}", f["file"].as_str().unwrap().trim_start_matches(CORPUS), f["rule"].as_str().unwrap()))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn deployable_workflows_and_templates_parse() {
    let Some(report) = report(&format!("{CORPUS}/bench")) else { return };
    let summary = &report["summary"]["artifacts"];
    assert!(summary["state_machines"].as_u64().unwrap() >= 170, "{summary}");
    assert!(summary["templates"].as_u64().unwrap() >= 80, "{summary}");
    let mut known = vec![
        // Upstream defects, also rejected by PyYAML / every JSON parser:
        "/bench/sfn-workflows/event-sourcing/template.yaml parse/syntax", // Description: > with an unindented line
        "/bench/sfn-workflows/parallelized-embedding-pipeline/template.yaml parse/syntax", // `!GetAZs !Ref`: two tags on one node
        "/bench/sfn-workflows/sfn-iot-data-analytics-dataset/statemachine/statemachine.asl.json parse/syntax", // broken JSON upstream
        // Real duplicate keys in the published templates:
        "/bench/sfn-workflows/cqrs/template.yaml parse/duplicate-key",
        "/bench/sfn-workflows/sfn-dynamodb-batchwriteitem/template.yaml parse/duplicate-key",
        "/bench/sfn-workflows/stepfunction-redshift-batchexecutestatement-sam/template.yaml parse/duplicate-key",
        // DefinitionUri names a file the sample does not ship:
        "/bench/sfn-workflows/account-vending-machine/template.yaml parse/io",
    ];
    known.sort_unstable();
    assert_eq!(parse_findings(&report), known);
}

#[test]
fn reference_validators_valid_definitions_parse() {
    for folder in ["asl/statelint/valid", "asl/asl-language-service/valid", "asl/cfn-lint/valid", "cfn/cfn-lint/good"] {
        let Some(report) = report(&format!("{CORPUS}/{folder}")) else { return };
        let found = parse_findings(&report);
        let allowed = ["/cfn/cfn-lint/good/transform/step_function_local_definition.yaml parse/io"]; // names ./test.json, not shipped
        let unexpected: Vec<&String> = found.iter().filter(|f| !allowed.contains(&f.as_str())).collect();
        assert!(unexpected.is_empty(), "{folder}: {unexpected:?}");
    }
}

#[test]
fn terraform_plans_parse_including_utf16() {
    let Some(report) = report(&format!("{CORPUS}/tfplan")) else { return };
    assert!(report["summary"]["artifacts"]["plans"].as_u64().unwrap() >= 200);
    // The one deliberately invalid plan of terraform-json's test data.
    assert_eq!(parse_findings(&report), ["/tfplan/terraform-json/testdata/invalid/plan.json parse/syntax"]);
}

#[test]
fn whole_corpus_runs() {
    let Some(report) = report(CORPUS) else { return };
    assert!(report["summary"]["files"].as_u64().unwrap() >= 1800);
}
