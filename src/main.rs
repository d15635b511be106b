//! The deploylint binary: parse arguments, run, print, exit with the outcome's code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let outcome = deploylint::main_to(deploylint::cli::Cli::parse(), &mut std::io::stdout().lock());
    // A closed pipe (`deploylint | head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().lock().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}
