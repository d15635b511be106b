//! One file through the pipeline: read → source → parse → extract → rules → findings.
//!
//! Files are independent; `lib::run` calls [`check_file`] on each in parallel. Nothing here
//! panics on input: unreadable, undecodable and unparsable files become `parse/*` findings.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::discover::{Candidate, display_path, read_limited};
use crate::engine::target::{Target, TargetKind, targets};
use crate::extract::{self, ArtifactKind, Context};
use crate::finding::{Finding, Label, Severity};
use crate::parse::{DuplicateKey, ParseError, ParseErrorKind, Parsed, json, yaml};
use crate::registry::{Registry, builtin};
use crate::source::{Source, Span, TextError};

/// What one run needs for every file.
pub struct RunContext<'r> {
    pub registry: &'r Registry,
    /// Rule ids that run (after --select/--ignore), with their severity.
    pub active: &'r HashMap<String, Severity>,
    pub roots: &'r [PathBuf],
}

/// The result for one file.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    /// Whether the file held anything deploylint checks.
    pub recognised: bool,
    /// The artifacts checked: file, kind and where the root starts (to count each once).
    pub artifacts: Vec<(PathBuf, ArtifactKind, u32)>,
}

/// Checks one file.
#[must_use]
pub fn check_file(candidate: &Candidate, ctx: &RunContext<'_>) -> FileOutcome {
    let mut outcome = FileOutcome::default();
    let path = display_path(&candidate.path);
    let bytes = match read_limited(&candidate.path) {
        Ok(bytes) => bytes,
        Err(err) => {
            let source = Arc::new(Source::new(path, String::new()));
            let rule = if err.kind() == std::io::ErrorKind::FileTooLarge { builtin::PARSE_LIMIT } else { builtin::PARSE_IO };
            outcome.findings.push(Finding::new(rule, Severity::Error, &source, Span::default(), format!("cannot read the file: {err}")));
            outcome.recognised = true;
            return outcome;
        }
    };
    check_bytes(path, bytes, candidate.explicit, ctx)
}

/// Checks a file's contents; `path` is how reports name it.
#[must_use]
pub fn check_bytes(path: PathBuf, bytes: Vec<u8>, explicit: bool, ctx: &RunContext<'_>) -> FileOutcome {
    let mut outcome = FileOutcome::default();
    let source = match Source::from_bytes(path, bytes) {
        Ok(source) => Arc::new(source),
        Err((prefix, error)) => {
            let source = Arc::new(prefix);
            // Invalid UTF-8 points at the first bad byte (the readable prefix ends there); a
            // binary file is wrong as a whole, so it points at its start.
            let (message, span) = match error {
                TextError::InvalidUtf8 { valid_up_to } => (
                    format!("the file is not valid UTF-8 text (bad byte at offset {valid_up_to})"),
                    Span::new(source.text.len(), source.text.len()),
                ),
                TextError::Binary { offset } => {
                    (format!("the file is binary (NUL byte at offset {offset}), not JSON or YAML text"), Span::default())
                }
            };
            outcome.findings.push(Finding::new(builtin::PARSE_ENCODING, Severity::Error, &source, span, message));
            outcome.recognised = true;
            return outcome;
        }
    };
    let parsed = match parse_source(&source) {
        Ok(parsed) => parsed,
        Err(finding) => {
            // In a directory walk a broken file is reported only if it looks like one of ours
            // (a JSONC tsconfig.json is none of deploylint's business); named explicitly, always.
            if explicit || looks_like_ours(&source.text) {
                outcome.findings.push(*finding);
                outcome.recognised = true;
            }
            return outcome;
        }
    };
    let extract_ctx = Context { source: source.clone(), roots: ctx.roots };
    for doc in &parsed.documents {
        let extraction = extract::extract(doc, &extract_ctx);
        outcome.recognised |= extraction.recognised;
        outcome.findings.extend(extraction.findings);
        for artifact in &extraction.artifacts {
            outcome.artifacts.push((artifact.source.path.clone(), artifact.kind, artifact.root.span.start));
            let mut cache: HashMap<TargetKind, Vec<Target<'_>>> = HashMap::new();
            for rule in &ctx.registry.rules {
                let (Some(kind), Some(severity)) = (rule.target, ctx.active.get(&rule.meta.id)) else { continue };
                let targets = cache.entry(kind).or_insert_with(|| targets(kind, artifact));
                if !targets.is_empty() {
                    rule.check(artifact, targets, *severity, &mut outcome.findings);
                }
            }
        }
    }
    // A duplicate key in someone else's file (a package.json) is none of our business.
    if outcome.recognised || explicit {
        outcome.findings.extend(parsed.duplicates.iter().map(|dup| duplicate_key_finding(&source, dup)));
        outcome.recognised |= !parsed.duplicates.is_empty();
    }
    outcome
}

/// Words that mark a file as a state machine, template, plan or policy even when it is broken.
fn looks_like_ours(text: &str) -> bool {
    [
        "\"StartAt\"",
        "StartAt:",
        "\"Statement\"",
        "Statement:",
        "Resources",
        "AWSTemplateFormatVersion",
        "\"format_version\"",
        "\"States\"",
        "States:",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Parses a source by its extension (`.template` files by their first character).
pub fn parse_source(source: &Arc<Source>) -> Result<Parsed, Box<Finding>> {
    let ext = source.path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let start = source.content_start();
    let is_json = match ext.as_str() {
        "json" => true,
        "yaml" | "yml" => false,
        _ => source.text[start..].trim_start().starts_with(['{', '[']),
    };
    let result = if is_json {
        let parse = |placeholders| json::parse(&source.text, start, json::Options { placeholders });
        // A definition file used with SAM `DefinitionSubstitutions` may hold `${Name}` where a
        // value goes (`"TimeoutSeconds": ${Timeout}`): CloudFormation substitutes the text first.
        parse(false)
            .or_else(|err| if source.text.contains("${") { parse(true).map_err(|_| err) } else { Err(err) })
            .map(|(node, duplicates)| Parsed { documents: vec![node], duplicates, comments: Vec::new() })
    } else {
        yaml::parse(&source.text)
    };
    result.map_err(|err| Box::new(parse_error_finding(source, &err, if is_json { "JSON" } else { "YAML" })))
}

fn parse_error_finding(source: &Arc<Source>, err: &ParseError, format: &str) -> Finding {
    let message = match err.kind {
        ParseErrorKind::Syntax => format!("invalid {format}: {}", err.message),
        ParseErrorKind::Limit => format!("{format} not checked: {}", err.message),
    };
    Finding::new(builtin::for_parse_error(err.kind), Severity::Error, source, err.span, message)
}

/// A duplicate key, pointing at the second occurrence with the first as a related label.
#[must_use]
pub fn duplicate_key_finding(source: &Arc<Source>, dup: &DuplicateKey) -> Finding {
    let mut finding = Finding::new(
        builtin::PARSE_DUPLICATE_KEY,
        Severity::Error,
        source,
        dup.span,
        format!("duplicate key `{}`: most tools keep only the last value, some reject the document", dup.key),
    );
    finding.related.push(Label { source: source.clone(), span: dup.first, text: "first defined here".into() });
    finding.label = "duplicate key".into();
    finding
}
