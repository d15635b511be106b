//! The whole per-file pipeline (decode, parse, extract, embedded documents, rules) on arbitrary
//! bytes under each file name kind: never a panic, every finding inside its source.
#![no_main]

use std::collections::HashMap;
use std::path::PathBuf;

use deploylint::pipeline::{RunContext, check_bytes};
use deploylint::registry::Registry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static REGISTRY: Registry = Registry::load(&[] as &[PathBuf]).expect("bundled rules load");
    }
    let Some((&kind, bytes)) = data.split_first() else { return };
    let name = ["t.json", "t.yaml", "t.template", "main.tf", "t.json.tftpl", "serverless.yml", "main.tf.json"][usize::from(kind) % 7];
    REGISTRY.with(|registry| {
        let active: HashMap<String, _> = registry.rules.iter().map(|r| (r.meta.id.clone(), r.meta.severity)).collect();
        let roots = vec![PathBuf::from("/nonexistent-fuzz-root")];
        let ctx = RunContext::new(registry, &active, &roots);
        let outcome = check_bytes(PathBuf::from(name), bytes.to_vec(), true, &ctx);
        for finding in &outcome.findings {
            assert!(finding.span.end() <= finding.source.len(), "{finding:?}");
        }
    });
});
