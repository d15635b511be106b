//! deploylint: a policy-as-code linter and pre-deploy checker for AWS Step Functions
//! workflows, CloudFormation/SAM templates, Terraform JSON plans and IAM policies.
//!
//! The pipeline, one module per stage: [`discover`] (paths → files), [`source`] (bytes → text
//! and spans), [`parse`] (text → spanned tree, embedded documents), [`extract`] (tree →
//! artifacts), [`engine`] (declarative rules over targets), [`report`] (findings → output).
//! [`rule`] holds what every rule carries (metadata, built-in ids), below the engine and the
//! registry.
//! [`pipeline`] runs one file through the stages; [`run`] runs them all in parallel.

#![forbid(unsafe_code)]

pub mod analyzers;
pub mod cli;
pub mod config;
pub mod data;
pub mod discover;
pub mod docs;
pub mod engine;
pub mod examples;
pub mod extract;
pub mod finding;
pub mod lang;
pub mod load;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod policy;
pub mod registry;
pub mod report;
pub mod rule;
pub mod settings;
pub mod source;
pub mod suppress;

use std::collections::HashMap;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use cli::{CheckArgs, Cli, ColorChoice, Command, ListFormat};
use finding::{Finding, Severity};
use registry::Registry;
use settings::{Settings, SettingsError};

/// What the binary prints and returns.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

/// Exit codes (DESIGN.md): 0 nothing at or above the threshold, 1 findings, 2 usage/config error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

impl Outcome {
    fn usage(message: impl Into<String>) -> Self {
        let mut stderr = message.into();
        if !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        Self { stdout: String::new(), stderr, code: EXIT_USAGE }
    }
}

/// Runs a parsed command line; the report is in [`Outcome::stdout`].
#[must_use]
pub fn main_with(cli: Cli) -> Outcome {
    buffered(|out| main_to(cli, out))
}

/// Runs `f` with the report written to memory, then puts it in [`Outcome::stdout`].
fn buffered(f: impl FnOnce(&mut dyn std::io::Write) -> Outcome) -> Outcome {
    let mut buffer = Vec::new();
    let mut outcome = f(&mut buffer);
    if !buffer.is_empty() {
        outcome.stdout = String::from_utf8_lossy(&buffer).into_owned();
    }
    outcome
}

/// Runs a parsed command line, writing the report to `stdout` as it is rendered (a report can
/// be large; it is never held whole in memory). A failed write is exit code 2 with a message;
/// a closed pipe (`deploylint | head`) ends the output quietly.
pub fn main_to(cli: Cli, stdout: &mut dyn std::io::Write) -> Outcome {
    match cli.command {
        None => run_to(&cli.check, stdout),
        Some(Command::Check(args)) => run_to(&args, stdout),
        Some(Command::Rules(args)) => list_rules(&args.rules, args.format),
        Some(Command::Explain(args)) => explain(&args.rule, &args.rules),
        Some(Command::Config(args)) => show_config(&args),
        Some(Command::Policy(args)) => policy::run(&args.target, args.format),
        Some(Command::TestRules(args)) => test_rules(&args.dirs),
    }
}

