//! The baseline: the findings a team accepted when it adopted deploylint, so that only new
//! ones fail the check. `--write-baseline FILE` records the findings of a run; `--baseline
//! FILE` (or `baseline` in the configuration) hides them. Entries match by fingerprint (rule,
//! file relative to its project root, route, named value; never lines), so they survive lines
//! added above, other findings added, and a check from another folder; a statement that grants
//! one more wildcard action is a new finding. An entry whose finding is gone is reported as
//! stale (a note at the entry), when its file was checked or no longer exists.
//!
//! The file is JSON, sorted by file, rule and route, one entry per finding, so that it diffs
//! well in review:
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": "deploylint",
//!   "findings": [
//!     { "file": "flows/order.asl.json", "rule": "asl/task-retry", "route": "States.Charge", "value": "Charge", "fingerprint": "d44cf410acf8f8c0" }
//!   ]
//! }
//! ```

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::finding::{Finding, Severity, Suppression};
use crate::parse::Node;
use crate::rule::builtin;
use crate::source::{Source, Span};

/// The files a run checked, by their project paths.
pub type Checked<'a> = HashSet<&'a str>;

/// The format's version: a file with another is refused.
pub const VERSION: u32 = 1;

/// Largest baseline read (about 2 million entries).
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// A baseline file, read.
#[derive(Debug)]
pub struct Baseline {
    pub path: PathBuf,
    source: Arc<Source>,
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Record {
    file: String,
    rule: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    route: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    fingerprint: String,
}

#[derive(Debug)]
struct Entry {
    record: Record,
    /// Where the entry is written in the baseline file.
    span: Span,
}

#[derive(Serialize)]
struct File<'a> {
    version: u32,
    tool: &'static str,
    findings: &'a [Record],
}

impl Baseline {
    /// Reads a baseline; an error names the place in the file (`path:line:column: why`).
    pub fn load(path: &Path) -> Result<Self, String> {
        let shown = crate::report::escape_control(&path.display().to_string()).into_owned();
        let metadata = std::fs::metadata(path).map_err(|e| format!("{shown}: {}", crate::discover::io_message(&e)))?;
        if !metadata.is_file() || metadata.len() > MAX_BYTES {
            return Err(format!("{shown}: not a regular file of at most {} MiB", MAX_BYTES >> 20));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {}", crate::discover::io_message(&e)))?;
        let source = Source::from_bytes(crate::discover::display_path(path), bytes).map_err(|_| format!("{shown}: not UTF-8 text"))?;
        let source = Arc::new(source);
        let at = |span: Span, why: &str| {
            let p = source.position(span.start());
            format!("{shown}:{}:{}: {why}", p.line, p.column)
        };
        let (root, _) = crate::parse::json::parse(&source.text, source.content_start(), crate::parse::json::Options::default())
            .map_err(|e| at(e.span, &format!("not a baseline (invalid JSON: {})", e.message)))?;
        match root.get("version").and_then(|v| if let crate::parse::Value::Number(n) = v.value { Some(n) } else { None }) {
            Some(n) if (n - f64::from(VERSION)).abs() < f64::EPSILON => {}
            Some(_) => {
                return Err(at(
                    root.get("version").map_or(root.span, |v| v.span),
                    "a baseline of another version: rewrite it with --write-baseline",
                ));
            }
            None => return Err(at(root.span, "not a deploylint baseline: it has no `\"version\": 1`")),
        }
        let Some(items) = root.get("findings").and_then(Node::as_array) else {
            return Err(at(root.span, "not a deploylint baseline: it has no `findings` list"));
        };
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            let text = |key: &str| item.get_str(key).map(str::to_string);
            let (Some(file), Some(rule), Some(fingerprint)) = (text("file"), text("rule"), text("fingerprint")) else {
                return Err(at(item.span, "a baseline entry needs `file`, `rule` and `fingerprint`"));
            };
            let route = text("route").unwrap_or_default();
            entries.push(Entry { record: Record { file, rule, route, value: text("value"), fingerprint }, span: item.span });
        }
        Ok(Self { path: path.to_path_buf(), source, entries })
    }

