//! Hostile inputs: small files that once exhausted memory or time, rule directories that
//! pointed outside, and output that could steer a terminal or a CI log. Each runs the real
//! binary under an address-space limit (`ulimit -v`) and a CPU-time limit (`ulimit -t`) far
//! above what a correct run needs and far below what the defect took, so a regression fails
//! by being killed, not by a timing threshold. Sizes and the figures of the defects are in
//! benches/hostile.py, which measures them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_deploylint"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deploylint-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary with at most `mib` MiB of address space and `seconds` of CPU time.
fn run_limited(mib: u64, seconds: u64, args: &[&str], cwd: &Path) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {}; ulimit -t {seconds}; exec \"$@\"", mib * 1024))
        .arg("sh")
        .arg(binary())
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn json_report(output: &Output) -> serde_json::Value {
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?} (killed by a limit?), stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

fn rules_of(report: &serde_json::Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

fn count(report: &serde_json::Value, rule: &str) -> usize {
    rules_of(report).iter().filter(|r| *r == rule).count()
}

/// A state machine with `n` Task states, none with Retry or TimeoutSeconds.
fn bare_tasks(n: usize) -> String {
    let mut text = String::from("{\"StartAt\": \"T0\", \"States\": {");
    for i in 0..n {
        let next = if i + 1 < n { format!("\"Next\": \"T{}\"", i + 1) } else { "\"End\": true".into() };
        let _ = write!(
            text,
            "{}\"T{i}\": {{\"Type\": \"Task\", \"Resource\": \"arn:aws:states:::lambda:invoke\", {next}}}",
            if i > 0 { ", " } else { "" }
        );
    }
    text.push_str("}}");
    text
}

#[test]
fn a_join_that_repeats_a_long_delimiter_is_one_limit_finding() {
    let dir = temp_dir("join");
    // 20,000-byte delimiter × 8,000 pieces: 160 MB of text from a 180 KB template.
    let pieces = vec!["a"; 8_000].join(", ");
    let template = format!(
        "Resources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionString: !Join [\"{}\", [{pieces}]]\n",
        "x".repeat(20_000)
    );
    std::fs::write(dir.join("join.yaml"), template).unwrap();
    // The delimiter as an alias of a 1 MB string.
    let pieces = vec!["\"b\""; 5_000].join(", ");
    let aliased = format!(
        "Metadata:\n  Long: &d \"{}\"\nResources:\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionString:\n        Fn::Join: [*d, [{pieces}]]\n",
        "y".repeat(1_000_000)
    );
    std::fs::write(dir.join("alias.yaml"), aliased).unwrap();
    std::fs::write(dir.join("good.asl.json"), bare_tasks(1)).unwrap();
    let report = json_report(&run_limited(1024, 60, &["check", ".", "--format", "json"], &dir));
    let limits: Vec<&serde_json::Value> = report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "parse/limit").collect();
    assert_eq!(limits.len(), 2, "{report:#}");
    for finding in limits {
        assert!(finding["message"].as_str().unwrap().contains("Fn::Join"), "{finding}");
    }
    assert_eq!(count(&report, "asl/task-retry"), 1, "the good file's findings are intact");
}

#[test]
fn anchors_that_no_alias_uses_are_not_copied() {
    let dir = temp_dir("anchors");
    // Nested anchored sequences, 250 levels deep with eight items each, 70 times: 480 KB and no
    // alias at all (copying every anchored node took 800 MB).
    let mut text = String::new();
    for block in 0..70 {
        let _ = write!(text, "k{block}: ");
        for level in 0..250 {
            let _ = write!(text, "&a{block}x{level} [0,0,0,0,0,0,0,0, ");
        }
        text.push('0');
        text.push_str(&"]".repeat(250));
        text.push('\n');
    }
    text.push_str("StartAt: A\nStates:\n  A: {Type: Task, Resource: 'arn:aws:states:::lambda:invoke', End: true}\n");
    std::fs::write(dir.join("anchored.asl.yaml"), &text).unwrap();
    let report = json_report(&run_limited(512, 60, &["check", "anchored.asl.yaml", "--format", "json"], &dir));
    assert_eq!(count(&report, "asl/task-retry"), 1, "{report:#}");
    assert_eq!(count(&report, "parse/limit"), 0, "{report:#}");
}

