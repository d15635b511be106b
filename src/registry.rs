//! Every rule, of whatever kind, with its metadata; lookup by id.
//!
//! Bundled rule files are embedded at build time (build.rs); `--rules DIR` adds a user's.
//! A rule is declarative (the engine runs its file), a Rust analyzer (src/analyzers/), or a
//! finding of the pipeline itself (parse errors, plan notes). The last two are documented by
//! rule files with `target: builtin`, so `rules`, `explain`, SARIF and docs/ read one source.

use std::path::Path;

use crate::analyzers::{self, Analyzer};
use crate::engine::{Loaded, Rule, RuleError};
use crate::rule::{RuleKind, RuleMeta, builtin};

/// A rule and how it runs.
#[derive(Debug, Clone)]
pub struct Registered {
    pub meta: RuleMeta,
    pub implementation: Implementation,
}

#[derive(Debug, Clone)]
pub enum Implementation {
    Declarative(Box<Rule>),
    Analyzer(&'static Analyzer),
    /// Raised by the pipeline (see [`builtin`]).
    Pipeline,
    /// A rule of a Guard file: the file, and the rule's name in it.
    Guard(std::sync::Arc<crate::engine::guard::GuardFile>, String),
}

impl Registered {
    /// A loaded rule file as a rule of its kind; `None` for `target: builtin` naming no rule
    /// of deploylint's own.
    fn new(loaded: Loaded) -> Option<Self> {
        let Loaded { mut meta, rule } = loaded;
        let implementation = match rule {
            Some(rule) => Implementation::Declarative(Box::new(rule)),
            None => match analyzers::get(&meta.id) {
                Some(analyzer) => Implementation::Analyzer(analyzer),
                None if builtin::ALL.contains(&meta.id.as_str()) => Implementation::Pipeline,
                None => return None,
            },
        };
        meta.kind = match implementation {
            Implementation::Declarative(_) => RuleKind::Declarative,
            Implementation::Analyzer(_) => RuleKind::Analyzer,
            Implementation::Pipeline => RuleKind::Pipeline,
            Implementation::Guard(..) => RuleKind::Guard,
        };
        Some(Self { meta, implementation })
    }
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));
}

#[derive(Debug, Clone)]
pub struct Registry {
    pub rules: Vec<Registered>,
}

impl Registry {
    /// The bundled rules, plus every `*.yaml` under each of `extra` (recursively).
    pub fn load(extra: &[impl AsRef<Path>]) -> Result<Self, Vec<RuleError>> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (path, yaml, meta, head, text) in embedded::RULE_FILES {
            let file = format!("rules/{path}");
            match Rule::from_embedded(&file, yaml, meta, head, text) {
                Ok(mut loaded) => {
                    loaded.meta.url = Some(crate::report::docs_url(&loaded.meta.id));
                    match Registered::new(loaded) {
                        Some(rule) => rules.push(rule),
                        None => errors.push(RuleError {
                            file,
                            line: 0,
                            column: 0,
                            message: "`target: builtin` names no analyzer or pipeline rule".into(),
                        }),
                    }
                }
                Err(err) => errors.push(err),
            }
        }
        for analyzer in analyzers::ALL {
            if !rules.iter().any(|r| r.meta.id == analyzer.id) {
                errors.push(RuleError {
                    file: format!("rules/{}.yaml", analyzer.id),
                    line: 0,
                    column: 0,
                    message: format!("the analyzer `{}` has no rule file", analyzer.id),
                });
            }
        }
        for dir in extra {
            let (files, walk_errors) = crate::discover::rule_files(dir.as_ref());
            errors.extend(walk_errors.into_iter().map(|e| RuleError {
                file: e.path.display().to_string(),
                line: 0,
                column: 0,
                message: e.message,
            }));
            for file in files {
                let name = file.display().to_string();
                let plain = |message: String| RuleError { file: name.clone(), line: 0, column: 0, message };
                match crate::discover::read_rule_file(&file) {
                    Ok(text) => match Rule::from_yaml(&name, &text) {
                        Ok(loaded) => {
                            let id = loaded.meta.id.clone();
                            match Registered::new(loaded) {
                                Some(rule) => rules.push(rule),
                                None => errors.push(plain(format!(
                                    "`target: builtin` documents deploylint's own rules; `{id}` is not one (use a target such as asl.state)"
                                ))),
                            }
                        }
                        Err(err) => errors.push(err),
                    },
                    Err(message) => errors.push(plain(message)),
                }
            }
        }
        let mut ids: Vec<(&str, &str)> = rules.iter().map(|r| (r.meta.id.as_str(), r.meta.file.as_str())).collect();
        ids.sort_unstable();
        for pair in ids.windows(2) {
            if pair[0].0 == pair[1].0 {
                errors.push(RuleError {
                    file: pair[1].1.to_string(),
                    line: 0,
                    column: 0,
                    message: format!("rule id `{}` is also defined in {}", pair[0].0, pair[0].1),
                });
            }
        }
        if errors.is_empty() {
            rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
            Ok(Self { rules })
        } else {
            Err(errors)
        }
    }

    /// Adds the rules of Guard files, each as `guard/<name>` (an error by default).
    ///
    /// # Errors
    /// A name two files (or a file and a rule of the registry) share.
    pub fn add_guard(&mut self, files: &[std::sync::Arc<crate::engine::guard::GuardFile>]) -> Result<(), Vec<RuleError>> {
        let mut errors = Vec::new();
        for file in files {
            let shown = file.path.display().to_string();
            for name in &file.rules {
                let id = format!("guard/{name}");
                if let Some(other) = self.get(&id) {
                    errors.push(RuleError {
                        file: shown.clone(),
                        line: 0,
                        column: 0,
                        message: format!("Guard rule `{name}` is also defined in {}", other.meta.file),
                    });
                    continue;
                }
                let meta = RuleMeta {
                    id,
                    title: format!("Guard rule {name} failed"),
                    severity: crate::finding::Severity::Error,
                    target: "guard".into(),
                    kind: RuleKind::Guard,
                    text: crate::rule::RuleText::given(
                        crate::rule::DocsSpec {
                            summary: format!("The rule `{name}` of the AWS CloudFormation Guard file `{shown}`."),
                            why: "Your team's Guard rules, run on every template and plan.".into(),
                            fix: "See the rule's message, and the Guard file.".into(),
                            references: Vec::new(),
                        },
                        crate::rule::ExamplesSpec::default(),
                    ),
                    file: shown.clone(),
                    tags: Vec::new(),
                    url: None,
                };
                self.rules.push(Registered { meta, implementation: Implementation::Guard(file.clone(), name.clone()) });
            }
        }
        self.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The bundled rule files as written: (path under rules/, YAML). A run compiles them from
    /// JSON made at build time, their selectors and patterns when first used; the tests compile
    /// these as a user's rule files are, so that every error is found before a release.
    pub fn bundled_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
        embedded::RULE_FILES.iter().map(|(path, yaml, ..)| (*path, *yaml))
    }

    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Registered> {
        self.rules.iter().find(|r| r.meta.id == id)
    }
}
