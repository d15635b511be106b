//! One file through the pipeline: load (read, decode, parse: [`crate::load`]) → extract and
//! model (the artifacts with their context: [`crate::extract`], [`crate::model`]) → analyze
//! (declarative rules and analyzers: [`analyze`]) → suppress → findings. The `policy` command
//! shares the first two stages and puts the needs of each state machine where the rules go.
//!
//! Files are independent; `lib::run` calls [`check_file`] on each in parallel, within a budget
//! of file bytes in flight ([`ByteBudget`]) so that large files are checked one at a time.
//! Nothing here panics on input: unreadable, undecodable and unparsable files become `parse/*`
//! findings, and a file's findings are capped ([`Limits`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use crate::analyzers::{self, Analyzer};
use crate::discover::{Candidate, display_path};
use crate::engine::Rule;
use crate::engine::target::{Target, TargetKind, targets};
use crate::extract::ArtifactKind;
use crate::extract::{self, Artifact, Context};
use crate::finding::{Finding, Limits, Severity, Sink};
use crate::load::{self, Loaded, Reference};
use crate::model::Model;
use crate::registry::{Implementation, Registry};
use crate::source::{Source, Span};

/// Targets made at a time for the rules of one kind.
const TARGET_CHUNK: usize = 512;

/// What one run needs for every file.
pub struct RunContext<'r> {
    pub roots: &'r [PathBuf],
    pub limits: Limits,
    pub budget: ByteBudget,
    /// The active declarative rules, grouped by the target kind they check.
    rules_by_target: Vec<(TargetKind, Vec<(&'r Rule, Severity)>)>,
    /// The active analyzers.
    analyzers: Vec<(&'static Analyzer, Severity, &'r str)>,
    /// Every rule id (a suppression may name only these), and those that run.
    known: Vec<&'r str>,
    active: &'r HashMap<String, Severity>,
    /// Terraform modules, each read once in the run.
    modules: extract::Modules,
    /// The Guard files with active rules, with those rules and their severities.
    guard: Vec<GuardRun<'r>>,
    /// Whether Guard rules also run on state machines and on policies (`guard-documents`).
    guard_documents: (bool, bool),
}

/// One Guard file and the rules of it that run.
struct GuardRun<'r> {
    file: &'r crate::engine::guard::GuardFile,
    rules: Vec<(&'r str, Severity)>,
}

impl<'r> RunContext<'r> {
    /// A context with the default limits and byte budget, for the registry's rules that are
    /// `active` (after --select/--ignore, with their severity).
    #[must_use]
    pub fn new(registry: &'r Registry, active: &'r HashMap<String, Severity>, roots: &'r [PathBuf]) -> Self {
        let mut rules_by_target: Vec<(TargetKind, Vec<(&Rule, Severity)>)> = Vec::new();
        let mut analyzers = Vec::new();
        let mut guard: Vec<GuardRun<'r>> = Vec::new();
        for registered in &registry.rules {
            let Some(severity) = active.get(&registered.meta.id).copied() else { continue };
            match &registered.implementation {
                Implementation::Declarative(rule) => {
                    for &kind in &rule.targets {
                        match rules_by_target.iter_mut().find(|(k, _)| *k == kind) {
                            Some((_, rules)) => rules.push((rule, severity)),
                            None => rules_by_target.push((kind, vec![(rule, severity)])),
                        }
                    }
                }
                Implementation::Analyzer(analyzer) => analyzers.push((*analyzer, severity, registered.meta.title.as_str())),
                Implementation::Pipeline => {}
                Implementation::Guard(file, name) => match guard.iter_mut().find(|g| std::ptr::eq(g.file, std::sync::Arc::as_ptr(file))) {
                    Some(run) => run.rules.push((name.as_str(), severity)),
                    None => guard.push(GuardRun { file, rules: vec![(name.as_str(), severity)] }),
                },
            }
        }
        let known = registry.rules.iter().map(|r| r.meta.id.as_str()).collect();
        Self {
            roots,
            limits: Limits::default(),
            budget: ByteBudget::default(),
            rules_by_target,
            analyzers,
            known,
            active,
            modules: extract::Modules::default(),
            guard,
            guard_documents: (false, false),
        }
    }

    /// Guard rules also run on each state machine (`asl`) and each policy (`iam`) as its own
    /// document.
    #[must_use]
    pub fn with_guard_documents(mut self, documents: &[String]) -> Self {
        self.guard_documents = (documents.iter().any(|d| d == "asl"), documents.iter().any(|d| d == "iam"));
        self
    }
}

/// The result for one file.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    /// Whether the file held anything deploylint checks.
    pub recognised: bool,
    /// The artifacts checked, by kind (each file is checked once per run, so are they).
    pub artifacts: extract::ArtifactCounts,
    /// Files this one checked itself (a SAM `DefinitionUri` with its substitutions, a
    /// `templatefile()` template with its variables), which the run does not check again.
    pub claimed: Vec<Reference>,
}

