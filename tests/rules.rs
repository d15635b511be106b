//! Every rule's own examples, as data: each `fail` example gives exactly the expected findings
//! (at the `expect` positions, or on the lines of `# expect: <rule>` comments), each `pass`
//! example gives none. Only the rule under test runs. Also checks rule-file hygiene.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::PathBuf;

use deploylint::registry::Registry;
use deploylint::rule::{RuleKind, builtin};

#[test]
fn every_rule_example_gives_exactly_its_expected_findings() {
    let registry = Registry::load(&[] as &[PathBuf]).expect("bundled rules load");
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in &registry.rules {
        checked += rule.meta.examples().fail.len() + rule.meta.examples().pass.len();
        failures.extend(
            deploylint::examples::check(&registry, &rule.meta).into_iter().map(|f| format!("{}: {}: {}", f.rule, f.example, f.problem)),
        );
    }
    assert!(checked >= 12, "only {checked} examples ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A run compiles bundled rules from build-time JSON and their selectors and patterns only
/// when first used; compiled as a user's rule file, every one must load, and give the same
/// rule with the same documentation.
#[test]
fn bundled_rule_files_compile_as_written() {
    let registry = Registry::load(&[] as &[PathBuf]).expect("bundled rules load");
    let mut compiled = 0;
    for (path, yaml) in Registry::bundled_sources() {
        let loaded = deploylint::engine::Rule::from_yaml(path, yaml).unwrap_or_else(|e| panic!("{e}"));
        let bundled = registry.get(&loaded.meta.id).expect("the registry has it");
        assert_eq!(
            (&loaded.meta.title, loaded.meta.severity, &loaded.meta.target, &loaded.meta.tags),
            (&bundled.meta.title, bundled.meta.severity, &bundled.meta.target, &bundled.meta.tags),
            "{path}"
        );
        assert_eq!(format!("{:?}", loaded.meta.docs()), format!("{:?}", bundled.meta.docs()), "{path}: docs");
        assert_eq!(format!("{:?}", loaded.meta.examples()), format!("{:?}", bundled.meta.examples()), "{path}: examples");
        compiled += 1;
    }
    assert_eq!(compiled, registry.rules.len());
}

/// Start-up does not grow with the rule count: a bundled rule is compiled when a target of its
/// kind first comes up, so a state machine alone compiles no policy, template or plan rule.
#[test]
fn bundled_rules_compile_when_their_targets_come_up() {
    use deploylint::engine::target::TargetKind;
    use deploylint::registry::Implementation;
    let registry = Registry::load(&[] as &[PathBuf]).expect("bundled rules load");
    let active: std::collections::HashMap<String, _> = registry.rules.iter().map(|r| (r.meta.id.clone(), r.meta.severity)).collect();
    let declarative = || {
        registry.rules.iter().filter_map(|r| match &r.implementation {
            Implementation::Declarative(rule) => Some(rule),
            _ => None,
        })
    };
    assert!(declarative().count() >= 10);
    let eager: Vec<&str> = declarative().filter(|r| r.compiled()).map(|r| r.id.as_str()).collect();
    assert!(eager.is_empty(), "nothing is compiled at load: {eager:?}");
    let roots = vec![PathBuf::from(".")];
    let ctx = deploylint::pipeline::RunContext::new(&registry, &active, &roots);
    let flow = br#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}"#;
    let outcome = deploylint::pipeline::check_bytes(PathBuf::from("flow.asl.json"), flow.to_vec(), true, &ctx);
    assert!(outcome.findings.iter().any(|f| &*f.rule == "asl/task-retry"));
    for rule in declarative() {
        let machine = rule.targets.iter().all(|t| matches!(t, TargetKind::AslState | TargetKind::AslStateMachine));
        assert_eq!(rule.compiled(), machine, "{}", rule.id);
    }
}

#[test]
fn rule_files_are_complete_and_named_by_their_ids() {
    let registry = Registry::load(&[] as &[PathBuf]).expect("bundled rules load");
    for rule in &registry.rules {
        let meta = &rule.meta;
        assert_eq!(meta.file, format!("rules/{}.yaml", meta.id), "file name must equal the id");
        assert!(
            !meta.docs().summary.trim().is_empty() && !meta.docs().why.trim().is_empty() && !meta.docs().fix.trim().is_empty(),
            "{}: docs",
            meta.id
        );
        assert!(meta.title.len() <= 60, "{}: title longer than 60 characters", meta.id);
        if meta.kind != RuleKind::Pipeline {
            assert!(!meta.examples().fail.is_empty() && !meta.examples().pass.is_empty(), "{}: needs fail and pass examples", meta.id);
        }
    }
    for id in builtin::ALL {
        let rule = registry.get(id).unwrap_or_else(|| panic!("built-in rule {id} has no rule file"));
        assert_eq!((rule.meta.target.as_str(), rule.meta.kind), ("builtin", RuleKind::Pipeline));
    }
    for analyzer in deploylint::analyzers::ALL {
        let rule = registry.get(analyzer.id).unwrap_or_else(|| panic!("analyzer {} has no rule file", analyzer.id));
        assert_eq!((rule.meta.target.as_str(), rule.meta.kind), ("builtin", RuleKind::Analyzer));
    }
    for rule in registry.rules.iter().filter(|r| r.meta.target == "builtin") {
        assert!(
            builtin::ALL.contains(&rule.meta.id.as_str()) || deploylint::analyzers::get(&rule.meta.id).is_some(),
            "{} documents a built-in rule that does not exist",
            rule.meta.id
        );
    }
}

#[test]
fn a_rule_file_error_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("deploylint-bad-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bad.yaml"),
        "id: team/bad\ntitle: t\nseverity: warning\ntarget: asl.state\neach:\n  select: $.States[\nmessage: m\ndocs: {summary: s, why: w, fix: f}\n",
    )
    .unwrap();
    std::fs::write(dir.join("typo.yaml"), "id: team/typo\ntitel: t\n").unwrap();
    std::fs::write(
        dir.join("placeholder.yaml"),
        "id: team/placeholder\ntitle: t\nseverity: note\ntarget: asl.state\nrequire: [{label: l, holds: {path: $.Type, exists: true}}]\nmessage: 'State {nmae}'\ndocs: {summary: s, why: w, fix: f}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("builtin.yaml"),
        "id: team/mine\ntitle: t\nseverity: note\ntarget: builtin\ndocs: {summary: s, why: w, fix: f}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("var.yaml"),
        "id: team/var\ntitle: t\nseverity: note\ntarget: [cfn.resource, iam.statement]\nwhen:\n  var: kind\n  equals: trust\nrequire: [{label: l, holds: {path: $.Type, exists: true}}]\nmessage: m\ndocs: {summary: s, why: w, fix: f}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("list.yaml"),
        "id: team/list\ntitle: t\nseverity: note\ntarget: asl.state\nwhen:\n  path: $.Type\n  equals: [Task, Pass]\nrequire: [{label: l, holds: {path: $.Type, exists: true}}]\nmessage: m\ndocs: {summary: s, why: w, fix: f}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("target.yaml"),
        "id: team/target\ntitle: t\nseverity: note\ntarget: {kind: asl.state}\nmessage: m\ndocs: {summary: s, why: w, fix: f}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("unknown.yaml"),
        "id: team/unknown\ntitle: t\nseverity: note\ntarget: [asl.state, asl.stat]\nmessage: m\nrequire: [{label: l, holds: {path: $.Type, exists: true}}]\ndocs: {summary: s, why: w, fix: f}\n",
    )
    .unwrap();
    std::fs::write(dir.join("id.yaml"), "id: Team_Rule\ntitle: t\nseverity: note\ntarget: asl.state\nmessage: m\neach: {select: $.Type}\ndocs: {summary: s, why: w, fix: f}\n").unwrap();
    let errors = Registry::load(&[&dir]).expect_err("bad rules must not load");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|e| e.contains("bad.yaml:6:") && e.contains("invalid JSONPath")), "{text:?}");
    assert!(text.iter().any(|e| e.contains("typo.yaml") && e.contains("titel")), "{text:?}");
    assert!(text.iter().any(|e| e.contains("placeholder.yaml:6:") && e.contains("{nmae}")), "{text:?}");
    assert!(text.iter().any(|e| e.contains("unknown.yaml:4:") && e.contains("unknown target `asl.stat`")), "{text:?}");
    assert!(text.iter().any(|e| e.contains("id.yaml:1:") && e.contains("rule id `Team_Rule`")), "{text:?}");
    assert!(text.iter().any(|e| e.contains("builtin.yaml") && e.contains("target: builtin")), "{text:?}");
    // `kind` is a statement's variable, not a resource's: a rule over both cannot test it.
    assert!(text.iter().any(|e| e.contains("var.yaml:6:") && e.contains("`var: kind` is not a variable")), "{text:?}");
    // A list where one value goes (`one_of` takes lists) says what is expected, where.
    assert!(
        text.iter().any(|e| e.contains("list.yaml") && e.contains("line 7") && e.contains("expected a string, a number or a boolean")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|e| e.contains("target.yaml") && e.contains("line 4") && e.contains("expected a string or a list of strings")),
        "{text:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