#[test]
fn a_long_state_name_above_many_states_is_not_copied_into_each() {
    let dir = temp_dir("state-path");
    let name = "P".repeat(200_000);
    let branch = bare_tasks(10_000);
    let text = format!(
        "{{\"StartAt\": \"{name}\", \"States\": {{\"{name}\": {{\"Type\": \"Parallel\", \"End\": true, \"Branches\": [{branch}]}}}}}}"
    );
    std::fs::write(dir.join("deep.asl.json"), text).unwrap();
    let report = json_report(&run_limited(1024, 60, &["check", "deep.asl.json", "--format", "json"], &dir));
    // Capped at 1,000 per rule, with one note for the rest.
    assert_eq!(count(&report, "asl/task-retry"), 1_000);
    // One for each rule capped: task-retry and task-timeout.
    assert_eq!(count(&report, "deploylint/too-many-findings"), 2, "{}", report["summary"]);
    let note = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "deploylint/too-many-findings").unwrap();
    // An analyzer stops looking at the limit (a declarative rule counts the rest).
    assert!(note["message"].as_str().unwrap().contains("there may be more"), "{note}");
}

#[test]
fn a_definition_named_by_many_resources_is_read_and_checked_once() {
    let dir = temp_dir("definition-uri");
    std::fs::create_dir_all(dir.join("sam")).unwrap();
    std::fs::create_dir_all(dir.join("statemachine")).unwrap();
    // 40,000 Task states (about 4.5 MB), named by 30 resources.
    std::fs::write(dir.join("statemachine/big.asl.json"), bare_tasks(40_000)).unwrap();
    let mut template = String::from("Transform: AWS::Serverless-2016-10-31\nResources:\n");
    for i in 0..30 {
        let _ = writeln!(
            template,
            "  Flow{i}:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: ../statemachine/big.asl.json"
        );
    }
    std::fs::write(dir.join("sam/template.yaml"), template).unwrap();
    // Only the template is named: the definition is reached through DefinitionUri alone.
    let report = json_report(&run_limited(
        1024,
        60,
        &["check", "sam/template.yaml", "--format", "json", "--max-findings-per-rule", "0", "--max-findings-per-file", "0"],
        &dir,
    ));
    assert_eq!(count(&report, "asl/task-retry"), 40_000, "each state once");
    assert_eq!(report["summary"]["artifacts"]["state_machines"], 1);
    let retry = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "asl/task-retry").unwrap();
    let file = retry["file"].as_str().unwrap();
    assert_eq!(file, "statemachine/big.asl.json");
}

#[test]
fn the_human_report_costs_the_same_per_finding_whatever_the_file_size() {
    let dir = temp_dir("human");
    // 20,000 Task states in one file: 40,000 warnings, each shown with its snippet (and 20,001
    // notes, not shown).
    std::fs::write(dir.join("many.asl.json"), bare_tasks(20_000)).unwrap();
    // A one-line 8 MB plan of non-ASCII text with 1,000 findings at its end.
    let filler = "漢🦀é".repeat(900_000);
    let resource = r#"{"address": "aws_iam_policy.pN", "mode": "managed", "type": "aws_iam_policy", "values": {"policy": "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}"}}"#;
    let resources: Vec<String> = (0..1_000).map(|i| resource.replace("pN", &format!("p{i}"))).collect();
    let plan = format!(
        "{{\"format_version\": \"1.2\", \"filler\": \"{filler}\", \"planned_values\": {{\"root_module\": {{\"resources\": [{}]}}}}}}",
        resources.join(", ")
    );
    std::fs::write(dir.join("plan.json"), &plan).unwrap();
    let output = run_limited(
        1024,
        60,
        &["check", ".", "--format", "human", "--color", "never", "--max-findings-per-rule", "0", "--max-findings-per-file", "0"],
        &dir,
    );
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("Found 61002 problems (1001 errors, 40000 warnings, 20001 notes)"),
        "{}",
        &text[text.len().saturating_sub(400)..]
    );
    // The one-line plan is shown as a window around each finding, not as its 8 MB line, and
    // at the column the JSON report gives.
    assert!(text.len() < 41_000 * 2_000, "report is {} bytes", text.len());
    let report = json_report(&run_limited(1024, 60, &["check", "plan.json", "--format", "json"], &dir));
    let offset = usize::try_from(report["findings"][0]["start"]["offset"].as_u64().unwrap()).unwrap();
    let column = plan[..offset].chars().count() + 1;
    assert_eq!(report["findings"][0]["start"]["column"], column);
    let place = format!("plan.json:1:{column}]");
    assert!(text.contains(&place), "no header {place}");
}

