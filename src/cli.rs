//! Command-line types (clap). `deploylint` alone means `deploylint check .`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

impl CheckArgs {
    /// What the command line says, for [`crate::settings::Settings::resolve`].
    #[must_use]
    pub fn overrides(&self) -> crate::settings::Overrides {
        crate::settings::Overrides {
            paths: self.paths.clone(),
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            fail_on: self.fail_on,
            rules_dirs: self.rules.clone(),
            guard_rules: self.guard_rules.clone(),
            guard_documents: self.guard_documents.clone(),
            max_findings_per_rule: self.max_findings_per_rule,
            max_findings_per_file: self.max_findings_per_file,
            config: self.config.clone(),
            isolated: self.isolated,
            force_exclude: self.force_exclude,
            baseline: self.baseline.clone(),
            no_baseline: self.no_baseline,
            write_baseline: self.write_baseline.clone(),
        }
    }
}

use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "deploylint",
    version = concat!(env!("CARGO_PKG_VERSION"), " (IAM action data of ", env!("DEPLOYLINT_IAM_DATA_DATE"), ")"),
    about = "Lint Step Functions workflows, CloudFormation/SAM templates, Terraform plans and IAM policies before deploy"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and directories (the default).
    Check(CheckArgs),
    /// List the rules: id, severity, title.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Print the settings a check with these arguments would use (configuration file and
    /// command line resolved).
    Config(CheckArgs),
    /// Print the least-privilege execution role policy of each state machine of a file: what
    /// its states call, resources as the file names them.
    Policy(PolicyArgs),
    /// Run the examples embedded in the rule files of these directories (a team's own rules):
    /// each failing example must give exactly the findings it expects, each passing one none.
    /// Exit 1 when one does not.
    TestRules(TestRulesArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TestRulesArgs {
    /// Directories of declarative rule files.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct PolicyArgs {
    /// The file, or `FILE#Id` for one state machine (a logical id or a Terraform address).
    pub target: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::policy::PolicyFormat::Json)]
    pub format: crate::policy::PolicyFormat,
}

/// Flags are bools by nature: clap reads each one.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Files and directories to check (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to a file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the run fail (exit code 1) [default: warning].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Only these rules (ids or families such as `iam`), comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (ids or families), comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Extra directories of declarative rule files.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// AWS CloudFormation Guard rule files, or folders of `*.guard` files: run on every
    /// template and plan, each failure at its line.
    #[arg(long = "guard-rules", value_name = "PATH")]
    pub guard_rules: Vec<PathBuf>,
    /// Also run the Guard rules on each extracted state machine (`asl`) or policy (`iam`) as
    /// its own document, comma-separated.
    #[arg(long = "guard-documents", value_delimiter = ',', value_name = "KIND")]
    pub guard_documents: Vec<String>,
    /// Only check files matching these globs (relative to each directory given).
    #[arg(long)]
    pub include: Vec<String>,
    /// Skip files matching these globs (relative to each directory given).
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Most findings one rule reports in one file (0: no limit); the rest are counted in one note.
    #[arg(long, value_name = "N")]
    pub max_findings_per_rule: Option<usize>,
    /// Most findings one file reports (0: no limit); the rest are counted in one note per rule.
    #[arg(long, value_name = "N")]
    pub max_findings_per_file: Option<usize>,
    /// The configuration file (instead of the deploylint.toml, .deploylint.toml or
    /// pyproject.toml found from the first path upwards to the repository root).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Read no configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// Apply --include/--exclude (and the configuration's) to files named on the command line,
    /// and skip named files that are not documents deploylint reads: for pre-commit, which
    /// names every staged file.
    #[arg(long)]
    pub force_exclude: bool,
    /// Hide the findings recorded in this baseline file (instead of the configuration's
    /// `baseline`); entries whose finding is gone are reported as notes.
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub baseline: Option<PathBuf>,
    /// Apply no baseline, not even the configuration's.
    #[arg(long)]
    pub no_baseline: bool,
    /// Record this run's findings in a baseline file (entries of files not checked this time
    /// are kept), then report them as accepted.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Show notes in the human report (they are counted in the summary, and always in the
    /// other formats); notes of rules selected by id are shown anyway.
    #[arg(long)]
    pub show_notes: bool,
    /// Print the findings and nothing else: no summary, no notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Human report: print how many findings each rule has instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Colours in the human report: auto (on a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// Output format for the list.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Extra directories of declarative rule files.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// Rule id, e.g. `asl/task-retry`.
    pub rule: String,
    /// Extra directories of declarative rule files.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

pub use crate::config::FailOn;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}