/// `deploylint test-rules DIR...`: runs the examples of the rules in `dirs` (not the bundled
/// ones), reporting each that fails; exit 1 when one does, 2 when a rule file is bad.
fn test_rules(dirs: &[PathBuf]) -> Outcome {
    let registry = match load_registry(dirs) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let bundled = match load_registry(&[]) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let own: Vec<_> = registry.rules.iter().filter(|r| bundled.get(&r.meta.id).is_none()).collect();
    if own.is_empty() {
        return Outcome::usage(format!("no rule files in {}", dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")));
    }
    let mut stdout = String::new();
    let (mut failed, mut examples) = (0, 0);
    for rule in &own {
        let meta = &rule.meta;
        examples += meta.examples().fail.len() + meta.examples().pass.len();
        let failures = examples::check(&registry, meta);
        if meta.examples().fail.is_empty() && meta.examples().pass.is_empty() {
            stdout.push_str(&format!("{}  no examples ({})\n", meta.id, meta.file));
            continue;
        }
        if failures.is_empty() {
            stdout.push_str(&format!("{}  ok ({} examples)\n", meta.id, meta.examples().fail.len() + meta.examples().pass.len()));
        }
        for failure in &failures {
            failed += 1;
            stdout.push_str(&format!("{}  FAILED {}: {} ({})\n", failure.rule, failure.example, failure.problem, meta.file));
        }
    }
    stdout.push_str(&format!("\n{} rules, {examples} examples, {failed} failed\n", own.len()));
    Outcome { stdout, stderr: String::new(), code: if failed > 0 { EXIT_FINDINGS } else { EXIT_OK } }
}

/// The rules `rules` and `explain` show: the bundled ones, the configuration's `rules-dirs`
/// (the configuration found from the working directory) and `--rules`.
fn load_listed_registry(extra: &[PathBuf]) -> Result<Registry, Outcome> {
    let overrides = settings::Overrides { rules_dirs: extra.to_vec(), ..settings::Overrides::default() };
    let (settings, _) = Settings::resolve(&overrides).map_err(settings_error)?;
    load_registry(&settings.rules_dirs)
}

fn load_registry(extra: &[PathBuf]) -> Result<Registry, Outcome> {
    Registry::load(extra).map_err(|errors| {
        let text: Vec<String> = errors.iter().map(|e| format!("error: bad rule file: {e}")).collect();
        Outcome::usage(text.join("\n"))
    })
}

fn list_rules(extra: &[PathBuf], format: ListFormat) -> Outcome {
    let registry = match load_listed_registry(extra) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let mut stdout = String::new();
    match format {
        ListFormat::Text => {
            let width = registry.rules.iter().map(|r| r.meta.id.len()).max().unwrap_or(0);
            for rule in &registry.rules {
                stdout.push_str(&format!("{:width$}  {:7}  {}\n", rule.meta.id, rule.meta.severity.as_str(), rule.meta.title));
            }
        }
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = registry
                .rules
                .iter()
                .map(|r| serde_json::json!({"id": r.meta.id, "severity": r.meta.severity, "title": r.meta.title, "target": r.meta.target}))
                .collect();
            stdout = serde_json::to_string_pretty(&list).unwrap_or_default();
            stdout.push('\n');
        }
    }
    Outcome { stdout, stderr: String::new(), code: EXIT_OK }
}

fn explain(id: &str, extra: &[PathBuf]) -> Outcome {
    let registry = match load_listed_registry(extra) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    if let Some(rule) = registry.get(id) {
        return Outcome { stdout: docs::markdown(&rule.meta), stderr: String::new(), code: EXIT_OK };
    }
    let ids: Vec<&str> = registry.rules.iter().map(|r| r.meta.id.as_str()).collect();
    let close = finding::suggestion(id, ids.iter().copied()).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
    Outcome::usage(format!("error: unknown rule `{}`{close} (see `deploylint rules`)", finding::shortened(id, 100)))
}

/// A configuration or selection error: exit code 2, with the place in the file.
fn settings_error(err: SettingsError) -> Outcome {
    match err {
        SettingsError::Config(err) => Outcome::usage(format!("error: bad configuration: {err}")),
        SettingsError::Usage(message) => Outcome::usage(format!("error: {message}")),
    }
}

/// What a check with these arguments runs with: its settings, the rules, the active ones with
/// their severities, and the ids whose severity the configuration sets.
struct Prepared {
    settings: Settings,
    registry: Registry,
    active: HashMap<String, Severity>,
    overridden: Vec<String>,
}

/// `f` of each file, in parallel; of one file on this thread, without starting the thread pool
/// (which takes longer than checking a small template: the commit hook's case).
fn each_file<T: Send>(files: &[discover::Candidate], f: impl Fn(&discover::Candidate) -> T + Sync + Send) -> Vec<T> {
    if files.len() < 2 { files.iter().map(f).collect() } else { files.par_iter().map(f).collect() }
}

/// Resolves the settings, loads the rules and selects them; an error is the outcome to return.
fn prepare(args: &CheckArgs) -> Result<Prepared, Outcome> {
    let (settings, config) = Settings::resolve(&args.overrides()).map_err(settings_error)?;
    let mut registry = load_registry(&settings.rules_dirs)?;
    if !settings.guard_rules.is_empty() {
        let files = engine::guard::load(&settings.guard_rules).map_err(|errors| {
            Outcome::usage(errors.iter().map(|e| format!("error: bad Guard rule file: {e}")).collect::<Vec<_>>().join("\n"))
        })?;
        registry.add_guard(&files).map_err(|errors| {
            Outcome::usage(errors.iter().map(|e| format!("error: bad Guard rule file: {e}")).collect::<Vec<_>>().join("\n"))
        })?;
    }
    let (active, overridden) = settings.active_rules(&registry, config.as_ref()).map_err(settings_error)?;
    Ok(Prepared { settings, registry, active, overridden })
}

/// `deploylint config`: the settings a check with these arguments would use.
fn show_config(args: &CheckArgs) -> Outcome {
    match prepare(args) {
        Ok(prepared) => Outcome { stdout: prepared.settings.to_toml(), stderr: String::new(), code: EXIT_OK },
        Err(outcome) => outcome,
    }
}

/// `deploylint check`, with the report in [`Outcome::stdout`].
#[must_use]
pub fn run(args: &CheckArgs) -> Outcome {
    buffered(|out| run_to(args, out))
}

/// `deploylint check`, streaming the report to `stdout` (or `--output`).
pub fn run_to(args: &CheckArgs, stdout: &mut dyn std::io::Write) -> Outcome {
    let started = Instant::now();
    let Prepared { settings, registry, active, overridden } = match prepare(args) {
        Ok(prepared) => prepared,
        Err(outcome) => return outcome,
    };
    let filters = match discover::Filters::new(&settings.include, &settings.exclude)
        .and_then(|f| f.anchored(&settings.per_path_base, &settings.config_include, &settings.config_exclude))
    {
        Ok(f) if settings.force_exclude => f.force_exclude(settings.per_path_base.clone()),
        Ok(f) => f,
        Err(message) => return Outcome::usage(format!("error: {message}")),
    };
    let roots: Vec<PathBuf> = settings.paths.clone();
    // A path that does not exist is a usage error (a typo must not pass CI).
    for root in &roots {
        if let Err(err) = std::fs::symlink_metadata(root) {
            return Outcome::usage(format!(
                "error: {}: {}",
                report::escape_control(&root.display().to_string()),
                discover::io_message(&err)
            ));
        }
    }
    let mut stderr = String::new();
    let (candidates, walk_errors, skipped) = discover::discover_all(&roots, &filters);
    // DefinitionUri may read files below the roots and the working directory, nowhere else.
    let mut allowed: Vec<PathBuf> =
        roots.iter().map(|r| if r.is_file() { r.parent().map(PathBuf::from).unwrap_or_default() } else { r.clone() }).collect();
    allowed.push(PathBuf::from("."));
    let allowed = discover::canonical_roots(&allowed);
    let limits = settings.limits;
    let mut ctx = pipeline::RunContext::new(&registry, &active, &allowed).with_guard_documents(&settings.guard_documents);
    ctx.limits = limits;
    let progress = if !args.quiet && std::io::stderr().is_terminal() {
        let (delay, every) = (std::time::Duration::from_secs(1), std::time::Duration::from_millis(100));
        report::progress::Progress::start(candidates.len(), delay, every, Box::new(std::io::stderr()))
    } else {
        report::progress::Progress::hidden()
    };
    let check = |c: &discover::Candidate| {
        let outcome = pipeline::check_file(c, &ctx);
        progress.tick();
        (c.clone(), outcome)
    };
    // Files that read others (configurations, services, templates) first: the files they read
    // (templates with their variables, definitions with their substitutions, `${file(…)}`
    // parts) are not checked again on their own.
    let (configurations, others): (Vec<discover::Candidate>, Vec<discover::Candidate>) =
        candidates.into_iter().partition(|c| reads_other_files(&c.path));
    let mut outcomes: Vec<(discover::Candidate, pipeline::FileOutcome)> = each_file(&configurations, check);
    let claimed = Claimed::of(&outcomes);
    let (done, others): (Vec<discover::Candidate>, Vec<discover::Candidate>) = others.into_iter().partition(|c| claimed.contains(&c.path));
    outcomes.extend(done.into_iter().map(|c| (c, pipeline::FileOutcome { recognised: true, ..pipeline::FileOutcome::default() })));
    outcomes.extend(each_file(&others, check));
    drop_claimed(&mut outcomes);
    drop(progress);
    for err in walk_errors {
        if err.io {
            // A directory that cannot be read hides its files: that fails the run.
            let message = format!("cannot read this directory: {}; its files are not checked", err.message);
            let outcome = pipeline::FileOutcome::unreadable(discover::display_path(&err.path), rule::builtin::PARSE_IO, message);
            outcomes.push((discover::Candidate { path: err.path, explicit: true }, outcome));
        } else {
            stderr.push_str(&format!("warning: {}: {}\n", report::escape_control(&err.path.display().to_string()), err.message));
        }
    }
    let folder =
        |file: &std::path::Path| file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new(".")).to_path_buf();
    let anchors: Vec<PathBuf> =
        settings.config.iter().chain(settings.write_baseline.as_ref().or(settings.baseline.as_ref())).map(|f| folder(f)).collect();
    let mut projects = discover::ProjectPaths::new(&anchors.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let unread: Vec<PathBuf> = outcomes.iter().filter(|(_, o)| !o.recognised).map(|(c, _)| c.path.clone()).collect();
    let (all, files, artifacts) = merge_outcomes(outcomes, &active, &overridden, &settings.per_path_matcher(), &mut projects, &mut stderr);
    let nothing_checked = files.is_empty().then(|| nothing_checked(&unread, &skipped));
    let mut all = all;
    if let Err(outcome) = apply_baseline(&settings, &active, &files, &mut projects, &mut all, &mut stderr) {
        return outcome;
    }
    // In place: the findings are the run's largest allocation.
    let suppressed: Vec<Finding> = all.extract_if(.., |f| f.suppressed.is_some()).collect();
    let findings = all;

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let mut used: Vec<&rule::RuleMeta> = registry.rules.iter().filter(|r| active.contains_key(&r.meta.id)).map(|r| &r.meta).collect();
    used.sort_by(|a, b| a.id.cmp(&b.id));
    let report = report::Report {
        findings: &findings,
        suppressed: &suppressed,
        rules: used,
        files: &files,
        color,
        elapsed_ms: started.elapsed().as_millis(),
        artifacts,
        human: report::HumanOptions {
            show_notes: args.show_notes,
            // A note selected by its id is what the user asked to see.
            note_rules: settings.select.iter().chain(&settings.extend_select).filter(|s| s.contains('/')).cloned().collect(),
            quiet: args.quiet,
            statistics: args.statistics,
            nothing_checked,
        },
    };
    let written = if let Some(path) = &args.output {
        std::fs::File::create(path).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            report.render_to(args.format, &mut out)?;
            out.flush()
        })
    } else {
        let mut out = std::io::BufWriter::new(stdout);
        report.render_to(args.format, &mut out).and_then(|()| out.flush())
    };
    if let Err(err) = written
        && (err.kind() != std::io::ErrorKind::BrokenPipe || args.output.is_some())
    {
        let place = args.output.as_ref().map_or_else(|| "standard output".to_string(), |p| p.display().to_string());
        return Outcome::usage(format!(
            "{stderr}error: cannot write the report to {}: {}",
            report::escape_control(&place),
            discover::io_message(&err)
        ));
    }
    if args.quiet {
        // Only what went wrong: the notes about files not checked and the baseline written go.
        let kept: Vec<&str> = stderr.split_inclusive('\n').filter(|l| !l.starts_with("note: ") && !l.starts_with("wrote ")).collect();
        stderr = kept.concat();
    }
    let threshold = settings.fail_on.threshold();
    let failed = threshold.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
    Outcome { stdout: String::new(), stderr, code: if failed { EXIT_FINDINGS } else { EXIT_OK } }
}

