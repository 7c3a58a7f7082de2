//! The `tandem` binary: parses the command line, then opens the reading room (GUI) or runs a
//! headless command. All the work lives in the library; this file only wires it up.

mod app;
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("tandem: {message}");
            ExitCode::FAILURE
        }
    }
}
