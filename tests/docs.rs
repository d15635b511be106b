//! docs/rules/ is generated from the rule files; this test fails when it is stale.
//! `UPDATE_DOCS=1 cargo test --test docs` rewrites it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};

use deploylint::docs;
use deploylint::registry::Registry;

#[test]
fn rule_docs_are_generated_from_rule_metadata() {
    let registry = Registry::load(&[] as &[PathBuf]).unwrap();
    let metas: Vec<_> = registry.rules.iter().map(|r| &r.meta).collect();
    let mut expected: Vec<(PathBuf, String)> =
        metas.iter().map(|m| (Path::new("docs/rules").join(format!("{}.md", m.id)), docs::markdown(m))).collect();
    expected.push((PathBuf::from("docs/rules/README.md"), docs::index(&metas)));
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (path, text) in &expected {
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        } else if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    // No page for a rule that no longer exists.
    let mut on_disk = Vec::new();
    let mut dirs = vec![PathBuf::from("docs/rules")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                dirs.push(entry.path());
            } else {
                on_disk.push(entry.path());
            }
        }
    }
    for path in on_disk {
        if !expected.iter().any(|(p, _)| *p == path) {
            if update {
                std::fs::remove_file(&path).unwrap();
            } else {
                stale.push(format!("{} (no such rule)", path.display()));
            }
        }
    }
    assert!(stale.is_empty(), "docs/rules is stale, run `UPDATE_DOCS=1 cargo test --test docs`: {stale:?}");
}
