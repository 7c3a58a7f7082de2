//! The `tandem` binary: parses the command line, then opens the reading room (GUI) or runs a
//! headless command. All the work lives in the library; this file only wires it up.

mod app;
mod batch_run;
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A decoder's panic on a corrupt file is contained and reported as that file's error: the
    // default hook's "thread panicked" (and its backtrace) would only alarm. Every other panic
    // is a bug and is printed as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !tandem::error::panic_is_contained() {
            default_hook(info);
        }
    }));
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("tandem: {message}");
            ExitCode::FAILURE
        }
    }
}
