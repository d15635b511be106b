//! Fixture folders under tests/fixtures/<kind>/<case>/ with an `expected` file listing every
//! finding as `<file>:<line>:<column> <rule>` (paths relative to the case). Run with
//! `UPDATE_EXPECTED=1` to rewrite the files after a deliberate change, then review the diff.
//!
//! Also the span property: for every finding that names a key or value, the source text at its
//! span is exactly that key or value, through JSON escapes, YAML quoting and embedding.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use deploylint::cli::Cli;
use deploylint::discover::{Candidate, Filters, discover};
use deploylint::finding::Finding;
use deploylint::pipeline::{RunContext, check_file};
use deploylint::registry::Registry;

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for kind in std::fs::read_dir("tests/fixtures").expect("tests/fixtures exists").flatten() {
        for case in std::fs::read_dir(kind.path()).into_iter().flatten().flatten() {
            if case.path().join("expected").exists() || std::env::var_os("UPDATE_EXPECTED").is_some() {
                dirs.push(case.path());
            }
        }
    }
    dirs.sort();
    dirs
}

fn run_json(args: &[&str]) -> (serde_json::Value, u8) {
    let cli = Cli::try_parse_from(args).expect("valid arguments");
    let outcome = deploylint::main_with(cli);
    (serde_json::from_str(&outcome.stdout).expect("JSON report"), outcome.code)
}

#[test]
fn fixture_findings_match_expected() {
    let mut failures = Vec::new();
    let dirs = case_dirs();
    assert!(dirs.len() >= 14, "fixture cases missing: {dirs:?}");
    for dir in dirs {
        let (report, code) = run_json(&["deploylint", "check", dir.to_str().unwrap(), "--format", "json"]);
        let prefix = format!("{}/", dir.display());
        let mut rows: Vec<(String, u64, u64, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let file = f["file"].as_str().unwrap().trim_start_matches(&prefix).to_string();
                (
                    file,
                    f["start"]["line"].as_u64().unwrap(),
                    f["start"]["column"].as_u64().unwrap(),
                    f["rule"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        rows.sort();
        let lines: Vec<String> = rows.iter().map(|(file, line, column, rule)| format!("{file}:{line}:{column} {rule}")).collect();
        let failing = report["findings"].as_array().unwrap().iter().any(|f| f["severity"] != "note");
        assert_eq!(code, u8::from(failing), "{}: exit code", dir.display());
        let got = lines.join("\n") + "\n";
        let path = dir.join("expected");
        if std::env::var_os("UPDATE_EXPECTED").is_some() {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != got {
            failures.push(format!("== {}\n-- expected\n{want}-- got\n{got}", dir.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Decodes the source text of a span the way the document it sits in would: a JSON string
/// inside a JSON string (`\"A\"`), a JSON or YAML double-quoted string, a single-quoted YAML
/// string, or a plain scalar.
fn decode_span_text(text: &str) -> Option<String> {
    if text.starts_with("\\\"") {
        let once: String = serde_json::from_str(&format!("\"{text}\"")).ok()?;
        return decode_span_text(&once);
    }
    if text.starts_with('"') {
        // A YAML double-quoted scalar may fold lines; JSON strings never contain raw newlines.
        let folded: String = text.split('\n').map(str::trim).collect::<Vec<_>>().join(" ");
        // A JSON string inside a single-quoted YAML scalar has its `'` doubled there.
        return serde_json::from_str::<String>(&folded).ok().map(|s| s.replace("''", "'"));
    }
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Some(inner.replace("''", "'"));
    }
    Some(text.to_string())
}

fn all_findings(root: &Path, registry: &Registry) -> Vec<Finding> {
    let active: HashMap<String, _> = registry.rules.iter().map(|r| (r.meta.id.clone(), r.meta.severity)).collect();
    let roots = vec![root.to_path_buf(), PathBuf::from(".")];
    let ctx = RunContext::new(registry, &active, &roots);
    let (files, _) = discover(&[root.to_path_buf()], &Filters::default());
    files.iter().flat_map(|c: &Candidate| check_file(c, &ctx).findings).collect()
}

#[test]
fn every_span_is_the_key_or_value_its_finding_names() {
    let registry = Registry::load(&[] as &[PathBuf]).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut roots = vec![PathBuf::from("tests/fixtures"), PathBuf::from("examples")];
    let shared = PathBuf::from("../shared/corpus");
    if shared.exists() {
        roots.push(shared);
    } else {
        println!("note: ../shared/corpus not found; checking spans on the repository's own fixtures only");
    }
    for root in roots {
        for finding in all_findings(&root, &registry) {
            let Some(subject) = &finding.subject else { continue };
            checked += 1;
            let text = finding.source.slice(finding.span);
            let decoded = decode_span_text(text);
            // A value Terraform reads from another file (a `*.tfvars` value, a local of another
            // file) is placed at the reference that uses it: the enclosing expression here.
            let reference = text.starts_with("var.") || text.starts_with("local.");
            if decoded.as_deref() != Some(subject.as_str()) && !reference {
                let pos = finding.source.position(finding.span.start());
                failures.push(format!(
                    "{}:{}:{} {}: span text {text:?} is not {subject:?}",
                    finding.source.path.display(),
                    pos.line,
                    pos.column,
                    finding.rule
                ));
            }
        }
    }
    println!("{checked} spans checked");
    assert!(checked >= 40, "only {checked} findings had a subject");
    failures.truncate(30);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