#[test]
fn rule_directories_are_confined() {
    let dir = temp_dir("rules");
    std::fs::write(dir.join("good.asl.json"), bare_tasks(1)).unwrap();
    std::fs::write(dir.join("secret.txt"), "id: x/y\nTOP-SECRET-CONTENT\n").unwrap();
    let cases: [(&str, &[(&str, &str)]); 3] = [
        ("outside", &[("x.yaml", "../secret.txt")]),
        ("device", &[("zero.yaml", "/dev/zero")]),
        ("loop", &[("a.yaml", "b.yaml"), ("b.yaml", "a.yaml")]),
    ];
    for (case, links) in cases {
        let rules = dir.join(case);
        std::fs::create_dir_all(&rules).unwrap();
        for (name, target) in links {
            std::os::unix::fs::symlink(target, rules.join(name)).unwrap();
        }
        let output = run_limited(512, 20, &["check", "good.asl.json", "--rules", case], &dir);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{case}: {stderr}");
        assert!(stderr.contains(case), "{case}: the error names the file: {stderr}");
        assert!(!stderr.contains("TOP-SECRET"), "{case}: {stderr}");
    }
    // A FIFO named like a rule file is refused without being opened (an open would block).
    let fifo = dir.join("fifo");
    std::fs::create_dir_all(&fifo).unwrap();
    let made = Command::new("mkfifo").arg(fifo.join("pipe.yaml")).status().is_ok_and(|s| s.success());
    if made {
        let output = run_limited(512, 20, &["check", "good.asl.json", "--rules", "fifo"], &dir);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("fifo/pipe.yaml") && stderr.contains("not a regular file"), "{stderr}");
    }
    // A link inside the directory is followed.
    let inside = dir.join("inside");
    std::fs::create_dir_all(inside.join("real")).unwrap();
    let text = std::fs::read_to_string("rules/asl/execution-timeout.yaml")
        .unwrap()
        .replace("id: asl/execution-timeout", "id: custom/execution-timeout");
    std::fs::write(inside.join("real/custom.txt"), text).unwrap();
    std::os::unix::fs::symlink("real/custom.txt", inside.join("link.yaml")).unwrap();
    // A directory reached twice (through a link) is read once.
    std::os::unix::fs::symlink("real", inside.join("again")).unwrap();
    let output = run_limited(512, 20, &["check", "good.asl.json", "--rules", "inside", "--format", "json"], &dir);
    let report = json_report(&output);
    assert_eq!(count(&report, "custom/execution-timeout"), 1, "{report}");
}

#[test]
fn control_characters_from_input_are_shown_escaped() {
    let dir = temp_dir("control");
    // A state name with escapes (valid YAML), and a raw ESC and CR where YAML refuses them.
    let flow = "StartAt: \"\\e[31mred\\r\"\nStates:\n  \"\\e[31mred\\r\":\n    Type: Task\n    Resource: arn:aws:states:::lambda:invoke\n    End: true\n";
    std::fs::write(dir.join("flow.asl.yaml"), flow).unwrap();
    std::fs::write(dir.join("broken.asl.yaml"), "StartAt: A\nStates:  # raw \u{1b}[2J and \r here\n  A: {Type: Succeed}\n").unwrap();
    std::fs::write(dir.join("ctl\n::error::pwned.asl.json"), bare_tasks(1)).unwrap();
    for format in ["human", "github", "junit"] {
        let output = run_limited(512, 20, &["check", ".", "--format", format, "--color", "never"], &dir);
        assert_eq!(output.status.code(), Some(1));
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(!text.contains('\u{1b}'), "{format}: raw ESC in {text}");
        assert!(!text.contains('\r'), "{format}: raw CR in {text}");
        assert!(text.contains("\\x1b[31mred"), "{format}: {text}");
        for line in text.lines() {
            assert!(!line.starts_with("::error::") && !line.starts_with("::add-mask"), "{format}: {line}");
        }
    }
}

#[test]
fn many_findings_are_capped_and_counted() {
    let dir = temp_dir("many");
    let statement = r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#;
    let policy = format!("{{\"Version\": \"2012-10-17\", \"Statement\": [{}]}}", vec![statement; 200_000].join(", "));
    std::fs::write(dir.join("policy.json"), policy).unwrap();
    let output = run_limited(1024, 60, &["check", "policy.json", "--format", "json"], &dir);
    assert!(output.stdout.len() < 4 << 20, "report is {} bytes", output.stdout.len());
    let report = json_report(&output);
    assert_eq!(count(&report, "iam/wildcard-action"), 1_000);
    let note = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "deploylint/too-many-findings").unwrap();
    assert!(note["message"].as_str().unwrap().contains("199000 more"), "{note}");
    // The note points at the first statement left out.
    assert!(note["start"]["offset"].as_u64().unwrap() > 1_000 * statement.len() as u64);
    // SARIF too: one result per finding kept.
    let output = run_limited(1024, 60, &["check", "policy.json", "--format", "sarif", "--max-findings-per-rule", "10"], &dir);
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 11);
}