/// Writes the baseline (`--write-baseline`: this run's findings, then accepted) or applies it
/// (its findings accepted, stale entries as notes). A baseline that cannot be read is exit 2.
fn apply_baseline(
    settings: &Settings,
    active: &HashMap<String, Severity>,
    files: &[PathBuf],
    projects: &mut discover::ProjectPaths,
    findings: &mut Vec<Finding>,
    stderr: &mut String,
) -> Result<(), Outcome> {
    use suppress::baseline::{self, Baseline};
    let names: Vec<String> = files.iter().map(|f| projects.relative(f)).collect();
    let checked: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let shown = |path: &std::path::Path| report::escape_control(&path.display().to_string()).into_owned();
    if let Some(path) = &settings.write_baseline {
        // Entries of files this run did not check are kept; a file there that is no baseline
        // is left alone (a template given by mistake must not be overwritten).
        let previous = if path.exists() {
            Some(Baseline::load(path).map_err(|e| Outcome::usage(format!("{stderr}error: not writing the baseline over {e}")))?)
        } else {
            None
        };
        let count = baseline::write(path, findings, previous.as_ref(), &checked).map_err(|e| {
            Outcome::usage(format!("{stderr}error: cannot write the baseline {}: {}", shown(path), discover::io_message(&e)))
        })?;
        stderr.push_str(&format!("wrote {count} finding{} to the baseline {}\n", if count == 1 { "" } else { "s" }, shown(path)));
        for finding in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            finding.suppressed = Some(Box::new(finding::Suppression { kind: "baseline", reason: None, at: None }));
        }
        return Ok(());
    }
    let Some(path) = &settings.baseline else { return Ok(()) };
    let baseline = Baseline::load(path).map_err(|e| Outcome::usage(format!("{stderr}error: bad baseline: {e}")))?;
    let root = projects.root(path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new(".")));
    let mut notes = baseline.apply(findings, &checked, &root, &|rule| active.contains_key(rule));
    if active.contains_key(rule::builtin::STALE_BASELINE_ENTRY) {
        let name: std::sync::Arc<str> = std::sync::Arc::from(projects.relative(path));
        for note in &mut notes {
            note.project_path = name.clone();
            note.fingerprint = note.fingerprint_in(&name);
        }
        findings.extend(notes);
    }
    Ok(())
}