impl FileOutcome {
    /// A path that could not be read at all: one finding at its start.
    #[must_use]
    pub fn unreadable(path: PathBuf, rule: &str, message: String) -> Self {
        let source = Arc::new(Source::new(path, String::new()));
        let findings = vec![Finding::new(rule, Severity::Error, &source, Span::default(), message)];
        Self { findings, recognised: true, ..Self::default() }
    }
}

/// File bytes being checked at once, across threads: memory grows with the files in flight
/// (a parsed file takes two to six times its size), so a run over four 60 MB files holds one
/// at a time, while small files go in parallel.
#[derive(Debug)]
pub struct ByteBudget {
    capacity: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

impl ByteBudget {
    #[must_use]
    pub fn new(capacity: u64) -> Self {
        Self { capacity, used: Mutex::new(0), freed: Condvar::new() }
    }

    /// Waits until `bytes` fit (a file larger than the budget waits until nothing else runs).
    /// A small file never waits: it costs little, and a run of large files should not leave
    /// the other cores idle.
    fn acquire(&self, bytes: u64) -> BudgetGuard<'_> {
        if bytes <= SMALL_FILE_BYTES {
            return BudgetGuard { budget: self, bytes: 0 };
        }
        let bytes = bytes.min(self.capacity);
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used + bytes > self.capacity {
            used = self.freed.wait(used).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used += bytes;
        BudgetGuard { budget: self, bytes }
    }
}

/// Files up to this size are not counted against the budget.
const SMALL_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// File bytes in flight by default: a file of more than this many bytes is checked alone.
pub const DEFAULT_BYTES_IN_FLIGHT: u64 = 32 * 1024 * 1024;

impl Default for ByteBudget {
    fn default() -> Self {
        Self::new(DEFAULT_BYTES_IN_FLIGHT)
    }
}

struct BudgetGuard<'b> {
    budget: &'b ByteBudget,
    bytes: u64,
}

impl Drop for BudgetGuard<'_> {
    fn drop(&mut self) {
        if self.bytes == 0 {
            return;
        }
        let mut used = self.budget.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

/// Checks one file.
#[must_use]
pub fn check_file(candidate: &Candidate, ctx: &RunContext<'_>) -> FileOutcome {
    let _guard = ctx.budget.acquire(load::size_of(&candidate.path));
    match load::file(&candidate.path) {
        Ok(loaded) => check_loaded(&loaded, candidate.explicit, ctx),
        Err(failure) => failed(failure, display_path(&candidate.path)),
    }
}

/// Checks a file's contents; `path` is how reports name it.
#[must_use]
pub fn check_bytes(path: PathBuf, bytes: Vec<u8>, explicit: bool, ctx: &RunContext<'_>) -> FileOutcome {
    match load::bytes_as(path.clone(), bytes) {
        Ok(loaded) => check_loaded(&loaded, explicit, ctx),
        Err(failure) => failed(failure, path),
    }
}

/// A file that could not be loaded: the finding that says why.
fn failed(failure: load::Failure, path: PathBuf) -> FileOutcome {
    FileOutcome { findings: vec![failure.finding(path)], recognised: true, ..FileOutcome::default() }
}

/// Runs the rules of the run over one artifact (the analyze stage).
fn analyze(artifact: &Artifact<'_>, ctx: &RunContext<'_>, sink: &mut Sink) {
    let model = Model::new(artifact);
    if artifact.combined.is_some() {
        // A principal's policies put together: only the checks that look across them.
        for (analyzer, severity, title) in ctx.analyzers.iter().filter(|(a, ..)| analyzers::ACROSS_POLICIES.contains(&a.id)) {
            analyzers::run(analyzer, *severity, title, &model, sink);
        }
        return;
    }
    sink.mute(artifact.written_for);
    for (kind, rules) in &ctx.rules_by_target {
        // Targets in chunks: every rule of the kind sees each chunk, and the chunk's copies go
        // before the next are made.
        let mut all = targets(*kind, &model);
        loop {
            let chunk: Vec<Target<'_>> = all.by_ref().take(TARGET_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            for (rule, severity) in rules {
                rule.check(artifact, &chunk, *severity, sink);
            }
        }
    }
    for (analyzer, severity, title) in &ctx.analyzers {
        analyzers::run(analyzer, *severity, title, &model, sink);
    }
    sink.mute(None);
    let (asl, iam) = ctx.guard_documents;
    let guarded = match artifact.kind {
        ArtifactKind::Template | ArtifactKind::Plan => true,
        ArtifactKind::StateMachine => asl,
        ArtifactKind::Policy => iam && artifact.written_for.is_none(),
        ArtifactKind::Configuration => false,
    };
    if guarded && !ctx.guard.is_empty() {
        guard(artifact, &ctx.guard, sink);
    }
}