    /// Marks the findings it holds as suppressed (kind `baseline`) and returns a note for each
    /// stale entry: of a rule that ran, whose finding is gone from a file that was checked
    /// (`checked`, by project path) or that no longer exists under `root` (the baseline's
    /// project root).
    pub fn apply(&self, findings: &mut [Finding], checked: &Checked<'_>, root: &Path, active: &dyn Fn(&str) -> bool) -> Vec<Finding> {
        let mut wanted: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, entry) in self.entries.iter().enumerate() {
            wanted.entry(entry.record.fingerprint.as_str()).or_default().push(i);
        }
        let mut used = vec![false; self.entries.len()];
        for finding in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            let Some(candidates) = wanted.get_mut(finding.fingerprint.as_str()) else { continue };
            if let Some(i) = candidates.pop() {
                used[i] = true;
                finding.suppressed = Some(Box::new(Suppression { kind: "baseline", reason: None, at: None }));
            }
        }
        let mut notes = Vec::new();
        for (entry, _) in self.entries.iter().zip(&used).filter(|(_, used)| !**used) {
            let record = &entry.record;
            if !active(&record.rule) {
                continue;
            }
            let gone = !checked.contains(record.file.as_str()) && !root.join(&record.file).exists();
            if !checked.contains(record.file.as_str()) && !gone {
                continue;
            }
            let what =
                if record.route.is_empty() { String::new() } else { format!(" at `{}`", crate::finding::shortened(&record.route, 200)) };
            let why = if gone { "the file no longer exists" } else { "the finding is fixed" };
            let message = format!(
                "stale baseline entry: `{}`{what} in {} matches no finding ({why}); remove the entry, or rewrite the baseline with --write-baseline",
                record.rule,
                crate::finding::shortened(&record.file, 200),
            );
            let mut note = Finding::new(builtin::STALE_BASELINE_ENTRY, Severity::Note, &self.source, entry.span, message);
            note.locator = format!("{} → {} → {}", record.file, record.rule, record.fingerprint);
            note.label = "matches no finding".into();
            notes.push(note);
        }
        notes
    }

    /// The entries kept when this baseline is rewritten after a run that checked `checked`:
    /// those of files the run did not check.
    fn kept<'s>(&'s self, checked: &'s Checked<'_>) -> impl Iterator<Item = Record> + 's {
        self.entries.iter().filter(|e| !checked.contains(e.record.file.as_str())).map(|e| e.record.clone())
    }
}

/// Writes a baseline of `findings` (those not suppressed otherwise, and not about deploylint's
/// own configuration: `deploylint/*` notes), keeping the entries of
/// `previous` for files this run did not check; returns how many entries it holds.
pub fn write(path: &Path, findings: &[Finding], previous: Option<&Baseline>, checked: &Checked<'_>) -> std::io::Result<usize> {
    let mut records: Vec<Record> = findings
        .iter()
        // Notes about suppressions and the baseline itself are about the configuration, not
        // the code: a typo'd suppression must not be accepted for good.
        .filter(|f| f.suppressed.is_none() && !f.rule.starts_with("deploylint/"))
        .map(|f| Record {
            file: f.project_path.to_string(),
            rule: f.rule.to_string(),
            route: f.locator.clone(),
            value: if f.values.is_empty() {
                f.subject.as_deref().map(|s| crate::finding::locator_part(s).into_owned())
            } else {
                Some(crate::finding::locator_part(&f.values.join(", ")).into_owned())
            },
            fingerprint: f.fingerprint.clone(),
        })
        .collect();
    if let Some(previous) = previous {
        records.extend(previous.kept(checked));
    }
    records.sort();
    records.dedup();
    let mut text =
        serde_json::to_string_pretty(&File { version: VERSION, tool: "deploylint", findings: &records }).map_err(std::io::Error::other)?;
    text.push('\n');
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    Ok(records.len())
}
