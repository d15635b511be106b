//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Hand-written structs (as
//! ruff and zizmor do); URIs relative to the repository root (`%SRCROOT%`: the root of the git
//! repository holding the working directory, else the working directory), columns in Unicode
//! code points, fingerprints from rule + file + symbolic location (not line numbers). Code
//! scanning takes at most 25,000 results a run: past that, the most severe are kept and a tool
//! notification says how many were left out.

use serde::Serialize;

use super::{Report, path_text};
use crate::rule::RuleMeta;

use crate::source::{Position, Source, Span};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    invocations: Vec<Invocation>,
    results: super::Lazy<'a, SarifResult>,
    column_kind: &'static str,
    original_uri_base_ids: serde_json::Value,
}

/// The run's category for code scanning (`upload-sarif`'s `category` replaces it).
#[derive(Serialize)]
struct AutomationDetails {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

/// The most results GitHub code scanning accepts in one run.
pub const MAX_RESULTS: usize = 25_000;

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Properties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<String>,
    /// GitHub's severity of a security alert (0.1 to 10): rules tagged `security` only.
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
    /// A finding accepted in the source (SARIF §3.35).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifSuppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
}

/// Result properties: the service's code for the error the finding pre-empts, and the IAM
/// Access Analyzer issue code it corresponds to.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    aws_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_analyzer_issue_code: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

pub(super) fn render(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules: Vec<RuleDescriptor<'_>> = report.rules.iter().map(|m| descriptor(m)).collect();
    let root = repository_root();
    let total = report.findings.len() + report.suppressed.len();
    // Past the cap, the most severe first (findings come in file order otherwise).
    let mut kept: Vec<&crate::finding::Finding> = report.findings.iter().chain(report.suppressed).collect();
    if total > MAX_RESULTS {
        kept.sort_by_key(|f| std::cmp::Reverse(f.severity));
        kept.truncate(MAX_RESULTS);
    }
    let notifications = if total > MAX_RESULTS {
        vec![Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{total} results, more than the {MAX_RESULTS} GitHub code scanning accepts in one run: the {MAX_RESULTS} most severe are here, {} left out (the JSON report has them all)",
                    total - MAX_RESULTS
                ),
            },
        }]
    } else {
        Vec::new()
    };
    let results = super::Lazy::new(kept.into_iter().map(|f| {
        SarifResult {
            rule_id: f.rule.to_string(),
            rule_index: report.rules.iter().position(|m| *m.id == *f.rule).unwrap_or(0),
            level: f.severity.as_str(),
            message: Text { text: f.message.clone() },
            locations: vec![location(&f.source, f.span, None, root.as_deref())],
            related_locations: f.related.iter().map(|l| location(&l.source, l.span, Some(l.text.clone()), root.as_deref())).collect(),
            partial_fingerprints: serde_json::json!({ "deploylintFingerprint/v1": f.fingerprint }),
            properties: (f.aws_code.is_some() || f.access_analyzer.is_some())
                .then_some(ResultProperties { aws_code: f.aws_code, access_analyzer_issue_code: f.access_analyzer }),
            suppressions: f
                .suppressed
                .iter()
                .map(|s| SarifSuppression {
                    kind: if s.kind == "baseline" { "external" } else { "inSource" },
                    justification: s.reason.clone(),
                })
                .collect(),
        }
    }));
    let root_uri = root.as_ref().map(|d| format!("file://{}/", uri_encode(&absolute_text(d)).trim_end_matches('/'))).unwrap_or_default();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "deploylint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/deploylint/deploylint",
                    rules,
                },
            },
            automation_details: AutomationDetails { id: "deploylint/" },
            invocations: vec![Invocation { execution_successful: true, tool_execution_notifications: notifications }],
            results,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: serde_json::json!({ "%SRCROOT%": { "uri": root_uri } }),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