/// Runs the Guard rules on one artifact as a JSON document: each failed clause a finding at the
/// node it failed on.
#[cfg(feature = "guard")]
fn guard(artifact: &Artifact<'_>, runs: &[GuardRun<'_>], sink: &mut Sink) {
    let document = crate::extract::document_json(&artifact.root);
    for run in runs {
        let failures = match crate::engine::guard::evaluate(run.file, &document) {
            Ok(failures) => failures,
            Err(message) => {
                let rule = run.rules[0].0;
                let mut finding = Finding::new(
                    &format!("guard/{rule}"),
                    Severity::Error,
                    &artifact.source,
                    artifact.root.span,
                    format!("cfn-guard could not evaluate `{}`: {message}", run.file.path.display()),
                );
                finding.locator = crate::finding::route(&artifact.location, "");
                sink.push(finding);
                continue;
            }
        };
        for failure in failures {
            let Some((_, severity)) = run.rules.iter().find(|(name, _)| *name == failure.rule) else { continue };
            let id = format!("guard/{}", failure.rule);
            let mut finding =
                Finding::new(&id, *severity, &artifact.source, guard_place(&artifact.root, &failure.pointer), failure.message);
            finding.label = format!("Guard rule {} failed here", failure.rule);
            finding.locator = crate::finding::route(&artifact.location, &failure.pointer);
            sink.push(finding);
        }
    }
}

/// Where a Guard failure is shown: the value a pointer names, or, for an object or a list (a
/// key missing in it), the key that holds it.
#[cfg(feature = "guard")]
fn guard_place(root: &crate::parse::Node, pointer: &str) -> Span {
    // No place at all (a clause over a filtered variable): the document's first key.
    if pointer.is_empty() {
        return root.as_object().and_then(<[_]>::first).map_or(root.span, |e| e.key_span);
    }
    let (node, _) = root.pointer(pointer);
    if node.as_object().is_none() && node.as_array().is_none() {
        return node.span;
    }
    let Some((parent, last)) = pointer.rsplit_once('/') else { return node.span };
    let (holder, whole) = root.pointer(parent);
    let key = last.replace("~1", "/").replace("~0", "~");
    match holder.entry(&key) {
        Some(entry) if whole && std::ptr::eq(std::ptr::from_ref(&entry.value), node) => entry.key_span,
        _ => node.span,
    }
}

#[cfg(not(feature = "guard"))]
fn guard(_artifact: &Artifact<'_>, _runs: &[GuardRun<'_>], _sink: &mut Sink) {}

