//! `capcall`: the command line. A thin shell over `capcall-store`: it parses
//! arguments (`args`), runs one command (`commands`, one module per group),
//! and prints its answer as a table or one JSON document (`output`).
//! Exit codes (FORMATS.md): 0 success, 1 user error (nothing written),
//! 2 bad usage.

mod args;
mod commands;
mod output;
mod table;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let out = output::Output::new(cli.json);
    match commands::run(&cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(1)
        }
    }
}
