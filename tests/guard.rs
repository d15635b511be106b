//! AWS CloudFormation Guard rule files through the cfn-guard library: each failed clause a
//! `guard/<rule>` finding at the line and column of the node it failed on, in a YAML template,
//! a JSON template, a Terraform plan and, when asked, inside an embedded state machine; Guard
//! parse errors are exit 2; severities come from the configuration like any rule's.

#![cfg(feature = "guard")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-guard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const RULES: &str = r"
let machines = Resources.*[ Type == 'AWS::StepFunctions::StateMachine' ]

rule sfn_tracing when %machines !empty {
    %machines.Properties.TracingConfiguration.Enabled == true
    <<
        Violation: state machines send traces to X-Ray
    >>
}

rule sfn_logging when %machines !empty {
    %machines.Properties.LoggingConfiguration exists
}
";

/// A finding: rule, line, column, severity.
type Row = (String, u64, u64, String);

/// The Guard findings of a check, sorted; its exit code and standard error.
fn run(dir: &Path, args: &[&str]) -> (Vec<Row>, i32, String) {
    let out = Command::cargo_bin("deploylint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "json", "--isolated"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    let Ok(report) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else { return (Vec::new(), code, stderr) };
    let mut found: Vec<Row> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("guard/"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    (found, code, stderr)
}

fn row(rule: &str, line: u64, column: u64) -> Row {
    (rule.to_string(), line, column, "error".to_string())
}

#[test]
fn failures_in_a_yaml_template_are_at_their_lines() {
    let dir = temp_dir("yaml");
    std::fs::write(dir.join("rules.guard"), RULES).unwrap();
    std::fs::write(
        dir.join("template.yaml"),
        "Resources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: arn:aws:iam::123456789012:role/flow\n      TracingConfiguration:\n        Enabled: false\n      Definition: {StartAt: A, States: {A: {Type: Succeed}}}\n  Bucket:\n    Type: AWS::S3::Bucket\n",
    )
    .unwrap();
    let (found, code, stderr) = run(&dir, &["template.yaml", "--guard-rules", "rules.guard"]);
    assert_eq!(code, 1, "{stderr}");
    // The value compared, and the key of the object a missing key was looked for in.
    assert_eq!(found, [row("guard/sfn_logging", 4, 5), row("guard/sfn_tracing", 7, 18)]);
    // A compliant template: nothing.
    std::fs::write(
        dir.join("good.yaml"),
        "Resources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      TracingConfiguration: {Enabled: true}\n      LoggingConfiguration: {Level: ALL}\n",
    )
    .unwrap();
    let (found, _, _) = run(&dir, &["good.yaml", "--guard-rules", "rules.guard"]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn failures_in_a_json_template_and_a_plan_are_at_their_places() {
    let dir = temp_dir("json");
    std::fs::write(dir.join("rules.guard"), RULES).unwrap();
    let template = "{\n  \"Resources\": {\n    \"Flow\": {\n      \"Type\": \"AWS::StepFunctions::StateMachine\",\n      \"Properties\": {\n        \"TracingConfiguration\": {\"Enabled\": false},\n        \"LoggingConfiguration\": {\"Level\": \"ALL\"}\n      }\n    }\n  }\n}\n";
    std::fs::write(dir.join("template.json"), template).unwrap();
    let (found, _, stderr) = run(&dir, &["template.json", "--guard-rules", "rules.guard"]);
    assert_eq!(found, [row("guard/sfn_tracing", 6, 45)], "{stderr}");

    let plan_rules = "let machines = planned_values.root_module.resources[ type == 'aws_sfn_state_machine' ]\nrule tf_tracing when %machines !empty {\n    %machines.values.tracing_configuration[*].enabled == true\n}\n";
    std::fs::write(dir.join("plan.guard"), plan_rules).unwrap();
    let plan = "{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {\"resources\": [\n  {\"address\": \"aws_sfn_state_machine.a\", \"mode\": \"managed\", \"type\": \"aws_sfn_state_machine\", \"name\": \"a\", \"values\": {\"name\": \"a\", \"definition\": \"{\\\"StartAt\\\": \\\"A\\\", \\\"States\\\": {\\\"A\\\": {\\\"Type\\\": \\\"Succeed\\\"}}}\", \"tracing_configuration\": [{\"enabled\": false}]}}\n]}}}\n";
    std::fs::write(dir.join("plan.json"), plan).unwrap();
    let (found, _, stderr) = run(&dir, &["plan.json", "--guard-rules", "plan.guard"]);
    let column = plan.lines().nth(1).unwrap().find("false").unwrap() as u64 + 1;
    assert_eq!(found, [row("guard/tf_tracing", 2, column)], "{stderr}");
}

#[test]
fn state_machines_are_guarded_as_their_own_documents_when_asked() {
    let dir = temp_dir("embedded");
    let rules = "let tasks = States.*[ Type == 'Task' ]\nrule task_timeouts when %tasks !empty {\n    %tasks.TimeoutSeconds exists\n}\n";
    std::fs::write(dir.join("asl.guard"), rules).unwrap();
    let definition = r#"{\"StartAt\": \"Call\", \"States\": {\"Call\": {\"Type\": \"Task\", \"Resource\": \"arn:aws:states:::lambda:invoke\", \"End\": true}}}"#;
    let template = format!(
        "{{\n  \"Resources\": {{\n    \"Flow\": {{\n      \"Type\": \"AWS::StepFunctions::StateMachine\",\n      \"Properties\": {{\n        \"DefinitionString\": \"{definition}\"\n      }}\n    }}\n  }}\n}}\n"
    );
    std::fs::write(dir.join("template.json"), &template).unwrap();
    // Templates only, by default: this rule does not apply to one.
    let (found, _, _) = run(&dir, &["template.json", "--guard-rules", "asl.guard"]);
    assert!(found.is_empty(), "{found:?}");
    let (found, _, stderr) = run(&dir, &["template.json", "--guard-rules", "asl.guard", "--guard-documents", "asl"]);
    // At the state's name, inside the string.
    let column = template.lines().nth(5).unwrap().find(r#"\"Call\": {"#).unwrap() as u64 + 1;
    assert_eq!(found, [row("guard/task_timeouts", 6, column)], "{stderr}");
}

#[test]
fn guard_files_errors_and_severities() {
    let dir = temp_dir("errors");
    std::fs::write(dir.join("bad.guard"), "rule broken {\n    Resources.*.Type ==\n").unwrap();
    std::fs::write(dir.join("template.yaml"), "Resources:\n  B:\n    Type: AWS::S3::Bucket\n").unwrap();
    let (_, code, stderr) = run(&dir, &["template.yaml", "--guard-rules", "bad.guard"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("bad.guard:2:"), "the file, line and column: {stderr}");
    // A folder of Guard files, and a severity from the configuration.
    std::fs::create_dir_all(dir.join("guard")).unwrap();
    std::fs::write(dir.join("guard/sfn.guard"), RULES).unwrap();
    std::fs::write(
        dir.join("flow.yaml"),
        "Resources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      TracingConfiguration: {Enabled: false}\n      LoggingConfiguration: {Level: ALL}\n",
    )
    .unwrap();
    std::fs::write(dir.join("deploylint.toml"), "guard-rules = [\"guard\"]\n[severity]\n\"guard/sfn_tracing\" = \"warning\"\n").unwrap();
    let out =
        Command::cargo_bin("deploylint").unwrap().current_dir(&dir).args(["check", "flow.yaml", "--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let guard: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("guard/"))
        .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(guard, [("guard/sfn_tracing", "warning")]);
    // Ignored like any rule.
    let (found, _, _) = run(&dir, &["flow.yaml", "--guard-rules", "guard", "--ignore", "guard/sfn_tracing"]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn the_example_guard_file_runs() {
    let guard = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules/guard");
    let dir = temp_dir("example");
    std::fs::write(
        dir.join("template.yaml"),
        "Resources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      LoggingConfiguration:\n        Level: FATAL\n      TracingConfiguration:\n        Enabled: true\n      Tags:\n        - {Key: owner, Value: payments}\n",
    )
    .unwrap();
    let (found, _, stderr) = run(&dir, &["template.yaml", "--guard-rules", guard.to_str().unwrap()]);
    assert_eq!(found, [row("guard/STEP_FUNCTIONS_STATE_MACHINE_LOGGING_ENABLED", 6, 16)], "{stderr}");
}
