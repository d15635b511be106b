//! One settings value for a run, resolved from the command line and the configuration file:
//! the library reads this, never clap's types. The command line wins where both say something;
//! lists of exclusions add up.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::{self, Config, ConfigError, FailOn};
use crate::finding::{Limits, Severity};
use crate::registry::Registry;

#[derive(Clone, Debug)]
pub struct Settings {
    /// The configuration file read, if any.
    pub config: Option<PathBuf>,
    pub paths: Vec<PathBuf>,
    /// The command line's globs (relative to each directory given) and the configuration's
    /// (relative to its folder).
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub config_include: Vec<String>,
    pub config_exclude: Vec<String>,
    /// The rules that run (empty: all), then those added and those left out.
    pub select: Vec<String>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    /// Severities by rule id or family, from the configuration.
    pub severity: Vec<(String, Severity)>,
    pub fail_on: FailOn,
    pub rules_dirs: Vec<PathBuf>,
    /// Guard rule files and folders (`--guard-rules`, `guard-rules`).
    pub guard_rules: Vec<PathBuf>,
    /// The extracted documents Guard rules also run on (`asl`, `iam`).
    pub guard_documents: Vec<String>,
    pub limits: Limits,
    /// `[per-path]`, globs relative to `per_path_base`.
    pub per_path: Vec<PerPathRules>,
    pub per_path_base: PathBuf,
    /// Filters apply to named files too (`--force-exclude`).
    pub force_exclude: bool,
    /// The baseline whose findings are hidden, and the one to write (`--write-baseline`).
    pub baseline: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
}

