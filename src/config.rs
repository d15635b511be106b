//! The configuration file: `deploylint.toml`, `.deploylint.toml`, or `[tool.deploylint]` in
//! `pyproject.toml`, found from a checked path upwards to the repository root (the first
//! folder holding `.git`), so a hook run from any folder finds the repository's file.
//! Unknown keys and bad values are errors with the file's line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;

/// The names a configuration file may have, in the order they are looked for in a folder.
pub const FILE_NAMES: [&str; 3] = ["deploylint.toml", ".deploylint.toml", "pyproject.toml"];

/// When a run fails (exit code 1).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    /// The lowest severity that fails the run.
    #[must_use]
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

/// The settings a configuration file may give; every one is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Values {
    /// Only files matching these globs are checked.
    #[serde(default)]
    pub include: Vec<String>,
    /// Files matching these globs are skipped.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The rules that run (ids or families), instead of all.
    #[serde(default)]
    pub select: Option<Vec<Spanned<String>>>,
    /// Rules added to the selection.
    #[serde(default)]
    pub extend_select: Vec<Spanned<String>>,
    /// Rules that do not run.
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    /// A severity per rule id (or family), replacing the rule's own wherever it applies.
    #[serde(default)]
    pub severity: BTreeMap<Spanned<String>, Severity>,
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    /// Directories of declarative rule files, relative to the configuration file.
    #[serde(default)]
    pub rules_dirs: Vec<PathBuf>,
    /// AWS CloudFormation Guard rule files, or folders of `*.guard` files, relative to the
    /// configuration file.
    #[serde(default)]
    pub guard_rules: Vec<PathBuf>,
    /// The extracted documents Guard rules also run on, each as its own document: `asl`
    /// (state machine definitions), `iam` (policies). Templates and plans always.
    #[serde(default)]
    pub guard_documents: Vec<Spanned<String>>,
    #[serde(default)]
    pub max_findings_per_rule: Option<usize>,
    #[serde(default)]
    pub max_findings_per_file: Option<usize>,
    /// Apply `include`/`exclude` to files named on the command line too (a pre-commit hook
    /// names every staged file), and skip named files deploylint does not read.
    #[serde(default)]
    pub force_exclude: Option<bool>,
    /// The baseline file (relative to the configuration file): findings it holds are hidden.
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    /// Rules that do not run on the files matching a glob (relative to the configuration
    /// file's folder): `"legacy/**" = { ignore = ["asl/task-timeout"] }`.
    #[serde(default)]
    pub per_path: BTreeMap<Spanned<String>, PerPath>,
}

/// The settings of `[per-path]` for one glob.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PerPath {
    /// Rules (or `rule[value]`) whose findings are dropped there.
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    /// Only these rules report there (of those that run).
    #[serde(default)]
    pub select: Option<Vec<Spanned<String>>>,
    /// Severities there, over the rule's and the top-level `[severity]`.
    #[serde(default)]
    pub severity: BTreeMap<Spanned<String>, Severity>,
}

/// A configuration file, read.
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub text: String,
    pub values: Values,
}

/// A configuration file that cannot be used: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self.path.display().to_string();
        let path = crate::report::escape_control(&shown);
        if self.line > 0 {
            write!(f, "{path}:{}:{}: {}", self.line, self.column, self.message)
        } else {
            write!(f, "{path}: {}", self.message)
        }
    }
}

impl Config {
    /// An error at byte `at` of the file.
    #[must_use]
    pub fn error_at(&self, at: usize, message: String) -> ConfigError {
        let (line, column) = line_column(&self.text, at);
        ConfigError { path: self.path.clone(), line, column, message }
    }

    /// The folder the file's relative paths are relative to.
    #[must_use]
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }
}

fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The configuration file that applies to `start` (a file or folder): the nearest of
/// [`FILE_NAMES`] in it or a folder above, up to the first folder holding `.git`. A
/// `pyproject.toml` counts only when it has a `[tool.deploylint]` table.
#[must_use]
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(here) = dir {
        for name in FILE_NAMES {
            let candidate = here.join(name);
            if candidate.is_file() && (name != "pyproject.toml" || has_tool_table(&candidate)) {
                // Named in messages relative to the working directory, when it is below it.
                let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
                let relative = cwd.and_then(|cwd| candidate.strip_prefix(cwd).ok().map(Path::to_path_buf));
                return Some(relative.unwrap_or(candidate));
            }
        }
        if here.join(".git").exists() {
            return None;
        }
        dir = here.parent();
    }
    None
}

fn has_tool_table(pyproject: &Path) -> bool {
    std::fs::read_to_string(pyproject).is_ok_and(|text| text.contains("[tool.deploylint"))
}

/// Largest configuration file read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads and parses a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let plain = |message: String| ConfigError { path: path.to_path_buf(), line: 0, column: 0, message };
    let metadata = std::fs::metadata(path).map_err(|e| plain(crate::discover::io_message(&e)))?;
    if !metadata.is_file() || metadata.len() > MAX_CONFIG_BYTES {
        return Err(plain(format!("not a regular file of at most {} KiB", MAX_CONFIG_BYTES >> 10)));
    }
    let text = std::fs::read_to_string(path).map_err(|e| plain(crate::discover::io_message(&e)))?;
    let pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let parsed = if pyproject {
        #[derive(Deserialize)]
        struct Pyproject {
            #[serde(default)]
            tool: Option<Tool>,
        }
        #[derive(Deserialize)]
        struct Tool {
            #[serde(default)]
            deploylint: Option<Values>,
        }
        toml::from_str::<Pyproject>(&text).map(|p| p.tool.and_then(|t| t.deploylint).unwrap_or_default())
    } else {
        toml::from_str::<Values>(&text)
    };
    match parsed {
        Ok(values) => Ok(Config { path: path.to_path_buf(), text, values }),
        Err(err) => {
            let (line, column) = err.span().map_or((0, 0), |span| line_column(&text, span.start));
            Err(ConfigError { path: path.to_path_buf(), line, column, message: err.message().trim().to_string() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_errors_with_line_and_column() {
        let dir = std::env::temp_dir().join(format!("deploylint-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("deploylint.toml");
        std::fs::write(&path, "select = [\"asl\"]\n\nfail-onn = \"error\"\n").unwrap();
        let err = load(&path).unwrap_err();
        assert_eq!((err.line, err.column), (3, 1), "{err}");
        assert!(err.message.contains("fail-onn"), "{err}");
        std::fs::write(&path, "[severity]\n\"asl/task-retry\" = \"fatal\"\n").unwrap();
        let err = load(&path).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        std::fs::write(&path, "ignore = [\"asl/task-retry\"]\nfail-on = \"never\"\n[severity]\niam = \"warning\"\n").unwrap();
        let config = load(&path).unwrap();
        assert_eq!(config.values.fail_on, Some(FailOn::Never));
        assert_eq!(config.values.severity.values().next(), Some(&Severity::Warning));
        std::fs::remove_dir_all(&dir).ok();
    }
}
