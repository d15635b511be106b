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
