//! The reading's life on disk, from the app: saving and opening sessions, autosave and
//! recovery after a crash, finding exams that moved, and writing the report folder in the
//! background.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tandem::report::{Written, report_exists, write_report_folder};
use tandem::session::{Session, locate_exam, study_at};

use super::command::{Command, Side};
use super::file_dialog::{FileRequest, Pick};
use super::jobs::Activity;
use super::jobs::Job;
use super::session_state::AUTOSAVE_AFTER;
use super::state::TandemApp;

impl TandemApp {
    /// Applies the session and report commands; others are not this file's business.
    pub(super) fn apply_session_command(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SaveSession => match self.session.path.clone() {
                Some(path) => self.save_session_to(&path),
                None => self.apply_session_command(ctx, Command::SaveSessionAs),
            },
            Command::SaveSessionAs => self.ask_for_path(
                FileRequest::new(
                    "Save the reading",
                    Pick::Save(format!("reading.{}", tandem::session::EXTENSION)),
                    Command::SaveSessionTo,
                )
                .filter("Tandem session", tandem::session::EXTENSION),
            ),
            Command::SaveSessionTo(path) => self.save_session_to(&path),
            Command::BrowseSession => self.ask_for_path(
                FileRequest::new("Open a saved reading", Pick::File, Command::OpenSession)
                    .filter("Tandem session", tandem::session::EXTENSION),
            ),
            Command::OpenSession(path) => match Session::load(&path) {
                Ok(session) => {
                    self.session.path = Some(path);
                    self.open_session(ctx, session);
                }
                Err(e) => self.session.status = Some((format!("Not opened: {e}"), true)),
            },
            Command::RecoverSession => {
                if let Some(Ok(session)) = self.session.recovery.take() {
                    self.session.path = None;
                    self.open_session(ctx, session);
                }
            }
            Command::DiscardRecovery => {
                self.session.recovery = None;
                if let Some(dir) = &self.session.data_dir {
                    tandem::session::clear_recovery(dir);
                }
            }
            Command::RelocateExam(side, path) if path.as_os_str().is_empty() => {
                self.ask_for_path(FileRequest::new(
                    format!("Where is the {} exam now?", side.title().to_lowercase()),
                    Pick::Folder,
                    move |p| Command::RelocateExam(side, p),
                ));
            }
            Command::RelocateExam(side, path) => {
                if let Some((mut session, _)) = self.session.relocating.take() {
                    let exam = match side {
                        Side::Baseline => &mut session.baseline,
                        Side::Followup => &mut session.followup,
                    };
                    if study_at(&path, &exam.study_uid) {
                        exam.path = path;
                        self.session.status = None;
                    } else {
                        self.session.status = Some((
                            format!(
                                "{} does not hold the {} exam of this reading",
                                path.display(),
                                side.title().to_lowercase()
                            ),
                            true,
                        ));
                    }
                    self.open_session(ctx, session);
                }
            }
            Command::SaveReport => {
                let last = self.session.confirm_replace.take();
                let folder = last.map(|p| p.display().to_string()).unwrap_or_default();
                self.session.report_form = Some(folder);
            }
            Command::SetReportFolder(folder) => self.session.report_form = Some(folder),
            Command::BrowseReportFolder => self.ask_for_path(FileRequest::new(
                "Folder for the report",
                Pick::Folder,
                |p| Command::SetReportFolder(p.display().to_string()),
            )),
            Command::CancelReport => self.session.report_form = None,
            Command::WriteReport(dir, replace) => {
                self.session.report_form = None;
                self.write_report(ctx, dir, replace);
            }
            Command::BrowsePractice => self.ask_for_path(FileRequest::new(
                "Practise on a teaching case (its folder)",
                Pick::Folder,
                Command::OpenPractice,
            )),
            Command::MakeCase => {
                if self.session.path.is_none() || self.session.dirty(self.review.as_ref()) {
                    self.session.status = Some((
                        "Save the session first: the teaching case is made from the saved reading"
                            .into(),
                        true,
                    ));
                } else {
                    self.ask_for_path(FileRequest::new(
                        "New folder for the teaching case",
                        Pick::Folder,
                        Command::WriteCase,
                    ));
                }
            }
            Command::WriteCase(dir) => self.write_case(ctx, dir),
            Command::SetReader(name) => {
                if let Some(review) = &mut self.review {
                    review.reading.reader = name;
                }
            }
            Command::SetNotes(notes) => {
                if let Some(review) = &mut self.review {
                    review.reading.notes = notes;
                }
            }
            _ => {}
        }
    }

    fn save_session_to(&mut self, path: &Path) {
        let Some(session) = self.session_now() else {
            return;
        };
        match session.save(path) {
            Ok(()) => {
                self.session.path = Some(path.to_path_buf());
                self.session.saved = self.review.as_ref().map(|r| self.session.fingerprint(r));
                self.session.autosaved = self.session.saved;
                self.session.changed_since = None;
                if let Some(dir) = &self.session.data_dir {
                    tandem::session::clear_recovery(dir);
                }
                self.session.status = Some((format!("Saved {}", path.display()), false));
            }
            Err(e) => self.session.status = Some((format!("Not saved: {e}"), true)),
        }
    }

    /// Opens a session: finds its exams (asking when one has moved), then loads and compares
    /// them with the saved settings; [`TandemApp::restore_pending`] puts the reading back.
    fn open_session(&mut self, ctx: &egui::Context, session: Session) {
        for side in Side::BOTH {
            let exam = match side {
                Side::Baseline => &session.baseline,
                Side::Followup => &session.followup,
            };
            if locate_exam(exam).is_none() {
                self.session.relocating = Some((session, side));
                return;
            }
        }
        self.settings = session.options.settings.clone();
        self.compare_options = session.options.clone();
        let chosen = session.options.baseline_series.is_some();
        let series = [
            session.options.baseline_series.clone(),
            session.options.followup_series.clone(),
        ];
        let paths = [session.baseline.path.clone(), session.followup.path.clone()];
        self.session.pending = Some(session);
        for (side, (path, series)) in Side::BOTH.into_iter().zip(paths.into_iter().zip(series)) {
            self.start_load(ctx, side, path, series);
        }
        self.pair_chosen = chosen;
        self.auto_compare = true;
    }

    /// Makes a teaching case of the saved session on a background thread (it de-identifies
    /// every file of both studies).
    fn write_case(&mut self, ctx: &egui::Context, dir: PathBuf) {
        let Some(session) = self.session.path.clone() else {
            return;
        };
        let generation = self.next_generation();
        let label = format!("Making the teaching case {}", dir.display());
        let case_label = dir.file_name().map_or_else(
            || "TEACHING CASE".into(),
            |n| n.to_string_lossy().to_uppercase(),
        );
        self.session.report_job =
            Activity::Running(Job::spawn(generation, label, ctx.clone(), move |_| {
                let secret = tandem::training::teach_pack::fresh_secret();
                tandem::training::teach_pack::teach_pack(&session, &dir, &case_label, &secret, None)
                    .map(|case| Written {
                        files: vec![dir.join("case.json")],
                        warnings: vec![format!(
                            "{} + {} files de-identified",
                            case.files[0], case.files[1]
                        )],
                    })
            }));
    }

    /// Writes the report folder on a background thread.
    fn write_report(&mut self, ctx: &egui::Context, dir: PathBuf, replace: bool) {
        let Some(review) = &self.review else {
            return;
        };
        if !replace && report_exists(&dir) {
            self.session.confirm_replace = Some(dir);
            return;
        }
        self.session.confirm_replace = None;
        // A copy to write from (the images are shared, not copied) while the reader goes on.
        let reading = review.reading.clone();
        // Key images in the reader's windows when the primary view is the one on screen.
        let windows = (tandem::compare::primary_view_index(reading.views())
            == Some(review.viewport.view))
        .then_some(review.viewport.windows);
        let generation = self.next_generation();
        let label = format!("Writing the report to {}", dir.display());
        self.session.report_job =
            Activity::Running(Job::spawn(generation, label, ctx.clone(), move |_| {
                write_report_folder(&dir, &reading, windows, replace)
            }));
    }

    /// Dialog answers, the report job, and autosave; called every frame.
    pub(super) fn poll_session(&mut self, ctx: &egui::Context) {
        if let Some(receiver) = &self.dialog_answer
            && let Ok(command) = receiver.try_recv()
        {
            self.dialog_answer = None;
            self.push_command(command);
        }
        if let Activity::Failed(message) = &self.session.report_job {
            self.session.status = Some((format!("Report not written: {message}"), true));
            self.session.report_job = Activity::Idle;
        }
        if let Some((_, written)) = self.session.report_job.poll() {
            let folder = written
                .files
                .first()
                .and_then(|f| f.parent())
                .map_or(String::new(), |p| p.display().to_string());
            let case = written.files.iter().any(|f| f.ends_with("case.json"));
            let mut text = if case {
                format!("Teaching case written to {folder}")
            } else {
                format!("Report written to {folder} ({} files)", written.files.len())
            };
            if !written.warnings.is_empty() {
                text += &format!("; {}", written.warnings.join("; "));
            }
            self.session.status = Some((text, false));
        }
        self.autosave(ctx);
    }

    /// Saves the reading to the recovery file once changes are [`AUTOSAVE_AFTER`] old.
    fn autosave(&mut self, ctx: &egui::Context) {
        let (Some(dir), Some(review)) = (self.session.data_dir.clone(), self.review.as_ref())
        else {
            return;
        };
        if self.session.pending.is_some() {
            return;
        }
        let fingerprint = self.session.fingerprint(review);
        if Some(fingerprint) == self.session.autosaved {
            self.session.changed_since = None;
            return;
        }
        let since = *self.session.changed_since.get_or_insert_with(Instant::now);
        let writing = self
            .session
            .autosave
            .as_ref()
            .is_some_and(|h| !h.is_finished());
        let after = self.session.autosave_after.unwrap_or(AUTOSAVE_AFTER);
        if since.elapsed() < after || writing {
            ctx.request_repaint_after(Duration::from_secs(1));
            return;
        }
        let Some(mut session) = self.session_without_marks() else {
            return;
        };
        // A copy of the label volumes (a memory copy); run-length encoding and deflating them
        // happen on the autosave thread.
        let marks = review.reading.marks.clone();
        self.session.autosaved = Some(fingerprint);
        self.session.changed_since = None;
        self.session.autosave = std::thread::Builder::new()
            .name("tandem-autosave".into())
            .spawn(move || {
                session.marks = Some(tandem::session::SavedMarks::from_marks(&marks));
                if let Err(e) = tandem::session::autosave(&session, &dir) {
                    log::warn!("autosave failed: {e}");
                }
            })
            .ok();
    }
}
