//! The deploylint binary: parse arguments, run, print, exit with the outcome's code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the parsed trees are millions of small allocations; it makes them about twice as
/// fast as the system allocator and gives freed memory back between large files.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let outcome = deploylint::main_to(deploylint::cli::Cli::parse(), &mut std::io::stdout().lock());
    // A closed pipe (`deploylint | head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().lock().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}
