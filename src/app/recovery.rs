//! The reading kept as a session: its content now, written to the recovery file before anything
//! can drop it, cleared on a clean close, restored onto a fresh comparison when a session is
//! opened, and the options the next comparison runs with.

use tandem::compare::CompareOptions;
use tandem::session::{ExamLocation, Session};

use super::state::TandemApp;

impl TandemApp {
    /// The reading as a session file's content.
    pub(super) fn session_now(&self) -> Option<Session> {
        let mut session = self.session_without_marks()?;
        session.marks = self
            .review
            .as_ref()
            .map(|r| tandem::session::SavedMarks::from_marks(&r.marks));
        Some(session)
    }

    /// The session with its marks still to be encoded (autosave does that on its thread).
    pub(super) fn session_without_marks(&self) -> Option<Session> {
        let review = self.review.as_ref()?;
        let report = review.report();
        let location = |n: usize, uid: &str, series: Vec<String>| ExamLocation {
            path: self.exams[n].path.clone().unwrap_or_default(),
            study_uid: uid.to_owned(),
            series_uids: series,
        };
        let options = self.compare_options.clone();
        Some(Session::new(
            self.session.reader.clone(),
            self.session.notes.clone(),
            location(
                0,
                &report.baseline.study_uid,
                report
                    .pairs
                    .iter()
                    .map(|p| p.baseline.series_uid.clone())
                    .collect(),
            ),
            location(
                1,
                &report.followup.study_uid,
                report
                    .pairs
                    .iter()
                    .map(|p| p.followup.series_uid.clone())
                    .collect(),
            ),
            options,
            report.clone(),
            review.decisions.clone(),
            None,
        ))
    }

    /// Puts a pending session's reading onto the review that has just been computed; a fresh
    /// review (no session) starts with nothing to save.
    pub(super) fn restore_pending(&mut self) {
        let Some(review) = self.review.as_mut() else {
            return;
        };
        let Some(session) = self.session.pending.take() else {
            let clean = Some(self.session.fingerprint(review));
            self.session.saved = clean;
            self.session.autosaved = clean;
            self.session.path = None;
            return;
        };
        let mut warnings = Vec::new();
        let same = |a: &tandem::compare::Report, b: &tandem::compare::Report| {
            a.lesions.len() == b.lesions.len()
                && a.lesions
                    .iter()
                    .zip(&b.lesions)
                    .all(|(x, y)| x.id == y.id && x.followup_labels == y.followup_labels)
        };
        if !same(review.report(), &session.report) {
            warnings.push("the comparison now finds other candidates than when saved; the saved ones are shown");
        }
        review.comparison.report = session.report.clone();
        review.decisions = session.decisions.clone();
        if let Some(saved) = &session.marks {
            match saved.to_marks() {
                Ok(marks)
                    if marks.dims() == review.marks.dims()
                        && marks.geometry() == review.marks.geometry() =>
                {
                    review.marks = marks;
                }
                Ok(_) => warnings.push("the saved marks are on another grid and were not restored"),
                Err(_) => warnings.push("the saved marks could not be read"),
            }
        }
        review.sync();
        let fingerprint = self.session.fingerprint(review);
        let recovered = self.session.path.is_none();
        // A recovered reading is unsaved work until the reader saves it somewhere.
        self.session.saved = (!recovered).then_some(fingerprint);
        self.session.autosaved = Some(fingerprint);
        self.session.status = Some(if warnings.is_empty() {
            (format!("Reading of {} restored", session.saved_at), false)
        } else {
            (
                format!("Reading restored, but {}", warnings.join("; ")),
                true,
            )
        });
    }

    /// Writes unsaved work to the recovery file now (before the review is dropped).
    pub(super) fn keep_for_recovery(&mut self) {
        let Some(dir) = self.session.data_dir.clone() else {
            return;
        };
        if let Some(handle) = self.session.autosave.take() {
            let _ = handle.join();
        }
        if self.session.dirty(self.review.as_ref())
            && let Some(session) = self.session_now()
            && let Err(e) = tandem::session::autosave(&session, &dir)
        {
            log::warn!("autosave failed: {e}");
        }
    }

    /// On close: unsaved work stays in the recovery file (written now); saved work leaves none.
    pub(super) fn on_close(&mut self) {
        self.keep_for_recovery();
        if !self.session.dirty(self.review.as_ref())
            && let Some(dir) = &self.session.data_dir
        {
            tandem::session::clear_recovery(dir);
        }
    }

    /// Options of the next comparison, kept so a session records what was used.
    pub(super) fn options_for(&self, pair: Option<(String, String)>) -> CompareOptions {
        let (baseline_series, followup_series) = pair.unzip();
        CompareOptions {
            settings: self.settings.clone(),
            baseline_series,
            followup_series,
            ..self.compare_options.clone()
        }
    }
}
