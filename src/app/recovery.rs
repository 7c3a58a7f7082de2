//! The reading kept as a session: its content now, written to the recovery file before anything
//! can drop it, cleared on a clean close, restored onto a fresh comparison when a session is
//! opened, and the options the next comparison runs with.

use tandem::compare::CompareOptions;
use tandem::session::Session;

use super::state::TandemApp;

impl TandemApp {
    /// The reading as a session file's content.
    pub(super) fn session_now(&self) -> Option<Session> {
        Some(Session::of(&self.review.as_ref()?.reading))
    }

    /// The session with its marks still to be encoded (autosave does that on its thread).
    pub(super) fn session_without_marks(&self) -> Option<Session> {
        Some(Session::without_marks(&self.review.as_ref()?.reading))
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
        let warnings = session.restore_onto(&mut review.reading);
        review.resync();
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
