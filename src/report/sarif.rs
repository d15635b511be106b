//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Hand-written structs (as
//! ruff and zizmor do); URIs relative to the working directory (`%SRCROOT%`), columns in
//! Unicode code points, fingerprints from rule + file + symbolic location (not line numbers).

use serde::Serialize;

use super::{Report, docs_url, path_text};
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
    results: super::Lazy<'a, SarifResult>,
    column_kind: &'static str,
    original_uri_base_ids: serde_json::Value,
}

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
    help_uri: String,
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
    let results = super::Lazy::new(report.findings.iter().chain(report.suppressed).map(|f| {
        SarifResult {
            rule_id: f.rule.to_string(),
            rule_index: report.rules.iter().position(|m| *m.id == *f.rule).unwrap_or(0),
            level: f.severity.as_str(),
            message: Text { text: f.message.clone() },
            locations: vec![location(&f.source, f.span, None)],
            related_locations: f.related.iter().map(|l| location(&l.source, l.span, Some(l.text.clone()))).collect(),
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
    let root = std::env::current_dir().map(|d| format!("file://{}/", uri_encode(&path_text(&d)).trim_end_matches('/'))).unwrap_or_default();
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
            results,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: serde_json::json!({ "%SRCROOT%": { "uri": root } }),
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
        full_description: Text { text: meta.docs.summary.trim().to_string() },
        help: Help { text: meta.docs.fix.trim().to_string(), markdown: crate::docs::markdown(meta) },
        help_uri: docs_url(&meta.id),
        default_configuration: Configuration { level: meta.severity.as_str() },
        properties: Properties { tags: vec![family] },
    }
}

fn location(source: &Source, span: Span, message: Option<String>) -> Location {
    let (start, end): (Position, Position) = source.range(span);
    Location {
        physical_location: PhysicalLocation {
            artifact_location: artifact_location(&source.path),
            region: Region { start_line: start.line, start_column: start.column, end_line: end.line, end_column: end.column },
        },
        message: message.map(|text| Text { text }),
    }
}

/// Relative paths are relative to `%SRCROOT%` (the working directory); others are `file:` URIs.
fn artifact_location(path: &std::path::Path) -> ArtifactLocation {
    let outside = path.components().next().is_some_and(|c| matches!(c, std::path::Component::ParentDir));
    if path.is_absolute() || outside {
        let absolute = std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path));
        let absolute = std::fs::canonicalize(&absolute).unwrap_or(absolute);
        let text = path_text(&absolute);
        let text = if text.starts_with('/') { text } else { format!("/{text}") };
        ArtifactLocation { uri: format!("file://{}", uri_encode(&text)), uri_base_id: None }
    } else {
        ArtifactLocation { uri: uri_encode(&path_text(path)), uri_base_id: Some("%SRCROOT%") }
    }
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
