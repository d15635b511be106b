//! Throughput of the parsers and of the whole per-file pipeline, in MB/s, on the shared corpus
//! (../shared/corpus) when present, else on the repository's fixtures and examples.
//!
//! `cargo bench --bench throughput`. Whole-process speed (the corpus end to end, peak memory)
//! is measured from outside with `/usr/bin/time -v target/release/deploylint check ...`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use deploylint::discover::{Filters, discover};
use deploylint::parse::{json, yaml};
use deploylint::pipeline::{RunContext, check_bytes};
use deploylint::registry::Registry;

fn files(ext: &[&str]) -> Vec<(PathBuf, String)> {
    let roots: Vec<PathBuf> = if Path::new("../shared/corpus").exists() {
        vec![PathBuf::from("../shared/corpus")]
    } else {
        vec![PathBuf::from("tests/fixtures"), PathBuf::from("examples")]
    };
    let (found, _) = discover(&roots, &Filters::default());
    found
        .into_iter()
        .filter(|c| c.path.extension().and_then(|e| e.to_str()).is_some_and(|e| ext.contains(&e)))
        .filter_map(|c| Some((c.path.clone(), std::fs::read_to_string(&c.path).ok()?)))
        .collect()
}

/// Runs `f` over all texts until a second has passed; gives MB/s.
fn measure(texts: &[(PathBuf, String)], mut f: impl FnMut(&Path, &str)) -> f64 {
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let start = Instant::now();
    let mut rounds = 0u32;
    while start.elapsed() < Duration::from_secs(1) || rounds < 3 {
        for (path, text) in texts {
            f(path, text);
        }
        rounds += 1;
    }
    (bytes as f64 * f64::from(rounds)) / start.elapsed().as_secs_f64() / 1e6
}

fn main() {
    let json_files = files(&["json"]);
    let yaml_files = files(&["yaml", "yml", "template"]);
    let json_mb = json_files.iter().map(|(_, t)| t.len()).sum::<usize>() as f64 / 1e6;
    let yaml_mb = yaml_files.iter().map(|(_, t)| t.len()).sum::<usize>() as f64 / 1e6;
    println!("{} JSON files ({json_mb:.1} MB), {} YAML files ({yaml_mb:.1} MB)", json_files.len(), yaml_files.len());

    let ours = measure(&json_files, |_, t| {
        let _ = std::hint::black_box(json::parse(t, 0, json::Options::default()));
    });
    let serde = measure(&json_files, |_, t| {
        let _ = std::hint::black_box(serde_json::from_str::<serde_json::Value>(t));
    });
    println!("JSON, spanned tree (ours):   {ours:8.1} MB/s");
    println!("JSON, serde_json::Value:     {serde:8.1} MB/s");
    let yaml_rate = measure(&yaml_files, |_, t| {
        let _ = std::hint::black_box(yaml::parse(t));
    });
    println!("YAML, spanned tree:          {yaml_rate:8.1} MB/s");

    let registry = Registry::load(&[] as &[PathBuf]).unwrap();
    let active: HashMap<String, _> = registry.rules.iter().map(|r| (r.meta.id.clone(), r.meta.severity)).collect();
    let roots = vec![PathBuf::from(".")];
    let ctx = RunContext::new(&registry, &active, &roots);
    let all: Vec<(PathBuf, String)> = json_files.into_iter().chain(yaml_files).collect();
    let pipeline = measure(&all, |p, t| {
        let _ = std::hint::black_box(check_bytes(p.to_path_buf(), t.as_bytes().to_vec(), false, &ctx));
    });
    println!("Whole pipeline, one thread:  {pipeline:8.1} MB/s");

    // The IAM corpus with every rule: the analyzers, the action data and the privilege
    // escalation paths at work (issue: well under a second for all of it).
    let iam: Vec<(PathBuf, String)> = all.iter().filter(|(p, _)| p.starts_with("../shared/corpus/iam")).cloned().collect();
    if !iam.is_empty() {
        let start = Instant::now();
        let mut rounds = 0u32;
        while start.elapsed() < Duration::from_secs(1) || rounds < 3 {
            for (path, text) in &iam {
                let _ = std::hint::black_box(check_bytes(path.clone(), text.as_bytes().to_vec(), false, &ctx));
            }
            rounds += 1;
        }
        let per_pass = start.elapsed().as_secs_f64() / f64::from(rounds);
        println!("IAM corpus, one thread:      {:8.1} ms for its {} files", per_pass * 1e3, iam.len());
    }
}
