//! AWS CloudFormation Guard rule files, evaluated by the cfn-guard library (feature `guard`) on
//! each template and plan, and, when asked (`guard-documents`), on each state machine and
//! policy as its own document. Each rule of a file is the rule `guard/<name>`: selected,
//! ignored, given a severity (an error by default: a failing Guard rule fails the run, as
//! `cfn-guard validate` exits non-zero) and suppressed like any other.
//!
//! cfn-guard's library reports every location as line 0, column 0, but names the value a
//! clause failed on by a JSON pointer (`/Resources/Flow/Properties/TracingConfiguration/Enabled`,
//! or, for a missing key, the object it looked in): each finding is at that node of our tree
//! ([`crate::parse::Node::pointer`]), the deepest one on the way when the pointer goes into a
//! value the file does not spell.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One Guard rule file, read and checked.
#[derive(Debug)]
pub struct GuardFile {
    pub path: PathBuf,
    pub text: String,
    /// The names of its `rule` blocks.
    pub rules: Vec<String>,
}

/// One failed clause: the rule, where (a JSON pointer), and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub rule: String,
    pub pointer: String,
    pub message: String,
}

/// The files `paths` name (a file, or every `*.guard` below a folder, links not followed),
/// read and checked: parse errors are errors, with the file.
///
/// # Errors
/// Each file that cannot be read or does not parse, in words.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Arc<GuardFile>>, Vec<String>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        collect(path, &mut files, &mut errors);
    }
    let mut loaded = Vec::new();
    for path in files {
        let shown = path.display().to_string();
        let text = match crate::discover::read_rule_file(&path) {
            Ok(text) => text,
            Err(message) => {
                errors.push(format!("{shown}: {message}"));
                continue;
            }
        };
        if let Err(message) = check(&path, &text) {
            errors.push(located(&shown, &message));
            continue;
        }
        let rules = rule_names(&text);
        if rules.is_empty() {
            errors.push(format!("{shown}: no `rule` blocks"));
            continue;
        }
        loaded.push(Arc::new(GuardFile { path, text, rules }));
    }
    if errors.is_empty() { Ok(loaded) } else { Err(errors) }
}

fn collect(path: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Err(err) => errors.push(format!("{shown}: {}", crate::discover::io_message(&err))),
        Ok(meta) if meta.is_dir() => {
            let Ok(entries) = std::fs::read_dir(path) else {
                errors.push(format!("{shown}: cannot read the folder"));
                return;
            };
            let mut children: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
            children.sort();
            for child in children {
                let is_dir = std::fs::symlink_metadata(&child).is_ok_and(|m| m.is_dir());
                if is_dir || child.extension().is_some_and(|e| e == "guard") {
                    collect(&child, files, errors);
                }
            }
        }
        Ok(meta) if meta.file_type().is_symlink() && path.extension().is_some_and(|e| e == "guard") => {
            errors.push(format!("{shown}: a link: not followed"));
        }
        Ok(_) => files.push(path.to_path_buf()),
    }
}