/// Whether a file is likely to read others for its own documents: a Terraform configuration
/// (`.tf`), a Serverless Framework service (`serverless.yml`), a template (`template.yaml`, SAM's
/// `DefinitionUri`). These are checked first, so that the files they read are not checked again
/// on their own; what is read by a file checked later is dropped afterwards (`drop_claimed`).
fn reads_other_files(path: &std::path::Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tf")) || name.starts_with("serverless.") || name.contains("template")
}

/// Why a run checked nothing: the kinds of files it saw, and why each was not read.
fn nothing_checked(unread: &[PathBuf], skipped: &discover::Skipped) -> String {
    let name = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let some = |paths: &[&PathBuf]| {
        let mut names: Vec<String> =
            paths.iter().take(3).map(|p| report::escape_control(&discover::display_path(p).display().to_string()).into_owned()).collect();
        if paths.len() > 3 {
            names.push(format!("{} more", paths.len() - 3));
        }
        names.join(", ")
    };
    let count = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let terraform_file = |p: &PathBuf| p.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "tfvars" | "hcl"));
    let terraform: Vec<&PathBuf> = skipped.terraform.iter().chain(unread.iter().filter(|p| terraform_file(p))).collect();
    let unread: Vec<&PathBuf> = unread.iter().filter(|p| !terraform_file(p)).collect();
    let serverless: Vec<&PathBuf> = unread.iter().copied().filter(|p| name(p).starts_with("serverless.")).collect();
    let cdk: Vec<&PathBuf> = unread
        .iter()
        .copied()
        .filter(|p| matches!(name(p).as_str(), "manifest.json" | "tree.json" | "cdk.json") || name(p).ends_with(".assets.json"))
        .collect();
    let templates: Vec<&PathBuf> =
        skipped.templates.iter().chain(unread.iter().copied().filter(|p| parse::is_template_name(&name(p)))).collect();
    let other: Vec<&PathBuf> =
        unread.iter().copied().filter(|p| !serverless.contains(p) && !cdk.contains(p) && !templates.contains(p)).collect();
    let mut parts = Vec::new();
    if !terraform.is_empty() {
        parts.push(format!(
            "{} ({}): variables and settings, read with the `.tf` files of their folder (there are none here); a plan is read too: `terraform plan -out=plan.out && terraform show -json plan.out > plan.json`",
            count(terraform.len(), "Terraform file", "Terraform files"),
            some(&terraform)
        ));
    }
    if !serverless.is_empty() {
        parts.push(format!(
            "{} ({}): no `service` with a `provider`, so not a service deploylint reads; the CloudFormation it packages can be checked: `serverless package`, then `deploylint check .serverless/`",
            count(serverless.len(), "Serverless Framework file", "Serverless Framework files"),
            some(&serverless)
        ));
    }
    if !cdk.is_empty() {
        parts.push(format!(
            "{} ({}): CDK metadata; the synthesized `*.template.json` files are what deploylint checks",
            count(cdk.len(), "CDK file", "CDK files"),
            some(&cdk)
        ));
    }
    if !templates.is_empty() {
        parts.push(format!(
            "{} ({}): none renders a state machine or policy; deploylint reads `*.tftpl` and `*.json.tpl` templates that render JSON",
            count(templates.len(), "template", "templates"),
            some(&templates)
        ));
    }
    if !other.is_empty() {
        parts.push(format!(
            "{} ({}): none is a state machine, CloudFormation/SAM template, Terraform plan or IAM policy",
            count(other.len(), "other JSON/YAML file", "other JSON/YAML files"),
            some(&other)
        ));
    }
    if skipped.other > 0 {
        parts.push(format!("{} of other types", count(skipped.other, "file", "files")));
    }
    if parts.is_empty() {
        return "no files found".into();
    }
    format!("no file here is one deploylint reads.\n  - {}", parts.join("\n  - "))
}

