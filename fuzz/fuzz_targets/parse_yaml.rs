//! The YAML loader never panics, and every span it gives lies inside the input.
#![no_main]

use deploylint::parse::{Node, Value, yaml};
use libfuzzer_sys::fuzz_target;

fn check(node: &Node, len: usize) {
    assert!(node.span.start() <= node.span.end() && node.span.end() <= len);
    match &node.value {
        Value::Array(items) => items.iter().for_each(|n| check(n, len)),
        Value::Object(entries) => entries.iter().for_each(|e| {
            assert!(e.key_span.end() <= len);
            check(&e.value, len);
        }),
        Value::Tagged(_, inner) => check(inner, len),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match yaml::parse(text) {
        Ok(parsed) => parsed.documents.iter().for_each(|d| check(d, text.len())),
        Err(err) => assert!(err.span.start() <= text.len()),
    }
});
