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
    assert_eq!(
        parse_findings(&report),
        [
            // `repository_1` twice in one object: Terraform 0.12 kept the last, today's
            // Terraform refuses it ("Duplicate object attribute").
            "/tfplan/terraform-compliance/functional/actions_for_each_and_modules/main.tf parse/duplicate-key",
            "/tfplan/terraform-compliance/functional/actions_for_each_and_modules/variables.tf parse/duplicate-key",
            "/tfplan/terraform-compliance/functional/test_issue-424/variables.tf parse/duplicate-key",
            // The one deliberately invalid plan of terraform-json's test data.
            "/tfplan/terraform-json/testdata/invalid/plan.json parse/syntax",
        ]
    );
}

#[test]
fn whole_corpus_runs() {
    let Some(report) = report(CORPUS) else { return };
    assert!(report["summary"]["files"].as_u64().unwrap() >= 1800);
}

/// Files with `asl/*` errors, by path under the corpus.
fn asl_errors(report: &serde_json::Value) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let rule = f["rule"].as_str().unwrap();
        if rule.starts_with("asl/") && f["severity"] == "error" {
            let file = f["file"].as_str().unwrap().trim_start_matches(CORPUS).to_string();
            out.entry(file).or_default().push(format!("{}:{} {rule}", f["start"]["line"], f["start"]["column"]));
        }
    }
    out
}

#[test]
fn deployable_workflows_have_no_spec_errors_but_the_known_defect() {
    let Some(report) = report(&format!("{CORPUS}/bench")) else { return };
    let errors = asl_errors(&report);
    let files: Vec<&str> = errors.keys().map(String::as_str).collect();
    // `"QueryLanguage": "JSONata"` written inside `States` (see the bench MANIFEST): reported at
    // that key and at every JSONata field of the then JSONPath states.
    assert_eq!(files, ["/bench/sfn-workflows/shared-fallback-state-jsonata/statemachine/statemachine.asl.json"], "{errors:#?}");
    let found = &errors[files[0]];
    assert!(
        found.contains(&"5:5 asl/field-type".to_string()) && found.iter().filter(|f| f.ends_with("asl/field-not-allowed")).count() >= 6,
        "{found:?}"
    );
}

/// Where a reference suite and the specification disagree, deploylint follows the
/// specification; each case is written down in docs/asl-suites.md.
const SUITE_DISAGREEMENTS: [&str; 8] = [
    "/asl/asl-language-service/valid/documentSucceedFailTerminalState.json",
    "/asl/asl-language-service/valid/documentSucceedFailTerminalState.yaml",
    "/asl/asl-language-service/valid/documentTaskJSONata.json",
    "/asl/asl-language-service/valid/documentValidParametersIntrinsicFunction.yaml",
    "/asl/asl-language-service/valid/documentValidResultSelectorIntrinsicFunction.yaml",
    "/asl/asl-validator/valid/valid-map-with-item-batcher-jsonata.json",
    "/asl/statelint-py/fixtures/tests/awslabs/data/pass-with-intrinsic-function-inputpath.json",
    // Not ASL, as the corpus MANIFEST says: a Next to no state.
    "/asl/cfn-lint/valid/e3601-choices.json",
];

#[test]
fn valid_definitions_of_the_reference_suites_have_no_spec_errors() {
    for folder in
        ["asl/statelint/valid", "asl/asl-validator/valid", "asl/asl-language-service/valid", "asl/probes/valid", "asl/workflows-collection"]
    {
        let Some(report) = report(&format!("{CORPUS}/{folder}")) else { return };
        let errors = asl_errors(&report);
        let unexpected: Vec<(&String, &Vec<String>)> = errors
            .iter()
            .filter(|(file, _)| !SUITE_DISAGREEMENTS.contains(&file.as_str()))
            // The known defect of the collection (see its MANIFEST).
            .filter(|(file, _)| !file.ends_with("shared-fallback-state-jsonata__statemachine.asl.json"))
            .collect();
        assert!(unexpected.is_empty(), "{folder}: {unexpected:#?}");
    }
}

#[test]
fn invalid_definitions_of_the_reference_suites_are_reported() {
    // Cases the suites call invalid that deploylint reports differently, by design (see
    // docs/asl-suites.md): spacing inside `{% %}` that Step Functions does not constrain, a
    // string ending in `%}` (a warning).
    let by_design = [
        "/asl/asl-validator/invalid/invalid-json-surround-syntax-extra-spaces.json",
        "/asl/asl-validator/invalid/invalid-jsonata-surround-syntax-no-open.json",
        "/asl/asl-validator/invalid/invalid-jsonata-surround-syntax-no-spaces.json",
    ];
    for folder in ["asl/statelint/invalid", "asl/asl-validator/invalid", "asl/asl-language-service/invalid", "asl/probes/invalid"] {
        let Some(report) = report(&format!("{CORPUS}/{folder}")) else { return };
        let mut reported: std::collections::BTreeSet<String> = asl_errors(&report).into_keys().collect();
        for f in report["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap();
            if rule == "asl/unknown-field" || (rule.starts_with("parse/") && f["severity"] == "error") {
                reported.insert(f["file"].as_str().unwrap().trim_start_matches(CORPUS).to_string());
            }
        }
        let dir = Path::new(CORPUS).join(folder);
        let mut missed = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let file = format!("/{folder}/{}", entry.file_name().to_string_lossy());
            if !reported.contains(&file) && !by_design.contains(&file.as_str()) {
                missed.push(file);
            }
        }
        assert!(missed.is_empty(), "{folder}: not reported: {missed:#?}");
    }
}