/// A file another one read for its documents (a SAM `DefinitionUri`, a `templatefile()`
/// template) is reported as that one checked it, with what it knows of it (substitutions,
/// variables): its own check, without that knowledge, is left out.
fn drop_claimed(outcomes: &mut [(discover::Candidate, pipeline::FileOutcome)]) {
    let claimed = Claimed::of(outcomes);
    for (candidate, outcome) in outcomes.iter_mut() {
        if outcome.claimed.is_empty() && claimed.contains(&candidate.path) {
            *outcome = pipeline::FileOutcome { recognised: true, ..pipeline::FileOutcome::default() };
        }
    }
}

/// The files that checked files read (canonical paths).
struct Claimed {
    paths: std::collections::BTreeSet<PathBuf>,
    names: std::collections::HashSet<std::ffi::OsString>,
}

impl Claimed {
    fn of(outcomes: &[(discover::Candidate, pipeline::FileOutcome)]) -> Self {
        let paths: std::collections::BTreeSet<PathBuf> =
            outcomes.iter().flat_map(|(_, o)| o.claimed.iter().map(|r| r.canonical.clone())).collect();
        let names = paths.iter().filter_map(|p| p.file_name().map(std::ffi::OsStr::to_os_string)).collect();
        Self { paths, names }
    }