/// A cfn-guard parse error as `file:line:column: what it expected` (its own text nests the
/// message in several prefixes).
fn located(shown: &str, message: &str) -> String {
    let number = |after: &str| -> Option<usize> {
        let at = message.find(after)? + after.len();
        message[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    let (Some(line), Some(column)) = (number("at line "), number("at column ")) else {
        return format!("{shown}: {}", message.split_whitespace().collect::<Vec<_>>().join(" "));
    };
    let what = message
        .split_once("when handling ")
        .map_or(message, |(_, rest)| rest.split(", fragment").next().unwrap_or(rest))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if what.is_empty() {
        return format!(
            "{shown}:{line}:{column}: the rule does not parse from here (cfn-guard gives no reason: look for a misspelt keyword or an unclosed block)"
        );
    }
    format!("{shown}:{line}:{column}: {what}")
}

/// The names of a Guard file's `rule` blocks, in order.
#[must_use]
pub fn rule_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("rule") else { continue };
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let name: String = rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(feature = "guard")]
fn check(path: &Path, text: &str) -> Result<(), String> {
    run(path, text, "{}").map(|_| ())
}

#[cfg(not(feature = "guard"))]
fn check(_path: &Path, _text: &str) -> Result<(), String> {
    Err("this deploylint was built without Guard support (cargo feature `guard`)".into())
}

/// cfn-guard's JSON report of `document` against the rules of `text`.
#[cfg(feature = "guard")]
fn run(path: &Path, text: &str, document: &str) -> Result<serde_json::Value, String> {
    let name = path.file_name().map_or_else(|| "rules.guard".into(), |n| n.to_string_lossy().into_owned());
    let data = cfn_guard::ValidateInput { content: document, file_name: "document.json" };
    let rules = cfn_guard::ValidateInput { content: text, file_name: &name };
    let output = cfn_guard::run_checks(data, rules, false).map_err(|e| e.to_string())?;
    serde_json::from_str(&output).map_err(|e| format!("cfn-guard's report does not read as JSON: {e}"))
}

/// The clauses of `file` that fail on `document` (JSON text).
///
/// # Errors
/// cfn-guard's own, in words.
#[cfg(feature = "guard")]
pub fn evaluate(file: &GuardFile, document: &str) -> Result<Vec<Failure>, String> {
    Ok(failures(&run(&file.path, &file.text, document)?))
}

/// The failed clauses of a cfn-guard report: for each rule not compliant, each clause with the
/// place it failed on and its message (the rule's custom message, else cfn-guard's).
#[must_use]
pub fn failures(report: &serde_json::Value) -> Vec<Failure> {
    use serde_json::Value;
    let mut out = Vec::new();
    for item in report.get("not_compliant").and_then(Value::as_array).into_iter().flatten() {
        let Some(rule) = item.get("Rule") else { continue };
        let Some(name) = rule.get("name").and_then(Value::as_str) else { continue };
        let rule_message = custom_message(rule.get("messages"));
        let mut clauses = Vec::new();
        clauses_of(rule.get("checks").unwrap_or(&Value::Null), &mut clauses);
        if clauses.is_empty() {
            clauses.push((String::new(), None));
        }
        for (pointer, message) in clauses {
            let message = message.or_else(|| rule_message.clone()).unwrap_or_else(|| format!("Guard rule `{name}` failed"));
            let failure = Failure { rule: name.to_string(), pointer, message };
            if !out.contains(&failure) {
                out.push(failure);
            }
        }
    }
    out
}

/// The clauses under a rule's `checks`, nested rules and disjunctions included: (pointer,
/// message) of each.
fn clauses_of(value: &serde_json::Value, out: &mut Vec<(String, Option<String>)>) {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter().for_each(|i| clauses_of(i, out)),
        Value::Object(map) => {
            if let Some(clause) = map.get("Clause") {
                // `Binary`, `Unary`, …: one key, the clause.
                for inner in clause.as_object().into_iter().flat_map(|o| o.values()) {
                    let check = inner.get("check").unwrap_or(inner);
                    let pointer = first_pointer(check).unwrap_or_default();
                    let message = custom_message(inner.get("messages")).or_else(|| clause_message(inner, check));
                    out.push((pointer, message));
                }
                return;
            }
            for inner in map.values() {
                clauses_of(inner, out);
            }
        }
        _ => {}
    }
}

/// The place a clause failed on: the value compared (`from`), or the object a missing key was
/// looked for in (`traversed_to`), whichever comes first.
fn first_pointer(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for key in ["from", "traversed_to", "value"] {
                if let Some(found) = map.get(key) {
                    if let Some(path) = found.get("path").and_then(Value::as_str).filter(|p| !p.is_empty()) {
                        return Some(path.to_string());
                    }
                    if let Some(path) = first_pointer(found) {
                        return Some(path);
                    }
                }
            }
            map.values().find_map(first_pointer)
        }
        Value::Array(items) => items.iter().find_map(first_pointer),
        _ => None,
    }
}

