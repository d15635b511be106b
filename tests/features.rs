//! The lean build: `cargo build --no-default-features` (no Guard support, about 75 fewer crates)
//! passes the test suite too. A second full release build: run where .ci/run runs the other
//! tools (it sets `PRE_COMMIT`), not on every `cargo test`, and never from inside itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn the_build_without_default_features_passes_the_tests() {
    if std::env::var_os("PRE_COMMIT").is_none() || std::env::var_os("DEPLOYLINT_LEAN_BUILD").is_some() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["test", "--release", "--locked", "--no-default-features", "--no-fail-fast"])
        .env("CARGO_TARGET_DIR", root.join("target").join("lean"))
        .env("DEPLOYLINT_LEAN_BUILD", "1")
        // The tools' tests (hooks, the wheel, zizmor, SARIF) ran in the full build already.
        .env_remove("PRE_COMMIT")
        .env_remove("PREK")
        .env_remove("MATURIN")
        .env_remove("ZIZMOR")
        .env_remove("SARIF_MULTITOOL")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "cargo test --no-default-features:\n{}", &text[text.len().saturating_sub(6000)..]);
    assert!(text.contains("guard_rules_need_the_guard_feature ... ok"), "the lean build's own test ran");
}
