//! `deploylint policy` on the real binary, and the round trip the role cross-check promises: the
//! policy it prints, given to the role, leaves no `sfn/role-missing-permission`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn deploylint() -> Command {
    Command::cargo_bin("deploylint").expect("binary builds")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-policy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/role").join(path)
}

fn run(args: &[&str]) -> (String, String, i32) {
    let out = deploylint().args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap_or(-1))
}

#[test]
fn prints_the_policy_of_one_machine_with_resources_as_the_file_names_them() {
    let file = fixture("cfn-families/template.yaml");
    let (stdout, stderr, code) = run(&["policy", &format!("{}#Flow", file.display())]);
    assert_eq!(code, 0, "{stderr}");
    let policy: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(policy["Version"], "2012-10-17");
    let statements = policy["Statement"].as_array().unwrap();
    let text = stdout.replace(char::is_whitespace, "");
    assert!(text.contains(r#""Resource":[{"Fn::GetAtt":["Ship","Arn"]},{"Fn::GetAtt":["Bill","Arn"]}]"#), "{stdout}");
    assert!(text.contains("StepFunctionsGetEventsForStepFunctionsExecutionRule"), "{stdout}");
    assert!(!stdout.contains("${ShipArn}"), "placeholders are resolved: {stdout}");
    assert!(statements.iter().all(|s| s["Effect"] == "Allow"));
    // YAML for a CloudFormation template, intrinsics in their short form.
    let (yaml, _, code) = run(&["policy", &format!("{}#Flow", file.display()), "--format", "yaml"]);
    assert_eq!(code, 0);
    assert!(yaml.contains("- !GetAtt Ship.Arn"), "{yaml}");
}

#[test]
fn several_machines_are_labelled_and_a_missing_one_is_exit_2() {
    let file = fixture("sam-definition-uri/template.yaml");
    let (stdout, _, code) = run(&["policy", &file.display().to_string()]);
    assert_eq!(code, 0);
    let labelled: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for id in ["Flow", "Logged", "Elsewhere"] {
        assert!(labelled[id]["Statement"].is_array(), "{id}: {stdout}");
    }
    assert!(stdout.contains("logs:CreateLogDelivery"), "logging needs log delivery");
    let (_, stderr, code) = run(&["policy", &format!("{}#Nope", file.display())]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no state machine `Nope`"), "{stderr}");
    let (_, stderr, code) = run(&["policy", "no/such/file.yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

/// The printed policy, put in the role, leaves nothing missing.
#[test]
fn the_printed_policy_satisfies_the_cross_check() {
    let dir = temp_dir("round-trip");
    let template = std::fs::read_to_string(fixture("cfn-families/template.yaml")).unwrap();
    let (policy, _, code) = run(&["policy", &format!("{}#Flow", fixture("cfn-families/template.yaml").display())]);
    assert_eq!(code, 0);
    // The role's policies replaced by the printed one (JSON is YAML).
    let start = template.find("      Policies:").unwrap();
    let end = template.find("  QueuePolicy:").unwrap();
    let indented: String = policy.lines().flat_map(|l| ["            ", l, "\n"]).collect();
    let replaced = format!(
        "{}      Policies:\n        - PolicyName: least\n          PolicyDocument:\n{indented}{}",
        &template[..start],
        &template[end..]
    );
    std::fs::write(dir.join("template.yaml"), replaced).unwrap();
    let before =
        deploylint().args(["check", "--select", "sfn/role-missing-permission", "-q"]).arg(fixture("cfn-families")).output().unwrap();
    assert_eq!(before.status.code(), Some(1), "the fixture misses permissions");
    let after = deploylint().args(["check", "--select", "sfn/role-missing-permission", "-q"]).arg(&dir).output().unwrap();
    assert_eq!(after.status.code(), Some(0), "{}", String::from_utf8_lossy(&after.stdout));
}

/// A finding in a definition file shows its role, in the template, too.
#[test]
fn the_human_report_shows_the_role_in_the_template() {
    let dir = fixture("sam-definition-uri");
    let out = deploylint().args(["check", "--select", "sfn/role-missing-permission", "--color", "never", "-q"]).arg(&dir).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("statemachine/flow.asl.json:13:35"), "{stdout}");
    assert!(stdout.contains("sam-definition-uri/template.yaml:15:7"), "the role's place in the other file: {stdout}");
    assert!(stdout.contains("╰── the role"), "{stdout}");
}

/// A Terraform module's role is read from whichever `.tf` file of the folder defines it, with
/// the policies other files attach: the machine's file named alone gives the same finding, its
/// role placed in `iam.tf`, and the printed policy fixes it.
#[test]
fn a_terraform_role_in_another_file_of_the_module_is_cross_checked() {
    let dir = fixture("terraform-module-files");
    let machines = dir.join("machines.tf");
    // The role rules: logging, tracing and alarms are not this test's.
    let observability = "sfn/logging,sfn/tracing,sfn/failure-alarm,sfn/log-group-prefix";
    let out =
        deploylint().args(["check", "--format", "json", "--select", "sfn/", "--ignore", observability]).arg(&machines).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["rule"], "sfn/role-missing-permission");
    assert_eq!((finding["start"]["line"].as_u64(), finding["start"]["column"].as_u64()), (Some(29), Some(43)));
    let related = &finding["related"][0];
    assert!(related["file"].as_str().unwrap().ends_with("iam.tf"), "{related}");
    assert_eq!(related["start"]["line"], 31);
    assert_eq!(related["message"], "the role");

    // The policy printed for `bill`, attached in another file, leaves nothing missing.
    let (policy, _, code) = run(&["policy", &format!("{}#aws_sfn_state_machine.bill", machines.display())]);
    assert_eq!(code, 0);
    let work = temp_dir("module-files");
    for file in ["machines.tf", "functions.tf", "iam.tf", "policies.tf"] {
        std::fs::copy(dir.join(file), work.join(file)).unwrap();
    }
    let fixed =
        format!("resource \"aws_iam_role_policy\" \"bill\" {{\n  role   = aws_iam_role.bill.id\n  policy = <<EOF\n{policy}EOF\n}}\n");
    std::fs::write(work.join("fix.tf"), fixed).unwrap();
    let out = deploylint().args(["check", "--select", "sfn/role-missing-permission", "--format", "json"]).arg(&work).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report:#}");
}
