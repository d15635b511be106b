//! schemas/rule.schema.json, the JSON Schema editors use for rule files, agrees with the loader:
//! every bundled rule and every example team rule is valid against it, and the mistakes the
//! loader rejects (an unknown key, a bad severity, a condition key of another kind) are invalid.
//! A small validator of the keywords the schema uses: `type`, `enum`, `properties`,
//! `additionalProperties: false`, `required`, `items`, `oneOf`, `$ref`, `pattern`, `maxLength`,
//! `minItems`, `minimum`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/rule.schema.json")).unwrap()).unwrap()
}

/// The problems of `value` against `schema` (empty when valid), with where they are.
fn validate(root: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/$defs/").expect("local references only");
        validate(root, &root["$defs"][name], value, at, out);
        return;
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let ok = names.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
            "boolean" => value.is_boolean(),
            _ => false,
        });
        if !ok {
            out.push(format!("{at}: not of type {names:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let passing = options
            .iter()
            .filter(|o| {
                let mut problems = Vec::new();
                validate(root, o, value, at, &mut problems);
                problems.is_empty()
            })
            .count();
        if passing != 1 {
            out.push(format!("{at}: matches {passing} of the oneOf choices"));
        }
    }
    if let (Some(pattern), Some(text)) = (schema.get("pattern").and_then(Value::as_str), value.as_str())
        && !regex::Regex::new(pattern).unwrap().is_match(text)
    {
        out.push(format!("{at}: `{text}` does not match {pattern}"));
    }
    if let (Some(max), Some(text)) = (schema.get("maxLength").and_then(Value::as_u64), value.as_str())
        && text.chars().count() as u64 > max
    {
        out.push(format!("{at}: longer than {max}"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && n < min
    {
        out.push(format!("{at}: below {min}"));
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(key) {
                out.push(format!("{at}: `{key}` is required"));
            }
        }
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => validate(root, sub, item, &format!("{at}.{key}"), out),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    out.push(format!("{at}: unknown key `{key}`"));
                }
                None => {}
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            out.push(format!("{at}: fewer than {min} items"));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(root, item_schema, item, &format!("{at}[{i}]"), out);
            }
        }
    }
}

fn problems(text: &str) -> Vec<String> {
    let value: Value = serde_saphyr::from_str(text).unwrap();
    let schema = schema();
    let mut out = Vec::new();
    validate(&schema, &schema, &value, "$", &mut out);
    out
}

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rule_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn every_bundled_and_example_rule_is_valid_against_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rule_files(&root.join("rules"), &mut files);
    rule_files(&root.join("examples/rules"), &mut files);
    assert!(files.len() > 80, "{} rule files", files.len());
    let mut failures = Vec::new();
    for file in files {
        let found = problems(&std::fs::read_to_string(&file).unwrap());
        if !found.is_empty() {
            failures.push(format!("{}: {}", file.display(), found.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_mistakes_the_loader_rejects_are_invalid() {
    let good = "id: team/x\ntitle: t\nseverity: warning\ntarget: asl.state\nrequire:\n  - label: l\n    holds: {path: $.Type, exists: true}\nmessage: m\ndocs: {summary: s, why: w, fix: f}\n";
    assert_eq!(problems(good), Vec::<String>::new());
    for (bad, expected) in [
        (good.replace("message: m", "mesage: m"), "unknown key `mesage`"),
        (good.replace("severity: warning", "severity: fatal"), "is not one of"),
        (good.replace("target: asl.state", "target: asl.states"), "oneOf"),
        (good.replace("exists: true", "exist: true"), "unknown key `exist`"),
        (good.replace("docs: {summary: s, why: w, fix: f}", "docs: {summary: s}"), "`why` is required"),
    ] {
        let found = problems(&bad).join("; ");
        assert!(found.contains(expected), "{bad}\n→ {found}");
        // The loader rejects it too.
        let dir = std::env::temp_dir().join(format!("deploylint-schema-{}-{}", std::process::id(), expected.len()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("x.yaml"), &bad).unwrap();
        assert!(deploylint::registry::Registry::load(&[&dir]).is_err(), "the loader accepts {bad}");
    }
}
