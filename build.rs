//! Embeds every rule file under rules/ and every knowledge file under data/ into the binary as
//! (relative path, YAML text, the same document as JSON). The YAML is what people edit and what
//! error messages and docs quote; the JSON is what a run parses (serde_json reads it about ten
//! times faster than a YAML parser reads the YAML, and start-up is paid on every commit hook).
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
        "Bundled rule files: (path under rules/, YAML text, JSON of what the registry needs \
         (id, title, severity, target, tags, url), JSON of the file without `docs` and \
         `examples`, JSON of `docs` and `examples`). A run reads the first JSON of each rule, the \
         second when the rule first runs, the third when it shows the rule's documentation.",
        &out_dir.join("rule_files.rs"),
        Some(Split { meta: &["id", "title", "severity", "target", "tags", "url"], text: &["docs", "examples"] }),
    );
    // The IAM action data's date, for `--version` and messages about unknown actions.
    let actions = root.join("data/iam/actions.txt");
    println!("cargo:rerun-if-changed={}", actions.display());
    let text = std::fs::read_to_string(&actions).expect("read data/iam/actions.txt");
    let date = text.lines().find_map(|l| l.strip_prefix("date ")).expect("data/iam/actions.txt names its date");
    println!("cargo:rustc-env=DEPLOYLINT_IAM_DATA_DATE={date}");
    iam_services(&text, &out_dir.join("iam_services.rs"));
    sam_templates(&root.join("data/sam/policy-templates.json"), &out_dir.join("sam_templates.rs"));
    asl_fields(&root.join("data/asl/fields.yaml"), &out_dir.join("asl_fields.rs"));
    embed(
        &root.join("data"),
        &["yaml", "json"],
        "DATA_FILES",
        "Knowledge files: (path under data/, YAML text, JSON).",
        &out_dir.join("data_files.rs"),
        None,
    );
}

/// The services of data/iam/actions.txt, sorted by prefix: (prefix, name, where its action
/// lines start and end in the file). A run looks up the services it needs without reading the
/// half megabyte (each page of it read is a page fault of the process).
fn iam_services(text: &str, dest: &Path) {
    let mut services = Vec::new();
    let mut offset = 0;
    let mut current: Option<(String, String, usize)> = None;
    for line in text.split_inclusive('\n') {
        if let Some(header) = line.strip_prefix('@') {
            if let Some((prefix, name, start)) = current.take() {
                services.push((prefix, name, start, offset));
            }
            let header = header.trim_end();
            let (prefix, name) = header.split_once(' ').unwrap_or((header, header));
            current = Some((prefix.to_string(), name.to_string(), offset + line.len()));
        }
        offset += line.len();
    }
    if let Some((prefix, name, start)) = current {
        services.push((prefix, name, start, text.len()));
    }
    services.sort();
    let mut out = String::from("/// IAM services: (prefix, name, start and end of its lines in actions.txt).\n");
    out.push_str("pub static SERVICES: &[(&str, &str, u32, u32)] = &[\n");
    for (prefix, name, start, end) in services {
        writeln!(out, "    ({prefix:?}, {name:?}, {start}, {end}),").expect("write to String");
    }
    out.push_str("];\n");
    std::fs::write(dest, out).expect("write the IAM service index");
}

/// The SAM policy templates of data/sam/policy-templates.json, each apart, by name: a template
/// that uses one parses one (a few hundred bytes), not the file.
fn sam_templates(path: &Path, dest: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path).expect("read data/sam/policy-templates.json");
    let data: serde_json::Value = serde_json::from_str(&text).expect("data/sam/policy-templates.json is JSON");
    let templates = data.get("Templates").and_then(serde_json::Value::as_object).expect("it has Templates");
    let mut names: Vec<&String> = templates.keys().collect();
    names.sort();
    let mut out = String::from("/// SAM policy templates by name: (name, the template as JSON).\n");
    out.push_str("pub static TEMPLATES: &[(&str, &str)] = &[\n");
    for name in names {
        writeln!(out, "    ({name:?}, {:?}),", templates[name].to_string()).expect("write to String");
    }
    out.push_str("];\n");
    std::fs::write(dest, out).expect("write the SAM template table");
}

