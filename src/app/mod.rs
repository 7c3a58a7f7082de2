//! The reading room (egui). Placeholder until the viewer lands.

use std::path::PathBuf;
use std::process::ExitCode;

/// What the app opens on start.
pub enum Startup {
    SamplePair,
    Exams(PathBuf, PathBuf),
}

pub fn run(_startup: Startup) -> Result<ExitCode, String> {
    Err("the viewer is not built yet".into())
}