fn descriptor(meta: &RuleMeta) -> RuleDescriptor<'_> {
    let family = meta.id.split('/').next().unwrap_or_default().to_string();
    RuleDescriptor {
        id: &meta.id,
        name: meta.id.replace(['/', '-'], "_"),
        short_description: Text { text: meta.title.clone() },
        full_description: Text { text: meta.docs().summary.trim().to_string() },
        help: Help { text: meta.docs().fix.trim().to_string(), markdown: crate::docs::markdown(meta) },
        help_uri: meta.url.clone(),
        default_configuration: Configuration { level: meta.severity.as_str() },
        properties: Properties {
            tags: std::iter::once(family).chain(meta.tags.iter().cloned()).collect(),
            security_severity: meta.tags.iter().any(|t| t == "security").then_some(match meta.severity {
                crate::finding::Severity::Error => "8.0",
                crate::finding::Severity::Warning => "5.5",
                crate::finding::Severity::Note => "2.0",
            }),
        },
    }
}

fn location(source: &Source, span: Span, message: Option<String>, root: Option<&std::path::Path>) -> Location {
    let (start, end): (Position, Position) = source.range(span);
    Location {
        physical_location: PhysicalLocation {
            artifact_location: artifact_location(&source.path, root),
            region: Region { start_line: start.line, start_column: start.column, end_line: end.line, end_column: end.column },
        },
        message: message.map(|text| Text { text }),
    }
}

/// The directory `%SRCROOT%` stands for: the root of the git repository that holds the
/// working directory (where code scanning resolves paths from), else the working directory.
fn repository_root() -> Option<std::path::PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    Some(crate::discover::ProjectPaths::new(&[]).root(&cwd))
}

/// A file inside the root is a path relative to `%SRCROOT%`; one outside it (or when there is
/// no root) an absolute `file:` URI.
fn artifact_location(path: &std::path::Path, root: Option<&std::path::Path>) -> ArtifactLocation {
    let absolute = std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path));
    let absolute = std::fs::canonicalize(&absolute).unwrap_or(absolute);
    match root.and_then(|r| absolute.strip_prefix(r).ok()).filter(|r| !r.as_os_str().is_empty()) {
        Some(relative) => ArtifactLocation { uri: uri_encode(&path_text(relative)), uri_base_id: Some("%SRCROOT%") },
        None => ArtifactLocation { uri: format!("file://{}", uri_encode(&absolute_text(&absolute))), uri_base_id: None },
    }
}

/// An absolute path as a URI path: `/` separators, a leading `/` (Windows drives too).
fn absolute_text(path: &std::path::Path) -> String {
    let text = path_text(path);
    if text.starts_with('/') { text } else { format!("/{text}") }
}

/// Percent-encodes a path for a URI reference, keeping `/` and unreserved characters.
fn uri_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Severity};
    use std::sync::Arc;

    /// Past code scanning's cap, the most severe results are kept and a notification says how
    /// many were left out.
    #[test]
    fn results_past_the_cap_keep_the_most_severe() {
        let source = Arc::new(Source::new("policy.json", "{}".to_string()));
        let mut findings: Vec<Finding> =
            (0..MAX_RESULTS + 3).map(|_| Finding::new("iam/sid", Severity::Note, &source, Span::new(0, 1), "n".into())).collect();
        for f in findings.iter_mut().rev().take(2) {
            f.severity = Severity::Error;
        }
        let report = Report {
            findings: &findings,
            suppressed: &[],
            rules: Vec::new(),
            files: &[],
            color: false,
            elapsed_ms: 0,
            artifacts: crate::extract::ArtifactCounts::default(),
            human: crate::report::HumanOptions::default(),
        };
        let mut out = Vec::new();
        render(&report, &mut out).unwrap();
        let sarif: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), MAX_RESULTS);
        assert_eq!(results.iter().filter(|r| r["level"] == "error").count(), 2, "the errors are kept");
        let note = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"];
        assert!(note.as_str().unwrap().contains("3 left out"), "{note}");
    }
}
