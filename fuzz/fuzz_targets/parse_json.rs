//! The spanned JSON parser against serde_json: same verdict (within the documented differences),
//! same values, spans inside the input, never a panic.
#![no_main]

use deploylint::parse::{Node, Value, json};
use libfuzzer_sys::fuzz_target;

fn to_serde(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
        Value::Object(_) => serde_json::Value::Object(node.unique_entries().map(|e| (e.key.to_string(), to_serde(&e.value))).collect()),
        Value::Tagged(_, inner) => to_serde(inner),
    }
}

fn as_f64(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Number(n) => n.as_f64().and_then(serde_json::Number::from_f64).map_or(serde_json::Value::Null, serde_json::Value::Number),
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(as_f64).collect()),
        serde_json::Value::Object(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), as_f64(v))).collect()),
        other => other.clone(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = json::parse(text, 0, json::Options::default());
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match &ours {
        Ok((node, _)) => assert!(node.span.end() <= text.len()),
        Err(err) => assert!(err.span.start() <= text.len()),
    }
    // Documented differences: lone surrogates (we read U+FFFD), numbers beyond f64 (infinity),
    // nesting beyond serde_json's 128 (ours: 256).
    let lenient = text.to_ascii_lowercase().contains("\\ud") || theirs.as_ref().is_err_and(|e| {
        let m = e.to_string();
        m.contains("out of range") || m.contains("recursion limit")
    });
    if !lenient {
        assert_eq!(ours.is_ok(), theirs.is_ok(), "verdicts differ on {text:?}");
        if let (Ok((node, _)), Ok(value)) = (&ours, &theirs) {
            assert_eq!(as_f64(&to_serde(node)), as_f64(value));
        }
    }
});
