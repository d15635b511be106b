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
use crate::finding::{Finding, Severity};
use crate::parse::parse_source;
use crate::registry::{Registry, builtin};
use crate::source::{Source, Span};

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
            outcome.findings.push(Finding::unreadable_text(&Arc::new(prefix), &error));
            outcome.recognised = true;
            return outcome;
        }
    };
    let parsed = match parse_source(&source) {
        Ok(parsed) => parsed,
        Err(err) => {
            // In a directory walk a broken file is reported only if it looks like one of ours
            // (a JSONC tsconfig.json is none of deploylint's business); named explicitly, always.
            if explicit || looks_like_ours(&source.text) {
                outcome.findings.push(Finding::parse_error(&source, &err));
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
        outcome.findings.extend(parsed.duplicates.iter().map(|dup| Finding::duplicate_key(&source, dup)));
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