#[test]
fn big_files_take_a_small_multiple_of_their_size_and_run_one_at_a_time() {
    let dir = temp_dir("big");
    // A 60 MB array of zeros: 40 bytes of tree per 2 bytes of text, stopped by the tree budget.
    let mut dense = String::with_capacity(60_000_100);
    dense.push_str("{\"StartAt\": \"A\", \"States\": {}, \"Zeros\": [");
    dense.push_str(&"0,".repeat(29_999_999));
    dense.push_str("0]}");
    std::fs::write(dir.join("dense.json"), &dense).unwrap();
    drop(dense);
    // Three 40 MB plans, checked in one run.
    let resource = r#"{"address": "aws_iam_policy.pN", "mode": "managed", "type": "aws_iam_policy", "name": "pN", "values": {"name": "pN", "path": "/", "policy": "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}"}}"#;
    let resources: Vec<String> = (0..40_000_000 / resource.len()).map(|i| resource.replace("pN", &format!("p{i}"))).collect();
    let plan =
        format!("{{\"format_version\": \"1.2\", \"planned_values\": {{\"root_module\": {{\"resources\": [{}]}}}}}}", resources.join(","));
    drop(resources);
    for i in 0..3 {
        std::fs::write(dir.join(format!("plan{i}.json")), &plan).unwrap();
    }
    let output = run_limited(2048, 120, &["check", ".", "--format", "json"], &dir);
    let report = json_report(&output);
    assert_eq!(count(&report, "parse/limit"), 1, "{report:#}");
    assert_eq!(report["summary"]["artifacts"]["plans"], 3);
    assert!(report["summary"]["artifacts"]["policies"].as_u64().unwrap() > 300_000);
}

/// Runs the binary as a user without privileges: as root (CI containers), through `setpriv`
/// as `nobody`; `None` when that is not possible here.
fn run_unprivileged(args: &[&str], cwd: &Path) -> Option<Output> {
    let probe = std::env::temp_dir().join(format!("deploylint-hostile-probe-{}", std::process::id()));
    std::fs::create_dir_all(&probe).unwrap();
    set_mode(&probe, 0o000);
    let privileged = std::fs::read_dir(&probe).is_ok();
    set_mode(&probe, 0o755);
    let _ = std::fs::remove_dir(&probe);
    if !privileged {
        return Some(run_limited(512, 20, args, cwd));
    }
    let as_nobody = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(binary())
            .args(args)
            .current_dir(cwd)
            .output()
            .ok()
    };
    as_nobody(&["--version"]).filter(|o| o.status.success())?;
    as_nobody(args)
}

#[test]
fn an_unreadable_directory_fails_the_run() {
    let dir = temp_dir("unreadable");
    set_mode(&dir, 0o755);
    std::fs::create_dir_all(dir.join("locked")).unwrap();
    std::fs::write(dir.join("locked/flow.asl.json"), bare_tasks(1)).unwrap();
    std::fs::write(dir.join("closed.asl.json"), bare_tasks(1)).unwrap();
    set_mode(&dir.join("locked"), 0o000);
    set_mode(&dir.join("closed.asl.json"), 0o000);
    let walked = run_unprivileged(&["check", "locked", "--format", "json"], &dir);
    // Named explicitly, a file that cannot be read says so, not "no such file".
    let named = run_unprivileged(&["check", "closed.asl.json", "--format", "json"], &dir);
    let inside = run_unprivileged(&["check", "locked/flow.asl.json", "--format", "json"], &dir);
    set_mode(&dir.join("locked"), 0o755);
    let (Some(walked), Some(named), Some(inside)) = (walked, named, inside) else {
        println!("note: no way to run without privileges here; the unreadable-directory case is not tested");
        return;
    };
    let report = json_report(&walked);
    assert_eq!(walked.status.code(), Some(1));
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "parse/io");
    assert!(finding["message"].as_str().unwrap().contains("permission denied"), "{finding}");
    let report = json_report(&named);
    assert!(report["findings"][0]["message"].as_str().unwrap().contains("permission denied"), "{report}");
    // A path below a directory that cannot be read is a usage error that says why.
    assert_eq!(inside.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&inside.stderr).contains("permission denied"), "{}", String::from_utf8_lossy(&inside.stderr));
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_backslash_in_a_file_name_is_kept() {
    let dir = temp_dir("backslash");
    std::fs::write(dir.join("a\\b.asl.json"), bare_tasks(1)).unwrap();
    let report = json_report(&run_limited(512, 20, &["check", ".", "--format", "json"], &dir));
    assert_eq!(report["findings"][0]["file"], "a\\b.asl.json");
    let output = run_limited(512, 20, &["check", ".", "--format", "sarif"], &dir);
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "a%5Cb.asl.json");
}