    /// Whether `path` is one of them. Resolving a path costs a system call per folder: only a
    /// file with a claimed file's name, or a link (whose name may differ), is resolved.
    fn contains(&self, path: &std::path::Path) -> bool {
        !self.paths.is_empty()
            && (path.file_name().is_some_and(|n| self.names.contains(n)) || path.is_symlink())
            && path.canonicalize().is_ok_and(|p| self.paths.contains(&p))
    }
}

/// Findings alike for fingerprints: rule, project path, route, value.
type Alike = (std::sync::Arc<str>, std::sync::Arc<str>, String, Option<String>);

/// Gathers the files' outcomes: findings with this run's severities, sorted, deduplicated and
/// numbered; the files checked; the artifacts, each counted once.
fn merge_outcomes(
    outcomes: Vec<(discover::Candidate, pipeline::FileOutcome)>,
    active: &HashMap<String, Severity>,
    overridden: &[String],
    per_path: &settings::PerPathMatcher,
    projects: &mut discover::ProjectPaths,
    stderr: &mut String,
) -> (Vec<Finding>, Vec<PathBuf>, extract::ArtifactCounts) {
    let mut findings: Vec<Finding> = Vec::with_capacity(outcomes.iter().map(|(_, o)| o.findings.len()).sum());
    let mut files = std::collections::BTreeSet::new();
    let mut artifacts = extract::ArtifactCounts::default();
    for (candidate, outcome) in outcomes {
        artifacts.merge(outcome.artifacts);
        if outcome.recognised {
            files.insert(discover::display_path(&candidate.path));
        } else if candidate.explicit {
            stderr.push_str(&format!(
                "note: {}: not a state machine, CloudFormation/SAM template, Terraform plan or IAM policy; nothing checked\n",
                report::escape_control(&candidate.path.display().to_string())
            ));
        }
        // Findings of rules that do not run this time are dropped; the others keep the severity
        // they were raised with (the rule's, or the one an analyzer chose by context), unless
        // the configuration sets the rule's severity: that replaces it everywhere (and a
        // `[per-path]` severity replaces it for the files its glob matches).
        let here = per_path.for_path(&candidate.path);
        // Findings in a file this one read for its documents follow that file's rules.
        let mut elsewhere: Vec<(PathBuf, settings::PathRules)> = Vec::new();
        findings.extend(outcome.findings.into_iter().filter_map(|mut f| {
            let severity = *active.get(&*f.rule)?;
            let here = if f.source.path == candidate.path {
                &here
            } else {
                if !elsewhere.iter().any(|(p, _)| *p == f.source.path) {
                    elsewhere.push((f.source.path.clone(), per_path.for_path(&f.source.path)));
                }
                &elsewhere.iter().find(|(p, _)| *p == f.source.path)?.1
            };
            if !here.keeps(&f) {
                return None;
            }
            if let Some(severity) = here.severity(&f.rule) {
                f.severity = severity;
            } else if overridden.iter().any(|id| **id == *f.rule) {
                f.severity = severity;
            }
            Some(f)
        }));
    }
    let files: Vec<PathBuf> = files.into_iter().collect();
    // A comment in a file that another one reads (a template, a variables file) is used by
    // that one's check; the file's own check, which does not see the finding, is overruled.
    let used: std::collections::HashSet<(PathBuf, source::Span)> =
        findings.iter().filter_map(|f| f.suppressed.as_ref()?.at.clone()).collect();
    if !used.is_empty() {
        findings.retain(|f| !(&*f.rule == rule::builtin::UNUSED_IGNORE && used.contains(&(f.source.path.clone(), f.span))));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // Identical findings (one node reached through two paths) are reported once.
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    // Fingerprints: findings alike in rule, file, route and value are numbered in file order.
    let mut names: HashMap<PathBuf, std::sync::Arc<str>> = HashMap::new();
    let mut seen: HashMap<Alike, u32> = HashMap::new();
    for finding in &mut findings {
        let name =
            names.entry(finding.source.path.clone()).or_insert_with(|| std::sync::Arc::from(projects.relative(&finding.source.path)));
        finding.project_path = name.clone();
        let values = if finding.values.is_empty() { finding.subject.clone() } else { Some(finding.values.join("\n")) };
        let key = (finding.rule.clone(), name.clone(), finding.locator.clone(), values);
        let count = seen.entry(key).or_default();
        finding.occurrence = *count;
        *count += 1;
        finding.fingerprint = finding.fingerprint_in(&finding.project_path);
    }

    (findings, files, artifacts)
}