/// Checks a loaded file: its artifacts, one at a time as extraction hands them on, then what
/// loading and extraction found, then its suppressions.
fn check_loaded(loaded: &Loaded, explicit: bool, ctx: &RunContext<'_>) -> FileOutcome {
    let Loaded { source, parsed } = loaded;
    let mut outcome = FileOutcome::default();
    let mut sink = Sink::new(ctx.limits);
    ctx.modules.prepare(&source.path, ctx.roots);
    let extract_ctx = Context::new(source.clone(), ctx.roots).with_modules(&ctx.modules);
    let mut artifacts = extract::ArtifactCounts::default();
    let extracted = extract::file(loaded, &extract_ctx, &mut |artifact| {
        if artifact.combined.is_none() {
            artifacts.add(artifact.kind);
        }
        analyze(&artifact, ctx, &mut sink);
    });
    outcome.artifacts = artifacts;
    outcome.recognised = extracted.recognised;
    sink.absorb(extracted.findings);
    outcome.claimed = extract_ctx.files.into_claimed();
    if let Some(at) = parsed.unchecked_template
        && (explicit || looks_like_ours(&source.text))
    {
        sink.push(Finding::new(
            crate::rule::builtin::TF_UNCHECKED_TEMPLATE,
            Severity::Note,
            source,
            at,
            "this template is not checked: with this directive's first branch it does not render JSON, so what it renders depends on values known only to Terraform".into(),
        ));
        outcome.recognised = true;
    }
    if let Some(err) = &parsed.error {
        // In a directory walk a broken file is reported only if it looks like one of ours
        // (a JSONC tsconfig.json is none of deploylint's business; a `.tf` file always is);
        // named explicitly, always.
        let configuration = source.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tf"));
        if explicit || outcome.recognised || configuration || looks_like_ours(&source.text) {
            sink.push(Finding::parse_error(source, err));
            outcome.recognised = true;
        }
    }
    // A duplicate key in someone else's file (a package.json) is none of our business.
    if outcome.recognised || explicit {
        sink.extend(parsed.duplicates.iter().map(|dup| Finding::duplicate_key(source, dup)));
        outcome.recognised |= !parsed.duplicates.is_empty();
    }
    outcome.findings = sink.into_findings();
    let active = |selector: &str| ctx.active.keys().any(|id| crate::settings::matches_selector(id, selector));
    let rules = crate::suppress::Rules { known: &ctx.known, active: &active };
    let mut notes = crate::suppress::apply(source, &parsed.comments, &suppression_tree(parsed), &mut outcome.findings, &rules);
    // A file read for this one's documents (a SAM definition, a Serverless `${file(…)}` part)
    // has its own suppression comments.
    let mut others: Vec<Arc<Source>> = Vec::new();
    for finding in &outcome.findings {
        if !Arc::ptr_eq(&finding.source, source) && !others.iter().any(|o| Arc::ptr_eq(o, &finding.source)) {
            others.push(finding.source.clone());
        }
    }
    for other in others.into_iter().filter(|o| o.text.contains("deploylint:")) {
        let Loaded { source: other, parsed } = load::source_of(other);
        notes.extend(crate::suppress::apply(&other, &parsed.comments, &suppression_tree(&parsed), &mut outcome.findings, &rules));
    }
    outcome.findings.extend(notes);
    keep_excerpt(source, &mut outcome.findings);
    outcome
}

/// What suppression comments read places in: a file's documents, or a Terraform file's outline
/// (its attributes' values, so that a comment covers a multi-line value).
fn suppression_tree(parsed: &crate::parse::Parsed) -> std::borrow::Cow<'_, [crate::parse::Node]> {
    match parsed.hcl.as_deref() {
        Some(body) => std::borrow::Cow::Owned(vec![crate::parse::hcl::outline(body)]),
        None => std::borrow::Cow::Borrowed(&parsed.documents),
    }
}

/// Sources larger than this keep only an excerpt for the report once checked.
const EXCERPT_ABOVE: usize = 1024 * 1024;

/// Findings hold their source until the report; of a large file they keep only the text around
/// them (with the line index), so a run over many large files holds one at a time.
fn keep_excerpt(source: &Arc<Source>, findings: &mut [Finding]) {
    if source.len() <= EXCERPT_ABOVE || findings.is_empty() {
        return;
    }
    let mine = |s: &Arc<Source>| Arc::ptr_eq(s, source);
    let offsets = findings.iter().flat_map(|f| {
        let own = mine(&f.source).then_some(f.span).into_iter();
        own.chain(f.related.iter().filter(|l| mine(&l.source)).map(|l| l.span)).flat_map(|s| [s.start(), s.end()])
    });
    let excerpt = Arc::new(source.excerpt(offsets.collect::<Vec<_>>()));
    for finding in findings {
        if mine(&finding.source) {
            finding.source = excerpt.clone();
        }
        for label in &mut finding.related {
            if mine(&label.source) {
                label.source = excerpt.clone();
            }
        }
    }
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