/// What the command line says (every field optional where the file may say it instead).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub paths: Vec<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<FailOn>,
    pub rules_dirs: Vec<PathBuf>,
    pub guard_rules: Vec<PathBuf>,
    pub guard_documents: Vec<String>,
    pub max_findings_per_rule: Option<usize>,
    pub max_findings_per_file: Option<usize>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--isolated`: no configuration file.
    pub isolated: bool,
    pub force_exclude: bool,
    pub baseline: Option<PathBuf>,
    /// `--no-baseline`: the configuration's baseline is not applied.
    pub no_baseline: bool,
    pub write_baseline: Option<PathBuf>,
}

/// Why the settings cannot be resolved.
#[derive(Debug)]
pub enum SettingsError {
    Config(ConfigError),
    Usage(String),
}

impl Settings {
    /// The settings of a run: the configuration file (`--config`, else the one found from the
    /// first path, unless `--isolated`) under the command line.
    pub fn resolve(cli: &Overrides) -> Result<(Settings, Option<Config>), SettingsError> {
        let paths = if cli.paths.is_empty() { vec![PathBuf::from(".")] } else { cli.paths.clone() };
        let file = if cli.isolated { None } else { cli.config.clone().or_else(|| config::find(&paths[0])) };
        let config = file.as_deref().map(config::load).transpose().map_err(SettingsError::Config)?;
        let values = config.as_ref().map(|c| c.values.clone()).unwrap_or_default();
        let dir = config.as_ref().map_or_else(|| PathBuf::from("."), |c| c.dir().to_path_buf());
        let text = |items: &[toml::Spanned<String>]| items.iter().map(|s| s.get_ref().clone()).collect::<Vec<_>>();
        let select = if cli.select.is_empty() { values.select.as_deref().map(text).unwrap_or_default() } else { cli.select.clone() };
        let limit = |n: usize| if n == 0 { usize::MAX } else { n };
        let mut rules_dirs: Vec<PathBuf> = values.rules_dirs.iter().map(|d| relative_to(&dir, d)).collect();
        rules_dirs.extend(cli.rules_dirs.iter().cloned());
        let mut guard_rules: Vec<PathBuf> = values.guard_rules.iter().map(|d| relative_to(&dir, d)).collect();
        guard_rules.extend(cli.guard_rules.iter().cloned());
        let guard_documents = if cli.guard_documents.is_empty() { text(&values.guard_documents) } else { cli.guard_documents.clone() };
        if let Some(unknown) = guard_documents.iter().find(|d| !matches!(d.as_str(), "asl" | "iam")) {
            return Err(SettingsError::Usage(format!(
                "guard-documents: `{}` is not `asl` or `iam`",
                crate::finding::shortened(unknown, 60)
            )));
        }
        let settings = Settings {
            config: config.as_ref().map(|c| c.path.clone()),
            paths,
            include: cli.include.clone(),
            exclude: cli.exclude.clone(),
            config_include: values.include.clone(),
            config_exclude: values.exclude.clone(),
            select,
            extend_select: text(&values.extend_select),
            ignore: text(&values.ignore).into_iter().chain(cli.ignore.iter().cloned()).collect(),
            severity: values.severity.iter().map(|(k, v)| (k.get_ref().clone(), *v)).collect(),
            fail_on: cli.fail_on.or(values.fail_on).unwrap_or(FailOn::Warning),
            rules_dirs,
            guard_rules,
            guard_documents,
            per_path: values
                .per_path
                .iter()
                .map(|(glob, p)| PerPathRules {
                    glob: glob.get_ref().clone(),
                    ignore: text(&p.ignore),
                    select: p.select.as_deref().map(text),
                    severity: p.severity.iter().map(|(k, v)| (k.get_ref().clone(), *v)).collect(),
                })
                .collect(),
            per_path_base: dir.clone(),
            force_exclude: cli.force_exclude || values.force_exclude.unwrap_or(false),
            baseline: if cli.no_baseline {
                None
            } else {
                cli.baseline.clone().or_else(|| values.baseline.as_deref().map(|b| relative_to(&dir, b)))
            },
            write_baseline: cli.write_baseline.clone(),
            limits: Limits {
                per_rule: limit(cli.max_findings_per_rule.or(values.max_findings_per_rule).unwrap_or(Limits::default().per_rule)),
                per_file: limit(cli.max_findings_per_file.or(values.max_findings_per_file).unwrap_or(Limits::default().per_file)),
            },
        };
        Ok((settings, config))
    }

    /// The rules that run with their severities, and the ids whose severity the configuration
    /// sets (it replaces whatever severity a finding was raised with). Selectors that name no
    /// rule are errors, at their place in the configuration file when they come from it.
    pub fn active_rules(
        &self,
        registry: &Registry,
        config: Option<&Config>,
    ) -> Result<(HashMap<String, Severity>, Vec<String>), SettingsError> {
        let ids: Vec<&str> = registry.rules.iter().map(|r| r.meta.id.as_str()).collect();
        if let Some(config) = config {
            let v = &config.values;
            for selector in v.select.iter().flatten().chain(&v.extend_select).chain(v.severity.keys()) {
                if let Err(why) = crate::rule::check_selector(selector.get_ref(), &ids) {
                    return Err(SettingsError::Config(config.error_at(selector.span().start, why)));
                }
            }
            let spanned = v.ignore.iter();
            for glob in v.per_path.keys() {
                if let Err(err) = globset::Glob::new(glob.get_ref()) {
                    return Err(SettingsError::Config(
                        config.error_at(glob.span().start, format!("`{}` is not a glob: {}", glob.get_ref(), err.kind())),
                    ));
                }
            }
            for selector in spanned {
                // Top-level `ignore` may name values too (`iam/wildcard-action[logs:*]`).
                if let Err(why) = crate::suppress::Selector::check(selector.get_ref(), &ids) {
                    return Err(SettingsError::Config(config.error_at(selector.span().start, why)));
                }
            }
            // Per-path ignores may name values too (`iam/wildcard-action[logs:*]`).
            for selector in v.per_path.values().flat_map(|p| &p.ignore) {
                if let Err(why) = crate::suppress::Selector::check(selector.get_ref(), &ids) {
                    return Err(SettingsError::Config(config.error_at(selector.span().start, why)));
                }
            }
            for selector in v.per_path.values().flat_map(|p| p.select.iter().flatten().chain(p.severity.keys())) {
                if let Err(why) = crate::rule::check_selector(selector.get_ref(), &ids) {
                    return Err(SettingsError::Config(config.error_at(selector.span().start, why)));
                }
            }
        }
        for selector in self.select.iter().chain(&self.ignore) {
            let checked = if self.ignore.contains(selector) {
                crate::suppress::Selector::check(selector, &ids)
            } else {
                crate::rule::check_selector(selector, &ids)
            };
            checked.map_err(SettingsError::Usage)?;
        }
        let mut overridden = Vec::new();
        let active = registry
            .rules
            .iter()
            // A file that cannot be read hides everything in it: parse findings show whatever is
            // selected, unless they are ignored by name; so does the note for findings left out.
            .filter(|r| {
                self.select.is_empty()
                    || r.meta.id.starts_with("parse/")
                    || r.meta.id == crate::finding::TOO_MANY_FINDINGS
                    || self.select.iter().chain(&self.extend_select).any(|s| matches_selector(&r.meta.id, s))
            })
            // `rule[value]` drops some findings of a rule that still runs (see `per_path_matcher`).
            .filter(|r| !self.ignore.iter().filter(|s| !s.contains('[')).any(|s| matches_selector(&r.meta.id, s)))
            .map(|r| {
                // The most specific entry wins: an id over its family.
                let configured = self
                    .severity
                    .iter()
                    .filter(|(s, _)| matches_selector(&r.meta.id, s))
                    .max_by_key(|(s, _)| s.len())
                    .map(|(_, severity)| *severity);
                if configured.is_some() {
                    overridden.push(r.meta.id.clone());
                }
                (r.meta.id.clone(), configured.unwrap_or(r.meta.severity))
            })
            .collect();
        Ok((active, overridden))
    }

    /// `[per-path]` compiled: a file's path → the rules ignored, selected and their severities there.
    #[must_use]
    pub fn per_path_matcher(&self) -> PerPathMatcher {
        let base = std::fs::canonicalize(&self.per_path_base).unwrap_or_else(|_| self.per_path_base.clone());
        let entries = self
            .per_path
            .iter()
            .filter_map(|rules| {
                Some((globset::GlobBuilder::new(&rules.glob).literal_separator(true).build().ok()?.compile_matcher(), rules.clone()))
            })
            .collect();
        let everywhere = self.ignore.iter().filter(|s| s.contains('[')).map(|s| crate::suppress::Selector::parse(s)).collect();
        PerPathMatcher { base, entries, everywhere }
    }

    /// The settings as the configuration file would spell them (`deploylint config`).
    #[must_use]
    pub fn to_toml(&self) -> String {
        let list = |items: &[String]| format!("[{}]", items.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", "));
        let mut out = String::new();
        match &self.config {
            Some(path) => out.push_str(&format!("# from {}\n", crate::report::escape_control(&path.display().to_string()))),
            None => out.push_str("# no configuration file: defaults and the command line\n"),
        }
        out.push_str(&format!("include = {}\n", list(&self.config_include)));
        out.push_str(&format!("exclude = {}\n", list(&self.config_exclude)));
        if !self.include.is_empty() || !self.exclude.is_empty() {
            out.push_str(&format!("# and from the command line: --include {} --exclude {}\n", list(&self.include), list(&self.exclude)));
        }
        out.push_str(&format!("select = {}\n", list(&self.select)));
        out.push_str(&format!("extend-select = {}\n", list(&self.extend_select)));
        out.push_str(&format!("ignore = {}\n", list(&self.ignore)));
        let fail_on = match self.fail_on {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Note => "note",
            FailOn::Never => "never",
        };
        out.push_str(&format!("fail-on = {fail_on:?}\n"));
        let dirs: Vec<String> = self.rules_dirs.iter().map(|d| d.display().to_string()).collect();
        out.push_str(&format!("rules-dirs = {}\n", list(&dirs)));
        let guard: Vec<String> = self.guard_rules.iter().map(|d| d.display().to_string()).collect();
        out.push_str(&format!("guard-rules = {}\n", list(&guard)));
        out.push_str(&format!("guard-documents = {}\n", list(&self.guard_documents)));
        let limit = |n: usize| if n == usize::MAX { 0 } else { n };
        out.push_str(&format!("max-findings-per-rule = {}\n", limit(self.limits.per_rule)));
        out.push_str(&format!("max-findings-per-file = {}\n", limit(self.limits.per_file)));
        out.push_str(&format!("force-exclude = {}\n", self.force_exclude));
        if let Some(baseline) = &self.baseline {
            out.push_str(&format!("baseline = {:?}\n", baseline.display().to_string()));
        }
        for rules in &self.per_path {
            let mut parts = vec![format!("ignore = {}", list(&rules.ignore))];
            if let Some(select) = &rules.select {
                parts.push(format!("select = {}", list(select)));
            }
            if !rules.severity.is_empty() {
                let severities: Vec<String> = rules.severity.iter().map(|(r, s)| format!("{r:?} = {:?}", s.as_str())).collect();
                parts.push(format!("severity = {{ {} }}", severities.join(", ")));
            }
            out.push_str(&format!("per-path.{:?} = {{ {} }}\n", rules.glob, parts.join(", ")));
        }
        if !self.severity.is_empty() {
            out.push_str("\n[severity]\n");
            for (rule, severity) in &self.severity {
                out.push_str(&format!("{rule:?} = {:?}\n", severity.as_str()));
            }
        }
        out
    }
}

/// One `[per-path]` entry.
#[derive(Clone, Debug)]
pub struct PerPathRules {
    pub glob: String,
    pub ignore: Vec<String>,
    pub select: Option<Vec<String>>,
    pub severity: Vec<(String, Severity)>,
}

/// `[per-path]` compiled.
pub struct PerPathMatcher {
    base: PathBuf,
    entries: Vec<(globset::GlobMatcher, PerPathRules)>,
    /// The top-level `ignore`'s value-scoped entries, for every file.
    everywhere: Vec<crate::suppress::Selector>,
}

/// What `[per-path]` says for one file: every matching entry applies.
#[derive(Debug, Default)]
pub struct PathRules {
    ignore: Vec<crate::suppress::Selector>,
    /// Each matching entry's `select`: a finding's rule must be in all of them.
    select: Vec<Vec<String>>,
    /// (glob length, selector, severity): the longest glob wins, then the most specific rule.
    severity: Vec<(usize, String, Severity)>,
}

impl PerPathMatcher {
    /// The rules for the file at `path` (relative to the working directory, or absolute).
    #[must_use]
    pub fn for_path(&self, path: &Path) -> PathRules {
        let mut out = PathRules { ignore: self.everywhere.clone(), ..PathRules::default() };
        if self.entries.is_empty() {
            return out;
        }
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let Ok(relative) = absolute.strip_prefix(&self.base) else { return out };
        for (_, rules) in self.entries.iter().filter(|(glob, _)| glob.is_match(relative)) {
            out.ignore.extend(rules.ignore.iter().map(|s| crate::suppress::Selector::parse(s)));
            out.select.extend(rules.select.clone());
            out.severity.extend(rules.severity.iter().map(|(s, v)| (rules.glob.len(), s.clone(), *v)));
        }
        out
    }
}

impl PathRules {
    /// Whether a finding stays there: not ignored, and selected where a `select` applies
    /// (parse findings and the note for findings left out always stay, as at the top level).
    #[must_use]
    pub fn keeps(&self, finding: &crate::finding::Finding) -> bool {
        let always = finding.rule.starts_with("parse/") || *finding.rule == *crate::finding::TOO_MANY_FINDINGS;
        !self.ignore.iter().any(|s| s.matches(finding))
            && (always || self.select.iter().all(|list| list.iter().any(|s| matches_selector(&finding.rule, s))))
    }

    /// The severity there for a rule, if an entry sets one.
    #[must_use]
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        self.severity.iter().filter(|(_, s, _)| matches_selector(rule, s)).max_by_key(|(glob, s, _)| (*glob, s.len())).map(|(_, _, v)| *v)
    }
}

/// A path of the configuration file, relative to its folder.
fn relative_to(dir: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() { path.to_path_buf() } else { dir.join(path) }
}

/// Whether a rule id is picked by a selector: the id itself or its family (`iam` or `iam/`).
#[must_use]
pub fn matches_selector(id: &str, selector: &str) -> bool {
    let selector = selector.trim();
    id == selector || id.split('/').next() == Some(selector.trim_end_matches('/'))
}
