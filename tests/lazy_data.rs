//! The IAM action data is parsed only when a policy is checked: a hook run on state machines
//! does not pay for it. (One test per process: the data, once parsed, stays.)

#![allow(clippy::unwrap_used)]

use clap::Parser;

#[test]
fn the_action_data_is_parsed_only_for_policies() {
    let dir = std::env::temp_dir().join(format!("deploylint-lazy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let flow = dir.join("flow.asl.json");
    std::fs::write(&flow, r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#).unwrap();
    let policy = dir.join("policy.json");
    std::fs::write(&policy, r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjects", "Resource": "*"}]}"#)
        .unwrap();
    let run = |path: &std::path::Path| {
        let cli = deploylint::cli::Cli::parse_from(["deploylint", "check", "--isolated", "--format", "json", path.to_str().unwrap()]);
        deploylint::main_with(cli)
    };
    let outcome = run(&flow);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    assert!(!deploylint::data::iam::loaded(), "a state machine alone does not load the IAM action data");
    let outcome = run(&policy);
    assert!(outcome.stdout.contains("iam/unknown-action"), "{}", outcome.stdout);
    assert!(deploylint::data::iam::loaded());
    std::fs::remove_dir_all(&dir).ok();
}