/// A rule's or clause's custom message (`<< … >>`), its lines joined.
fn custom_message(messages: Option<&serde_json::Value>) -> Option<String> {
    let text = messages?.get("custom_message").and_then(serde_json::Value::as_str)?;
    // Some of cfn-guard's reports write the message's line breaks as `;`.
    let lines: Vec<&str> = if text.trim_start().starts_with(';') { text.split(';').collect() } else { text.lines().collect() };
    let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A clause's message without a custom one: the clause as written, and what was found (a key
/// missing, or the value compared).
fn clause_message(clause: &serde_json::Value, check: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let context = clause.get("context").and_then(Value::as_str).map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))?;
    let missing = find_key(check, "remaining_query").and_then(Value::as_str);
    let found = find_key(check, "from").and_then(|f| f.get("value"));
    let detail = match (missing, found) {
        (Some(key), _) => format!(": `{key}` is missing"),
        (None, Some(value)) => format!(": found {}", crate::finding::shortened(&value.to_string(), 80)),
        (None, None) => String::new(),
    };
    Some(format!("Guard clause `{context}` does not hold{detail}"))
}

fn find_key<'v>(value: &'v serde_json::Value, key: &str) -> Option<&'v serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map.get(key).or_else(|| map.values().find_map(|v| find_key(v, key))),
        serde_json::Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parse_errors_are_located() {
        let message = "Parser Error when parsing `Parsing Error Error parsing file bad.guard at line 2 at column 24, when handling expecting either a property access \"engine.core\" or value like \"string\", fragment \n``";
        assert_eq!(
            super::located("bad.guard", message),
            "bad.guard:2:24: expecting either a property access \"engine.core\" or value like \"string\""
        );
    }

    #[test]
    fn rule_names_are_read_from_rule_blocks() {
        let text = "let x = Resources.*\nrule sfn_tracing when %x !empty {\n  %x.Properties exists\n}\n  rule  other_rule {\n}\n# rule commented\nrules_not {}\n";
        assert_eq!(super::rule_names(text), vec!["sfn_tracing".to_string(), "other_rule".to_string()]);
    }

    #[test]
    fn failures_come_with_their_pointers_and_messages() {
        let report = serde_json::json!({"not_compliant": [
            {"Rule": {"name": "sfn_tracing", "messages": {"custom_message": null, "error_message": null}, "checks": [
                {"Clause": {"Binary": {"messages": {"custom_message": "\n  Violation: enable tracing\n", "error_message": "x"},
                    "check": {"Resolved": {"from": {"path": "/Resources/Flow/Properties/TracingConfiguration/Enabled", "value": false}, "to": {"path": "", "value": true}}}}}}
            ]}},
            {"Rule": {"name": "sfn_logging", "messages": {}, "checks": [
                {"Clause": {"Unary": {"context": " %x.Properties.LoggingConfiguration EXISTS  ", "messages": {"custom_message": "", "error_message": "Could not find key LoggingConfiguration [L:0,C:0]"},
                    "check": {"UnResolved": {"value": {"traversed_to": {"path": "/Resources/Flow/Properties"}, "remaining_query": "LoggingConfiguration"}}}}}}
            ]}}
        ]});
        let found = super::failures(&report);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].rule.as_str(), found[0].pointer.as_str(), found[0].message.as_str()),
            ("sfn_tracing", "/Resources/Flow/Properties/TracingConfiguration/Enabled", "Violation: enable tracing")
        );
        assert_eq!(
            (found[1].pointer.as_str(), found[1].message.as_str()),
            (
                "/Resources/Flow/Properties",
                "Guard clause `%x.Properties.LoggingConfiguration EXISTS` does not hold: `LoggingConfiguration` is missing"
            )
        );
    }
}
