//! Regression benchmarks of the pipeline's stages, on inputs generated here (no files needed):
//! parsing JSON and YAML, extracting embedded definitions, the rules and analyzers on a
//! template, and writing SARIF. `cargo bench --bench pipeline` (divan: medians, bytes/s).
//! Whole-process figures against other tools are benches/compare.py's; see benches/RESULTS.md.

#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::LazyLock;

use deploylint::finding::Severity;
use deploylint::parse::{json, yaml};
use deploylint::pipeline::{RunContext, check_bytes};
use deploylint::registry::Registry;
use deploylint::report::{Format, HumanOptions, Report};
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

/// A state machine definition of `states` Task states with retries and a Choice.
fn definition(states: usize) -> String {
    let mut out = String::from(r#"{"Comment": "generated", "StartAt": "S0", "States": {"#);
    for i in 0..states {
        let next = if i + 1 == states { r#""End": true"#.to_string() } else { format!(r#""Next": "S{}""#, i + 1) };
        let _ = write!(
            out,
            r#"{}"S{i}": {{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {{"FunctionName": "${{Fn{i}}}", "Payload.$": "$"}}, "Retry": [{{"ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}}], "TimeoutSeconds": 60, {next}}}"#,
            if i == 0 { "" } else { ", " }
        );
    }
    out.push_str("}}");
    out
}

/// A CloudFormation JSON template: `machines` state machines with their definition as a
/// `Fn::Sub` string, each with a role whose inline policy grants its functions, and a bucket.
fn template_json(machines: usize) -> String {
    let mut resources = Vec::new();
    for m in 0..machines {
        let definition = serde_json::to_string(&definition(8)).unwrap();
        resources.push(format!(
            r#""Machine{m}": {{"Type": "AWS::StepFunctions::StateMachine", "Properties": {{"RoleArn": {{"Fn::GetAtt": ["Role{m}", "Arn"]}}, "DefinitionString": {{"Fn::Sub": {definition}}}}}}}"#
        ));
        resources.push(format!(
            r#""Role{m}": {{"Type": "AWS::IAM::Role", "Properties": {{"AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"Service": "states.amazonaws.com"}}, "Action": "sts:AssumeRole"}}]}}, "Policies": [{{"PolicyName": "invoke", "PolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": "*"}}, {{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket-{m}/*"}}]}}}}]}}}}"#
        ));
        resources.push(format!(r#""Bucket{m}": {{"Type": "AWS::S3::Bucket", "Properties": {{"BucketName": "bucket-{m}"}}}}"#));
    }
    format!(r#"{{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {{{}}}}}"#, resources.join(", "))
}

/// The same kind of template in YAML with short tags and a block-scalar definition.
fn template_yaml(machines: usize) -> String {
    let mut out = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for m in 0..machines {
        let _ = write!(
            out,
            "  Machine{m}:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: !GetAtt Role{m}.Arn\n      DefinitionString: !Sub |\n        {}\n",
            definition(8)
        );
        let _ = write!(
            out,
            "  Role{m}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: states.amazonaws.com}}\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: invoke\n          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n              - Effect: Allow\n                Action: [lambda:InvokeFunction]\n                Resource: '*'\n              - Effect: Allow\n                Action: s3:*\n                Resource: !Sub 'arn:aws:s3:::bucket-{m}/*'\n"
        );
    }
    out
}

static JSON: LazyLock<String> = LazyLock::new(|| template_json(200));
static YAML: LazyLock<String> = LazyLock::new(|| template_yaml(200));
static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry::load(&[] as &[PathBuf]).unwrap());
static ALL_RULES: LazyLock<HashMap<String, Severity>> =
    LazyLock::new(|| REGISTRY.rules.iter().map(|r| (r.meta.id.clone(), r.meta.severity)).collect());
static NO_RULES: LazyLock<HashMap<String, Severity>> = LazyLock::new(HashMap::new);
static ROOTS: LazyLock<Vec<PathBuf>> = LazyLock::new(|| vec![PathBuf::from(".")]);

#[divan::bench]
fn parse_json(bencher: divan::Bencher) {
    bencher.counter(BytesCount::of_str(&*JSON)).bench(|| json::parse(divan::black_box(&JSON), 0, json::Options::default()).is_ok());
}

#[divan::bench]
fn parse_yaml(bencher: divan::Bencher) {
    bencher.counter(BytesCount::of_str(&*YAML)).bench(|| yaml::parse(divan::black_box(&YAML)).is_ok());
}

/// Parse and extract (the embedded definitions and policies, the template model), no rule.
#[divan::bench(args = ["json", "yaml"])]
fn extract(bencher: divan::Bencher, format: &str) {
    pipeline(bencher, format, &NO_RULES);
}

/// The whole per-file pipeline with every rule and analyzer on.
#[divan::bench(args = ["json", "yaml"])]
fn all_rules(bencher: divan::Bencher, format: &str) {
    pipeline(bencher, format, &ALL_RULES);
}

/// One template through the per-file pipeline with the `active` rules.
fn pipeline(bencher: divan::Bencher, format: &str, active: &HashMap<String, Severity>) {
    let text: &str = if format == "json" { &JSON } else { &YAML };
    let ctx = RunContext::new(&REGISTRY, active, &ROOTS);
    let path = PathBuf::from(format!("template.{format}"));
    bencher.counter(BytesCount::of_str(text)).bench(|| check_bytes(path.clone(), text.as_bytes().to_vec(), true, &ctx).findings.len());
}

/// Loading the bundled rules (start-up: metadata only, checks compiled on first use).
#[divan::bench]
fn registry_load() -> usize {
    Registry::load(&[] as &[PathBuf]).unwrap().rules.len()
}

/// The SARIF report of the findings on the JSON template.
#[divan::bench]
fn sarif(bencher: divan::Bencher) {
    let ctx = RunContext::new(&REGISTRY, &ALL_RULES, &ROOTS);
    let findings = check_bytes(PathBuf::from("template.json"), JSON.as_bytes().to_vec(), true, &ctx).findings;
    assert!(findings.len() > 100, "{} findings", findings.len());
    let files = vec![PathBuf::from("template.json")];
    let report = Report {
        findings: &findings,
        suppressed: &[],
        rules: REGISTRY.rules.iter().map(|r| &r.meta).collect(),
        files: &files,
        color: false,
        elapsed_ms: 0,
        artifacts: deploylint::extract::ArtifactCounts::default(),
        human: HumanOptions::default(),
    };
    bencher.counter(divan::counter::ItemsCount::new(findings.len())).bench(|| report.render(Format::Sarif).len());
}