#[test]
fn a_report_that_cannot_be_written_exits_2() {
    if !Path::new("/dev/full").exists() {
        println!("note: no /dev/full here; the failed-write case is not testable");
        return;
    }
    let dir = temp_dir("full");
    std::fs::write(dir.join("flow.asl.json"), bare_tasks(200)).unwrap();
    let output = run_limited(512, 20, &["check", ".", "--output", "/dev/full"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write the report to /dev/full"));
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let output = Command::new(binary()).args(["check", "."]).current_dir(&dir).stdout(full).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write the report to standard output"));
}

#[test]
fn a_definition_uri_outside_the_tree_reveals_nothing_about_it() {
    let dir = temp_dir("outside");
    std::fs::create_dir_all(dir.join("repo/sam")).unwrap();
    std::fs::write(dir.join("exists.json"), bare_tasks(1)).unwrap();
    let template = "Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: ../../exists.json\n  B:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: ../../missing.json\n  C:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: /etc/passwd\n";
    std::fs::write(dir.join("repo/sam/template.yaml"), template).unwrap();
    // The state machines' logging and tracing are not this test's.
    let args = ["check", ".", "--format", "json", "--ignore", "sfn/logging,sfn/tracing"];
    let report = json_report(&run_limited(512, 20, &args, &dir.join("repo")));
    // The messages differ only in the resource and the path they quote.
    let shape = |message: &str| -> String {
        let parts: Vec<&str> = message.split('`').collect();
        parts.iter().enumerate().map(|(i, p)| if i % 2 == 1 { "…" } else { p }).collect::<Vec<_>>().join("`")
    };
    let messages: Vec<String> = report["findings"].as_array().unwrap().iter().map(|f| shape(f["message"].as_str().unwrap())).collect();
    assert_eq!(messages.len(), 3, "{report:#}");
    assert!(messages.iter().all(|m| m == &messages[0] && m.contains("outside the checked tree")), "{messages:#?}");
}

#[test]
fn utf16_that_cannot_be_decoded_is_an_encoding_finding() {
    let dir = temp_dir("utf16");
    let mut odd = vec![0xFF, 0xFE];
    odd.extend("{\"StartAt\": \"A\"}".encode_utf16().flat_map(u16::to_le_bytes));
    odd.push(b'x');
    std::fs::write(dir.join("odd.json"), odd).unwrap();
    let mut surrogate = vec![0xFF, 0xFE];
    surrogate.extend("{\"a\": \"".encode_utf16().flat_map(u16::to_le_bytes));
    surrogate.extend([0x00, 0xD8, b'"', 0, b'}', 0]);
    std::fs::write(dir.join("surrogate.json"), surrogate).unwrap();
    let report = json_report(&run_limited(512, 20, &["check", "odd.json", "surrogate.json", "--format", "json"], &dir));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{report:#}");
    assert!(findings.iter().all(|f| f["rule"] == "parse/encoding"));
    assert!(findings[0]["message"].as_str().unwrap().contains("lone byte"), "{}", findings[0]);
    assert!(findings[1]["message"].as_str().unwrap().contains("not valid UTF-16"), "{}", findings[1]);
}

/// The ASL analyzers on definitions built to make them quadratic: 10,000 Parallel branches
/// and 30,000 states that each name a missing state, 200 KB unknown keys, JSONata and
/// intrinsic functions nested 50,000 deep. Each finishes within its limits, with capped
/// findings and the note for the rest.
#[test]
fn spec_analyzers_stay_linear_on_hostile_definitions() {
    let dir = temp_dir("asl-spec");
    let branches: Vec<String> = (0..10_000)
        .map(|i| format!("{{\"StartAt\": \"S{i}\", \"States\": {{\"S{i}\": {{\"Type\": \"Pass\", \"Next\": \"Missing{i}\"}}}}}}"))
        .collect();
    let parallel = format!(
        "{{\"StartAt\": \"P\", \"States\": {{\"P\": {{\"Type\": \"Parallel\", \"End\": true, \"Branches\": [{}]}}}}}}",
        branches.join(",")
    );
    std::fs::write(dir.join("branches.asl.json"), parallel).unwrap();
    let states: Vec<String> = (0..30_000).map(|i| format!("\"S{i}\": {{\"Type\": \"Pass\", \"Next\": \"T{i}\"}}")).collect();
    std::fs::write(dir.join("states.asl.json"), format!("{{\"StartAt\": \"S0\", \"States\": {{{}}}}}", states.join(","))).unwrap();
    let long_keys: Vec<String> =
        (0..2).map(|i| format!("\"S{i}\": {{\"Type\": \"Pass\", \"End\": true, \"{}{i}\": 1}}", "K".repeat(200_000))).collect();
    std::fs::write(dir.join("keys.asl.json"), format!("{{\"StartAt\": \"S0\", \"States\": {{{}}}}}", long_keys.join(","))).unwrap();
    let nested = format!(
        "{{\"StartAt\": \"A\", \"States\": {{\"A\": {{\"Type\": \"Pass\", \"QueryLanguage\": \"JSONata\", \"Output\": \"{{% {} %}}\", \"Next\": \"B\"}}, \
         \"B\": {{\"Type\": \"Pass\", \"Parameters\": {{\"x.$\": \"{}\"}}, \"End\": true}}}}}}",
        "(".repeat(50_000),
        "States.Array(".repeat(50_000)
    );
    std::fs::write(dir.join("nested.asl.json"), nested).unwrap();
    let output = run_limited(1024, 10, &["check", ".", "--format", "json"], &dir);
    let report = json_report(&output);
    assert_eq!(count(&report, "asl/transition"), 1000 + 1000, "capped per file and rule: {:?}", report["summary"]);
    assert!(count(&report, "deploylint/too-many-findings") >= 2);
    assert_eq!(count(&report, "asl/unknown-field"), 2);
    assert_eq!(count(&report, "asl/jsonata"), 1);
    assert_eq!(count(&report, "asl/intrinsic-function"), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// The resilience analyzers stay linear: 20,000 top-level Parallels each running a Task (which
/// of them hold a Task is worked out once, not per state), and an Express machine of one
/// 30,000-Wait path and one 30,000-state loop (path sums and cycles in one walk each).
#[test]
fn resilience_analyzers_stay_linear_on_hostile_definitions() {
    let dir = temp_dir("resilience");
    let parallels: Vec<String> = (0..20_000)
        .map(|i| {
            let next = if i + 1 < 20_000 { format!("\"Next\": \"P{}\"", i + 1) } else { "\"End\": true".into() };
            format!(
                "\"P{i}\": {{\"Type\": \"Parallel\", {next}, \"Branches\": [{{\"StartAt\": \"T\", \"States\": {{\"T\": {{\"Type\": \"Task\", \"Resource\": \"arn:aws:states:::sns:publish\", \"End\": true}}}}}}]}}"
            )
        })
        .collect();
    std::fs::write(dir.join("parallels.asl.json"), format!("{{\"StartAt\": \"P0\", \"States\": {{{}}}}}", parallels.join(","))).unwrap();
    let waits: Vec<String> = (0..30_000)
        .map(|i| {
            let next = if i + 1 < 30_000 { format!("\"Next\": \"W{}\"", i + 1) } else { "\"End\": true".into() };
            format!("\"W{i}\": {{\"Type\": \"Wait\", \"Seconds\": 1, {next}}}")
        })
        .collect();
    let looped: Vec<String> =
        (0..30_000).map(|i| format!("\"L{i}\": {{\"Type\": \"Pass\", \"Next\": \"L{}\"}}", (i + 1) % 30_000)).collect();
    let template = format!(
        "{{\"Resources\": {{\"Waits\": {{\"Type\": \"AWS::StepFunctions::StateMachine\", \"Properties\": {{\"StateMachineType\": \"EXPRESS\", \"RoleArn\": \"arn:aws:iam::1:role/r\", \"Definition\": {{\"StartAt\": \"W0\", \"States\": {{{}}}}}}}}}, \
         \"Loop\": {{\"Type\": \"AWS::StepFunctions::StateMachine\", \"Properties\": {{\"RoleArn\": \"arn:aws:iam::1:role/r\", \"Definition\": {{\"StartAt\": \"L0\", \"States\": {{{}}}}}}}}}}}}}",
        waits.join(","),
        looped.join(",")
    );
    std::fs::write(dir.join("template.json"), template).unwrap();
    let output =
        run_limited(1024, 20, &["check", ".", "--format", "json", "--max-findings-per-rule", "0", "--max-findings-per-file", "0"], &dir);
    let report = json_report(&output);
    assert_eq!(count(&report, "asl/catch-fallback"), 20_000);
    assert_eq!(count(&report, "asl/express-duration"), 1, "the 30,000 s of waits, once");
    assert_eq!(count(&report, "asl/unbounded-loop"), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// Terraform configuration: hcl-edit's tree takes up to 80 times its text, so a `.tf` file over
/// 1 MiB is a `parse/limit` finding, and a folder of 1 MiB files (one with `locals` the module
/// reads) is checked within the memory of any other run.
#[test]
fn terraform_files_are_checked_within_bounded_memory() {
    let dir = temp_dir("terraform");
    let array = |n: usize| vec!["1"; n].join(",");
    for i in 0..6 {
        std::fs::write(
            dir.join(format!("arr{i}.tf")),
            format!("resource \"aws_s3_bucket\" \"b{i}\" {{\n  tags = [{}]\n}}\n", array(500_000)),
        )
        .unwrap();
    }
    std::fs::write(dir.join("locals.tf"), format!("locals {{\n  a = [{}]\n}}\n", array(500_000))).unwrap();
    std::fs::write(dir.join("huge.tf"), format!("locals {{\n  a = [{}]\n}}\n", array(600_000))).unwrap();
    std::fs::write(
        dir.join("policy.tf"),
        "resource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Action = \"*\", Resource = \"*\"}]})\n}\n",
    )
    .unwrap();
    // A state machine: its role is looked for in every file of the module, whose large
    // resources keep only their names.
    std::fs::write(
        dir.join("sfn.tf"),
        "resource \"aws_sfn_state_machine\" \"m\" {\n  role_arn = aws_iam_role.r.arn\n  definition = jsonencode({StartAt = \"A\", States = {A = {Type = \"Task\", Resource = \"arn:aws:states:::sqs:sendMessage\", Parameters = {QueueUrl = \"q\", MessageBody = \"x\"}, End = true}}})\n}\nresource \"aws_iam_role\" \"r\" {\n  assume_role_policy = \"{}\"\n}\n",
    )
    .unwrap();
    let report = json_report(&run_limited(1024, 60, &["check", ".", "--format", "json"], &dir));
    let rules = rules_of(&report);
    assert_eq!(rules.iter().filter(|r| *r == "parse/limit").count(), 1, "{rules:?}");
    assert!(rules.contains(&"iam/wildcard-action".to_string()), "{rules:?}");
    assert!(rules.contains(&"sfn/role-missing-permission".to_string()), "{rules:?}");
}

/// A template of thousands of roles and dozens of state machines: each machine's role context
/// costs its own role, not every role of the file again (it took minutes when it did).
#[test]
fn many_roles_and_machines_stay_linear() {
    let dir = temp_dir("many-roles");
    let mut resources = Vec::new();
    for i in 0..7000 {
        resources.push(format!(
            r#""R{i}": {{"Type": "AWS::IAM::Role", "Properties": {{"Policies": [{{"PolicyDocument": {{"Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}]}}}}]}}}}"#
        ));
    }
    for i in 0..60 {
        resources.push(format!(
            r#""M{i}": {{"Type": "AWS::StepFunctions::StateMachine", "Properties": {{"RoleArn": {{"Fn::GetAtt": ["R{i}", "Arn"]}}, "Definition": {{"StartAt": "A", "States": {{"A": {{"Type": "Pass", "End": true}}}}}}}}}}"#
        ));
    }
    std::fs::write(dir.join("template.json"), format!("{{\"Resources\": {{{}}}}}", resources.join(", "))).unwrap();
    let report = json_report(&run_limited(1024, 20, &["check", "template.json", "--format", "json"], &dir));
    assert_eq!(report["summary"]["artifacts"]["state_machines"], 60);
}

/// The same for a Terraform plan: roles found by name through an index, not by a scan per
/// reference (a 1.8 MB plan of 5,000 roles and 50 machines took 10 s when they were).
#[test]
fn many_plan_roles_and_machines_stay_linear() {
    let dir = temp_dir("many-plan-roles");
    let mut resources = Vec::new();
    let policy = r#"{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}"#;
    for i in 0..5000 {
        resources.push(format!(
            r#"{{"address": "aws_iam_role.r{i}", "mode": "managed", "type": "aws_iam_role", "values": {{"name": "r{i}"}}}}"#
        ));
        resources.push(format!(
            r#"{{"address": "aws_iam_role_policy.p{i}", "mode": "managed", "type": "aws_iam_role_policy", "values": {{"role": "r{i}", "policy": "{policy}"}}}}"#
        ));
    }
    let definition = r#"{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true}}}"#;
    for i in 0..50 {
        resources.push(format!(
            r#"{{"address": "aws_sfn_state_machine.m{i}", "mode": "managed", "type": "aws_sfn_state_machine", "values": {{"name": "m{i}", "role_arn": "arn:aws:iam::1:role/r{i}", "definition": "{definition}"}}}}"#
        ));
    }
    let plan = format!(r#"{{"format_version": "1.2", "planned_values": {{"root_module": {{"resources": [{}]}}}}}}"#, resources.join(", "));
    std::fs::write(dir.join("plan.json"), plan).unwrap();
    let report = json_report(&run_limited(1024, 5, &["check", "plan.json", "--format", "json"], &dir));
    assert_eq!(report["summary"]["artifacts"]["state_machines"], 50);
}

/// Thousands of state machines, each with its own role: whether another resource uses a
/// role is looked up in one index of the file, not by a walk of the file per machine (6 s for
/// 1.5 MB when it was).
#[test]
fn many_machines_with_their_own_roles_stay_linear() {
    let dir = temp_dir("many-machines");
    let mut resources = Vec::new();
    for i in 0..4000 {
        resources.push(format!(r#""R{i}": {{"Type": "AWS::IAM::Role", "Properties": {{}}}}"#));
        resources.push(format!(
            r#""M{i}": {{"Type": "AWS::StepFunctions::StateMachine", "Properties": {{"RoleArn": {{"Fn::GetAtt": ["R{i}", "Arn"]}}, "Definition": {{"StartAt": "A", "States": {{"A": {{"Type": "Pass", "End": true}}}}}}}}}}"#
        ));
    }
    std::fs::write(dir.join("template.json"), format!("{{\"Resources\": {{{}}}}}", resources.join(", "))).unwrap();
    let report = json_report(&run_limited(1024, 20, &["check", "template.json", "--format", "json"], &dir));
    assert_eq!(report["summary"]["artifacts"]["state_machines"], 4000);
}

/// Thousands of state machines, each with its log group and its alarm: what each machine logs
/// to and which alarm watches it come from indexes built once per file, not a scan of the file
/// per machine.
#[test]
fn many_machines_with_log_groups_and_alarms_stay_linear() {
    let dir = temp_dir("many-alarms");
    let mut resources = Vec::new();
    for i in 0..3000 {
        resources.push(format!(r#""L{i}": {{"Type": "AWS::Logs::LogGroup", "Properties": {{"LogGroupName": "/flows/{i}"}}}}"#));
        resources.push(format!(
            r#""A{i}": {{"Type": "AWS::CloudWatch::Alarm", "Properties": {{"Namespace": "AWS/States", "MetricName": "ExecutionsFailed", "Dimensions": [{{"Name": "StateMachineArn", "Value": {{"Ref": "M{i}"}}}}]}}}}"#
        ));
        resources.push(format!(
            r#""M{i}": {{"Type": "AWS::StepFunctions::StateMachine", "Properties": {{"RoleArn": "arn:aws:iam::1:role/r", "LoggingConfiguration": {{"Level": "ERROR", "Destinations": [{{"CloudWatchLogsLogGroup": {{"LogGroupArn": {{"Fn::GetAtt": ["L{i}", "Arn"]}}}}}}]}}, "Definition": {{"StartAt": "A", "States": {{"A": {{"Type": "Pass", "End": true}}}}}}}}}}"#
        ));
    }
    std::fs::write(dir.join("template.json"), format!("{{\"Resources\": {{{}}}}}", resources.join(", "))).unwrap();
    let args = [
        "check",
        "template.json",
        "--format",
        "json",
        "--max-findings-per-rule",
        "0",
        "--select",
        "sfn/failure-alarm,sfn/log-group-prefix",
    ];
    let report = json_report(&run_limited(1024, 20, &args, &dir));
    assert_eq!(report["summary"]["artifacts"]["state_machines"], 3000);
    assert_eq!(count(&report, "sfn/failure-alarm"), 0);
    assert_eq!(count(&report, "sfn/log-group-prefix"), 3000);
}

/// The same for a Terraform plan: alarms and log groups found through the model's indexes.
#[test]
fn many_plan_machines_with_log_groups_and_alarms_stay_linear() {
    let dir = temp_dir("many-plan-alarms");
    let mut resources = Vec::new();
    let definition = r#"{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true}}}"#;
    for i in 0..3000 {
        let arn = format!("arn:aws:states:us-east-1:1:stateMachine:m{i}");
        let group = format!("arn:aws:logs:us-east-1:1:log-group:/flows/{i}");
        resources.push(format!(
            r#"{{"address": "aws_cloudwatch_log_group.l{i}", "mode": "managed", "type": "aws_cloudwatch_log_group", "values": {{"name": "/flows/{i}", "arn": "{group}"}}}}"#
        ));
        resources.push(format!(
            r#"{{"address": "aws_cloudwatch_metric_alarm.a{i}", "mode": "managed", "type": "aws_cloudwatch_metric_alarm", "values": {{"namespace": "AWS/States", "metric_name": "ExecutionsFailed", "dimensions": {{"StateMachineArn": "{arn}"}}}}}}"#
        ));
        resources.push(format!(
            r#"{{"address": "aws_sfn_state_machine.m{i}", "mode": "managed", "type": "aws_sfn_state_machine", "values": {{"name": "m{i}", "arn": "{arn}", "role_arn": "arn:aws:iam::1:role/r", "definition": "{definition}", "logging_configuration": [{{"level": "ERROR", "log_destination": "{group}:*"}}]}}}}"#
        ));
    }
    let plan = format!(r#"{{"format_version": "1.2", "planned_values": {{"root_module": {{"resources": [{}]}}}}}}"#, resources.join(", "));
    std::fs::write(dir.join("plan.json"), plan).unwrap();
    let args =
        ["check", "plan.json", "--format", "json", "--max-findings-per-rule", "0", "--select", "sfn/failure-alarm,sfn/log-group-prefix"];
    let report = json_report(&run_limited(1024, 10, &args, &dir));
    assert_eq!(report["summary"]["artifacts"]["state_machines"], 3000);
    assert_eq!(count(&report, "sfn/failure-alarm"), 0);
    assert_eq!(count(&report, "sfn/log-group-prefix"), 3000);
}
