//! Embeds every rule file under rules/ and every knowledge file under data/ into the binary as
//! (relative path, contents).
#![allow(clippy::expect_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    embed(
        &root.join("rules"),
        &["yaml"],
        "RULE_FILES",
        "Bundled rule files: (path under rules/, contents).",
        &out_dir.join("rule_files.rs"),
    );
    embed(
        &root.join("data"),
        &["yaml", "json"],
        "DATA_FILES",
        "Knowledge files: (path under data/, contents).",
        &out_dir.join("data_files.rs"),
    );
}

fn embed(dir: &Path, extensions: &[&str], name: &str, doc: &str, dest: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(dir, extensions, &mut files);
    files.sort();
    let mut out = format!("/// {doc}\npub static {name}: &[(&str, &str)] = &[\n");
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(dir).expect("under its folder").to_string_lossy().replace('\\', "/");
        writeln!(out, "    ({relative:?}, include_str!({:?})),", file.display().to_string()).expect("write to String");
    }
    out.push_str("];\n");
    std::fs::write(dest, out).expect("write the embedded file list");
}

fn collect(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, extensions, out);
        } else if path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)) {
            out.push(path);
        }
    }
}
