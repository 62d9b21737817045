//! The `kam` binary: parse the command line and dispatch. Nothing else.

use clap::Parser;

fn main() -> std::process::ExitCode {
    kam::cli::run(kam::cli::args::Cli::parse())
}