/// data/asl/fields.yaml as static tables, kinds and fields sorted by name: a run that checks a
/// definition looks its fields up without deserializing the file (that was a tenth of the
/// run on one small template). Written for `src/analyzers/asl/fields.rs`, whose types it names.
fn asl_fields(path: &Path, dest: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path).expect("read data/asl/fields.yaml");
    let data: serde_json::Value = serde_saphyr::from_str(&text).expect("data/asl/fields.yaml is YAML");
    let objects = data.get("objects").and_then(serde_json::Value::as_object).expect("data/asl/fields.yaml has `objects`");
    assert!(data.as_object().is_some_and(|m| m.len() == 1), "data/asl/fields.yaml: only `objects` at the top");
    let variant = |field: &str, value: &serde_json::Value, names: &[(&str, &str)]| -> String {
        let text = value.as_str().unwrap_or_else(|| panic!("data/asl/fields.yaml: `{field}` must be a string"));
        let (_, variant) =
            names.iter().find(|(n, _)| *n == text).unwrap_or_else(|| panic!("data/asl/fields.yaml: unknown {field} `{text}`"));
        (*variant).to_string()
    };
    let strings = |field: &str, value: &serde_json::Value| -> Vec<String> {
        let items = value.as_array().unwrap_or_else(|| panic!("data/asl/fields.yaml: `{field}` must be a list"));
        items.iter().map(|v| v.as_str().unwrap_or_else(|| panic!("data/asl/fields.yaml: `{field}` holds strings")).to_string()).collect()
    };
    let text_of = |field: &str, value: &serde_json::Value| -> String {
        let text = value.as_str().unwrap_or_else(|| panic!("data/asl/fields.yaml: `{field}` must be a string"));
        format!("Some({text:?})")
    };
    let mut kinds: Vec<(&String, &serde_json::Value)> = objects.iter().collect();
    kinds.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::from(
        "/// The fields of each kind of States Language object (data/asl/fields.yaml), kinds and\n\
         /// fields sorted by name.\n#[allow(clippy::unreadable_literal)]\nstatic OBJECTS: &[(&str, &[(&str, FieldSpec)])] = &[\n",
    );
    for (kind, fields) in kinds {
        let fields = fields.as_object().unwrap_or_else(|| panic!("data/asl/fields.yaml: `{kind}` must map fields to specs"));
        let mut names: Vec<(&String, &serde_json::Value)> = fields.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        writeln!(out, "    ({kind:?}, &[").expect("write to String");
        for (name, spec) in names {
            let spec = spec.as_object().unwrap_or_else(|| panic!("data/asl/fields.yaml: `{kind}.{name}` must be a map"));
            let (mut types, mut language, mut required, mut expression) = (String::new(), "None".to_string(), "None".to_string(), false);
            let (mut values, mut min, mut max) = (String::new(), "None".to_string(), "None".to_string());
            let (mut rule, mut object, mut items) = ("None".to_string(), "None".to_string(), "None".to_string());
            for (key, value) in spec {
                let number = || value.as_f64().map_or_else(|| panic!("`{kind}.{name}.{key}` must be a number"), |v| format!("Some({v:?})"));
                match key.as_str() {
                    "types" => {
                        let names = [
                            ("string", "String"),
                            ("integer", "Integer"),
                            ("number", "Number"),
                            ("boolean", "Boolean"),
                            ("object", "Object"),
                            ("array", "Array"),
                            ("null", "Null"),
                        ];
                        for name in strings(key, value) {
                            let variant = variant("type", &serde_json::Value::String(name), &names);
                            write!(types, "ValueType::{variant}, ").expect("write to String");
                        }
                    }
                    "language" => {
                        language = format!("Some(Language::{})", variant(key, value, &[("JSONPath", "JsonPath"), ("JSONata", "Jsonata")]));
                    }
                    "required" => {
                        required = format!(
                            "Some(Required::{})",
                            variant(key, value, &[("both", "Both"), ("JSONPath", "JsonPath"), ("JSONata", "Jsonata")])
                        );
                    }
                    "expression" => {
                        expression = value.as_bool().unwrap_or_else(|| panic!("`{kind}.{name}.expression` must be true or false"));
                    }
                    "values" => {
                        for text in strings(key, value) {
                            write!(values, "{text:?}, ").expect("write to String");
                        }
                    }
                    "min" => min = number(),
                    "max" => max = number(),
                    "rule" => rule = text_of(key, value),
                    "object" => object = text_of(key, value),
                    "items" => items = text_of(key, value),
                    other => panic!("data/asl/fields.yaml: unknown key `{other}` in `{kind}.{name}`"),
                }
            }
            writeln!(
                out,
                "        ({name:?}, FieldSpec {{ types: &[{types}], language: {language}, required: {required}, expression: {expression}, \
                 values: &[{values}], min: {min}, max: {max}, rule: {rule}, object: {object}, items: {items} }}),"
            )
            .expect("write to String");
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    std::fs::write(dest, out).expect("write the ASL field tables");
}

/// Keys of a rule file written apart.
#[derive(Clone, Copy)]
struct Split {
    /// A copy of these.
    meta: &'static [&'static str],
    /// These, taken out of the rest.
    text: &'static [&'static str],
}

/// With `split`, each file's JSON is three documents: `meta`'s keys, the file without `text`'s
/// keys, and `text`'s keys.
fn embed(dir: &Path, extensions: &[&str], name: &str, doc: &str, dest: &Path, split: Option<Split>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(dir, extensions, &mut files);
    files.sort();
    let shape = if split.is_some() { "(&str, &str, &str, &str, &str)" } else { "(&str, &str, &str)" };
    let mut out = format!("/// {doc}\npub static {name}: &[{shape}] = &[\n");
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(dir).expect("under its folder").to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&file).expect("read an embedded file");
        // A file that is not valid YAML is embedded with empty JSON: loading it at run time
        // reports the YAML error with its line and column.
        let parsed = serde_saphyr::from_str::<serde_json::Value>(&text).ok();
        let include = format!("include_str!({:?})", file.display().to_string());
        match split {
            None => {
                let json = parsed.map(|v| v.to_string()).unwrap_or_default();
                writeln!(out, "    ({relative:?}, {include}, {json:?}),").expect("write to String");
            }
            Some(Split { meta: meta_keys, text: text_keys }) => {
                let (meta, head, text) = match parsed {
                    Some(serde_json::Value::Object(mut map)) => {
                        let pick = |map: &serde_json::Map<String, serde_json::Value>, keys: &[&str]| {
                            let picked: serde_json::Map<String, serde_json::Value> =
                                keys.iter().filter_map(|k| Some(((*k).to_string(), map.get(*k)?.clone()))).collect();
                            serde_json::Value::Object(picked).to_string()
                        };
                        let meta = pick(&map, meta_keys);
                        let text = pick(&map, text_keys);
                        map.retain(|k, _| !text_keys.contains(&k.as_str()));
                        (meta, serde_json::Value::Object(map).to_string(), text)
                    }
                    _ => (String::new(), String::new(), String::new()),
                };
                writeln!(out, "    ({relative:?}, {include}, {meta:?}, {head:?}, {text:?}),").expect("write to String");
            }
        }
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
