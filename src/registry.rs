//! Every rule, declarative or built in, with its metadata; lookup by id and selection.
//!
//! Bundled rule files are embedded at build time (build.rs); `--rules DIR` adds a user's.
//! Built-in rules (parse errors, plan notes, and the Rust analyzers to come) are documented by
//! rule files with `target: builtin`, so `rules`, `explain`, SARIF and docs/ read one source.

use std::path::Path;

use crate::engine::{Rule, RuleError};
use crate::rule::builtin;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));
}

#[derive(Debug, Clone)]
pub struct Registry {
    pub rules: Vec<Rule>,
}

impl Registry {
    /// The bundled rules, plus every `*.yaml` under each of `extra` (recursively).
    pub fn load(extra: &[impl AsRef<Path>]) -> Result<Self, Vec<RuleError>> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (path, text) in embedded::RULE_FILES {
            match Rule::from_yaml(&format!("rules/{path}"), text) {
                Ok(rule) => rules.push(rule),
                Err(err) => errors.push(err),
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
                        Ok(rule) if rule.target.is_none() && !builtin::ALL.contains(&rule.meta.id.as_str()) => errors.push(plain(format!(
                            "`target: builtin` documents deploylint's own rules; `{}` is not one (use a target such as asl.state)",
                            rule.meta.id
                        ))),
                        Ok(rule) => rules.push(rule),
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

    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }
}
