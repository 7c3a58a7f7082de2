//! The reading room (egui): two exams side by side with a shared slice slider, loading in the
//! background with progress and cancel. Only this module and its children import egui or rfd.
//!
//! | file | job |
//! |---|---|
//! | `state.rs` | the app's state (`TandemApp`, `Prefs`) and the command queue |
//! | `recovery.rs` | the reading kept as a session: recovery file, restore, next options |
//! | `loading.rs` | exams and the comparison in the background; collecting finished jobs |
//! | `app.rs` | the frame loop: applying commands, keyboard, drag and drop, drawing |
//! | `exam_slot.rs` | one exam as the app holds it (`ExamSlot`) |
//! | `command.rs` | every user request, with its text and tooltip |
//! | `file_dialog.rs` | asking for a path: the system dialog, or a typed path where none opens |
//! | `jobs.rs` | background jobs (thread + channel + progress + cancel), `Activity`, `JobError` |
//! | `review.rs` | the comparison under review: the `Reading`, its `Viewport`, selection, tools |
//! | `viewing.rs` | moving through it: slices, cine, a view filling the area, zoom, pan, windows |
//! | `marking.rs` | marking tools and their settings, and the `Mark` requests |
//! | `mark_edits.rs` | each `Mark` applied to the review's marks |
//! | `practice.rs` | practice mode: a teaching case read blind, scored, misses replayed |
//! | `practice_state.rs` | a practice round's state (`Practice`) |
//! | `session_io.rs` | sessions (save, open, autosave, recovery, moved exams) and saving the report |
//! | `session_state.rs` | what the app knows of the reading's files (`SessionState`) |
//! | `startup_clock.rs` | when the first image and the comparison's table were drawn (benchmark readout) |
//! | `views/` | widgets as functions: exam panel, series list, slice view |

#[allow(clippy::module_inception)]
mod app;
mod command;
mod exam_slot;
mod file_dialog;
mod jobs;
mod loading;
mod mark_edits;
mod marking;
mod practice;
mod practice_state;
mod recovery;
mod review;
mod session_io;
mod session_state;
mod startup_clock;
mod state;
mod viewing;
mod views;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_reading;
#[cfg(test)]
mod tests_room;

use std::path::PathBuf;
use std::process::ExitCode;

pub use state::TandemApp;

/// What the app opens on start.
pub enum Startup {
    SamplePair,
    Exams(PathBuf, PathBuf),
    /// A teaching case, read blind.
    Practice(PathBuf),
}

/// The bundled sample pair: beside the executable's source tree, or in the working folder.
pub fn sample_pair() -> (PathBuf, PathBuf) {
    let built_in = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let root = if built_in.is_dir() {
        built_in
    } else {
        PathBuf::from("sample_data")
    };
    (root.join("baseline"), root.join("followup"))
}

/// Opens the window and runs until it is closed.
pub fn run(startup: Startup) -> Result<ExitCode, String> {
    let (exams, practice) = match startup {
        Startup::SamplePair => (Some(sample_pair()), None),
        Startup::Exams(b, f) => (Some((b, f)), None),
        Startup::Practice(case) => (None, Some(case)),
    };
    let (baseline, followup) = exams.unzip();
    let launched = std::time::Instant::now();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Tandem")
            .with_inner_size([1400.0, 860.0])
            .with_drag_and_drop(true),
        // Window size and position, and the reader's preferences, persist between runs.
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "Tandem",
        options,
        Box::new(move |cc| {
            let mut app = TandemApp::new(&cc.egui_ctx, baseline, followup);
            // Timed from the window's request, not from the app's construction.
            app.startup = startup_clock::StartupClock::new(launched);
            if let Some(case) = practice {
                app.push_command(command::Command::OpenPractice(case));
            }
            // Autosave and crash recovery live in the user's data folder.
            if let Some(dir) = tandem::session::data_dir() {
                app.enable_recovery(dir);
            }
            if let Some(prefs) = cc
                .storage
                .and_then(|s| eframe::get_value::<state::Prefs>(s, state::PREFS_KEY))
            {
                app.prefs = prefs;
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("could not open the window: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
