//! The app's state: the exams, the comparison and its review, the session and practice state,
//! preferences, the command queue, and asking for a path. The files above it act on it in layers, each calling
//! only those below: `recovery` (the reading kept as a session), `loading` (exams and the
//! comparison in the background), `session_io` and `practice`, and `app` (the frame loop and
//! applying commands).

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

use tandem::reading::Reading;

use super::command::{Command, Layout, Plane};
use super::exam_slot::ExamSlot;
use super::file_dialog::{FileRequest, PathPrompt, typed_path};
use super::jobs::Activity;
use super::review::Review;
use super::views::SliceTexture;

/// What the reader's setup carries from one run to the next (eframe storage).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub layout: Layout,
    pub plane: Option<Plane>,
    /// Exam pairs opened lately, newest first.
    pub recent: Vec<[PathBuf; 2]>,
}

/// Storage key of [`Prefs`].
pub const PREFS_KEY: &str = "tandem-prefs";

/// The reading room.
pub struct TandemApp {
    pub prefs: Prefs,
    /// CPU time of recent frames' drawing (time, ms), for the frame-time readout: the slowest
    /// of the last two seconds is what a reader feels while scrolling.
    pub frame_times: std::collections::VecDeque<(f64, f32)>,
    pub exams: [ExamSlot; 2],
    /// Position through the stack, 0..=1, shared by all views.
    pub slice_fraction: f32,
    /// The comparison of the two exams, once run, and the reader's work on it.
    pub review: Option<Review>,
    /// The comparison running in the background; it ends in a fresh reading.
    pub comparison: Activity<Reading>,
    /// Start a comparison as soon as both exams are open.
    pub auto_compare: bool,
    pub compare_textures: Vec<SliceTexture>,
    /// The keyboard and mouse help is showing.
    pub help: bool,
    /// The side panels are hidden: the images have the whole window.
    pub panels_hidden: bool,
    /// When the first image and the comparison's table were drawn (a benchmark's readout).
    pub startup: super::startup_clock::StartupClock,
    /// The reader picked the series to compare (else they are paired automatically).
    pub pair_chosen: bool,
    /// Show each exam on its own grid (the original follow-up) instead of the comparison.
    pub show_native: bool,
    /// Detection settings of the next comparison (the threshold is the reader's to set).
    pub settings: tandem::pipeline::change::ChangeSettings,
    /// Options the next comparison starts from (a reading records the ones it ran with).
    pub compare_options: tandem::compare::CompareOptions,
    /// Session file, autosave, recovery, report writing.
    pub session: super::session_state::SessionState,
    /// A practice round, when practising on a teaching case.
    pub practice: Option<super::practice_state::Practice>,
    /// Where practice rounds and the trainee's history are saved (none: not saved).
    pub practice_dir: Option<PathBuf>,
    pub(super) commands: Vec<Command>,
    pub(super) next_generation: u64,
    /// Why no system file dialog can open here (then paths are typed into the app).
    pub dialog_missing: Option<String>,
    /// A question for a path the reader is typing the answer to.
    pub path_prompt: Option<PathPrompt>,
    /// The system file dialog's answer, when one is open.
    pub(super) dialog_answer: Option<Receiver<Command>>,
}

impl TandemApp {
    /// Queues a command, applied after the current frame is drawn.
    pub fn push_command(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Turns autosave and crash recovery on, with the recovery file in `dir`; an interrupted
    /// reading found there is offered to the reader.
    pub fn enable_recovery(&mut self, dir: PathBuf) {
        if let Some((_, found)) = tandem::session::pending_recovery(&dir) {
            self.session.recovery = Some(found);
        }
        self.practice_dir = Some(dir.join("practice"));
        self.session.data_dir = Some(dir);
    }

    #[cfg(test)]
    pub fn exam(&self, side: super::command::Side) -> &ExamSlot {
        &self.exams[side.index()]
    }

    /// True while anything runs in the background.
    pub fn busy(&self) -> bool {
        self.exams.iter().any(ExamSlot::is_loading)
            || self.comparison.is_running()
            || self.session.report_job.is_running()
    }

    /// Asks for a path: the system dialog when there is one, else the path field.
    pub(super) fn ask_for_path(&mut self, request: FileRequest) {
        if let Some(why) = self.dialog_missing.clone() {
            self.path_prompt = Some(PathPrompt {
                request,
                text: String::new(),
                why,
            });
            return;
        }
        let (sender, receiver) = channel();
        let spawned = std::thread::Builder::new()
            .name("tandem-file-dialog".into())
            .spawn(move || {
                if let Some(command) = request.ask_system() {
                    let _ = sender.send(command);
                }
            });
        match spawned {
            Ok(_) => self.dialog_answer = Some(receiver),
            Err(e) => {
                self.session.status = Some((format!("The file dialog did not open: {e}"), true));
            }
        }
    }

    /// The path typed into the field, taken as the dialog's answer.
    pub(super) fn submit_path(&mut self) {
        let Some(prompt) = self.path_prompt.take() else {
            return;
        };
        let text = prompt.text.trim();
        if text.is_empty() {
            self.path_prompt = Some(prompt);
            return;
        }
        self.commands.push((prompt.request.then)(typed_path(text)));
    }

    pub(super) fn next_generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }
}
