//! Rule metadata: what every rule carries, whatever implements it (a declarative rule file,
//! a Rust analyzer, a built-in finding of the pipeline). It sits below the engine: the
//! registry, the reports and the docs read it without knowing how a rule checks.

use serde::Deserialize;

use crate::finding::Severity;

/// Whether a selector (an id, or a family such as `iam`) names one of `ids`; when it does not,
/// the message saying so, with the closest id or family when one is close enough.
pub fn check_selector(selector: &str, ids: &[&str]) -> Result<(), String> {
    if ids.iter().any(|id| crate::settings::matches_selector(id, selector)) {
        return Ok(());
    }
    let families = ids.iter().filter_map(|id| id.split('/').next());
    let close = crate::finding::suggestion(selector.trim(), ids.iter().copied().chain(families));
    let hint = close.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
    Err(format!("`{}` names no rule or rule family{hint} (see `deploylint rules`)", crate::finding::shortened(selector, 100)))
}

/// Ids of rules raised by the pipeline itself.
pub mod builtin {
    pub const PARSE_SYNTAX: &str = "parse/syntax";
    pub const PARSE_ENCODING: &str = "parse/encoding";
    pub const PARSE_LIMIT: &str = "parse/limit";
    pub const PARSE_DUPLICATE_KEY: &str = "parse/duplicate-key";
    pub const PARSE_IO: &str = "parse/io";
    pub const TF_UNKNOWN_AT_PLAN: &str = "tf/unknown-at-plan";
    pub const TF_UNFILLED_PLACEHOLDER: &str = "tf/unfilled-placeholder";
    pub const TF_UNCHECKED_TEMPLATE: &str = "tf/unchecked-template";
    pub const TF_UNKNOWN_IN_CONFIGURATION: &str = "tf/unknown-in-configuration";
    /// An analyzer's, also raised by extraction (an unused `DefinitionSubstitutions` name).
    pub const CFN_UNFILLED_SUBSTITUTION: &str = "cfn/unfilled-substitution";

    pub const PARSE_UNRESOLVED_EMBEDDED: &str = "parse/unresolved-embedded";
    pub const TOO_MANY_FINDINGS: &str = crate::finding::TOO_MANY_FINDINGS;
    pub const UNUSED_IGNORE: &str = "deploylint/unused-ignore";
    pub const INVALID_IGNORE: &str = "deploylint/invalid-ignore";
    pub const IGNORE_WITHOUT_REASON: &str = "deploylint/ignore-without-reason";
    pub const STALE_BASELINE_ENTRY: &str = "deploylint/stale-baseline-entry";

    pub const ALL: [&str; 15] = [
        PARSE_SYNTAX,
        PARSE_ENCODING,
        PARSE_LIMIT,
        PARSE_DUPLICATE_KEY,
        PARSE_IO,
        PARSE_UNRESOLVED_EMBEDDED,
        TF_UNKNOWN_AT_PLAN,
        TF_UNFILLED_PLACEHOLDER,
        TF_UNCHECKED_TEMPLATE,
        TF_UNKNOWN_IN_CONFIGURATION,
        TOO_MANY_FINDINGS,
        UNUSED_IGNORE,
        INVALID_IGNORE,
        IGNORE_WITHOUT_REASON,
        STALE_BASELINE_ENTRY,
    ];

    /// The rule for a parser's error.
    #[must_use]
    pub fn for_parse_error(kind: crate::parse::ParseErrorKind) -> &'static str {
        match kind {
            crate::parse::ParseErrorKind::Syntax => PARSE_SYNTAX,
            crate::parse::ParseErrorKind::Limit => PARSE_LIMIT,
        }
    }
}

/// What every rule carries, declarative or built in: the source of `rules`, `explain`, SARIF
/// rule metadata and docs/rules.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub target: String,
    pub kind: RuleKind,
    /// Its documentation and examples ([`RuleMeta::docs`], [`RuleMeta::examples`]).
    pub text: RuleText,
    /// The rule file, as embedded (`asl/task-retry.yaml`) or as found on disk.
    pub file: String,
    /// Kinds of problem it finds (`security`, `correctness`, `reliability`).
    pub tags: Vec<String>,
    /// Its documentation's address: docs/rules/ for a bundled rule, the rule file's own `url`
    /// (or none) for a user rule.
    pub url: Option<String>,
}

impl RuleMeta {
    /// What it does, why, how to fix it.
    #[must_use]
    pub fn docs(&self) -> &DocsSpec {
        &self.text.get().0
    }

    /// Documents it flags and documents it passes.
    #[must_use]
    pub fn examples(&self) -> &ExamplesSpec {
        &self.text.get().1
    }
}

/// A rule's documentation and examples: given with the rule (a user's rule file, a Guard
/// rule), or the JSON build.rs split off a bundled rule file, read the first time a report,
/// `explain` or the examples ask for it. A check never reads it: about nine tenths of a rule
/// file's text, which a run does not parse.
#[derive(Debug, Clone)]
pub struct RuleText {
    embedded: &'static str,
    loaded: std::sync::OnceLock<Box<(DocsSpec, ExamplesSpec)>>,
}

impl RuleText {
    #[must_use]
    pub fn given(docs: DocsSpec, examples: ExamplesSpec) -> Self {
        Self { embedded: "", loaded: std::sync::OnceLock::from(Box::new((docs, examples))) }
    }

    /// `{"docs": …, "examples": …}` of a bundled rule file (build.rs checks it is there).
    #[must_use]
    pub fn embedded(json: &'static str) -> Self {
        Self { embedded: json, loaded: std::sync::OnceLock::new() }
    }

    fn get(&self) -> &(DocsSpec, ExamplesSpec) {
        #[derive(Deserialize)]
        struct Text {
            docs: DocsSpec,
            #[serde(default)]
            examples: ExamplesSpec,
        }
        self.loaded.get_or_init(|| {
            // tests/rules.rs reads every bundled rule's text: it cannot fail in a release.
            Box::new(serde_json::from_str::<Text>(self.embedded).map(|t| (t.docs, t.examples)).unwrap_or_default())
        })
    }
}

/// How a rule is implemented: what `target` names in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// A rule file with a target and a check (the declarative engine runs it).
    Declarative,
    /// A Rust analyzer (`target: builtin`, registered under src/analyzers/).
    Analyzer,
    /// A finding the pipeline itself raises (`parse/*`, plan notes, the findings cap).
    Pipeline,
    /// A rule of an AWS CloudFormation Guard file (`guard/<name>`).
    Guard,
}

impl RuleKind {
    /// Whether the rule checks artifacts (JUnit reports it as a test case of every file);
    /// pipeline findings are about reading the file, not about its contents.
    #[must_use]
    pub fn checks_artifacts(self) -> bool {
        !matches!(self, RuleKind::Pipeline)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocsSpec {
    pub summary: String,
    pub why: String,
    pub fix: String,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamplesSpec {
    #[serde(default)]
    pub fail: Vec<ExampleSpec>,
    #[serde(default)]
    pub pass: Vec<ExampleSpec>,
}

/// A document the rule is run on in tests and shown in docs. The file name's extension picks
/// the parser. Expected findings are `# expect: <rule>` comments (YAML) on the line the finding
/// must point at, or `expect` positions (any format).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSpec {
    pub file: String,
    #[serde(default)]
    pub title: Option<String>,
    pub content: String,
    #[serde(default)]
    pub expect: Vec<Expected>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub line: usize,
    pub column: usize,
}
