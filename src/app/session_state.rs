//! What the app knows about the reading's files: where it was saved, autosave and recovery
//! state, a session being restored, the report being written, and the last outcome to tell
//! the reader. `session_io` acts on it; the views only read it.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tandem::report::Written;
use tandem::session::Session;

use super::command::Side;
use super::jobs::Activity;
use super::review::Review;

/// Autosave once changes are this old (the issue asks for at most 30 s of loss).
pub const AUTOSAVE_AFTER: Duration = Duration::from_secs(10);

/// What a new reading takes over from the one it replaces.
#[derive(Debug, Clone, Default)]
pub struct Carried {
    pub exams: Vec<PathBuf>,
    pub reader: String,
    pub notes: String,
}

/// What the app knows about the reading's files.
#[derive(Default)]
pub struct SessionState {
    /// Where the reading was last saved (Save writes there without asking).
    pub path: Option<PathBuf>,
    /// Folder of the recovery file; `None` turns autosave off (tests).
    pub data_dir: Option<PathBuf>,
    /// How old changes get before they are autosaved (`None`: [`AUTOSAVE_AFTER`]).
    pub autosave_after: Option<Duration>,
    /// Fingerprint of the reading when last saved by the reader, and when last autosaved.
    pub(super) saved: Option<u64>,
    pub(super) autosaved: Option<u64>,
    /// When the reading first differed from the last autosave.
    pub(super) changed_since: Option<Instant>,
    pub(super) autosave: Option<std::thread::JoinHandle<()>>,
    /// The reader and notes of the reading last dropped for a new load (and its exams): the
    /// next reading keeps the reader, and the notes when it reads the same exams.
    pub(super) carried: Option<Carried>,
    /// A session whose exams are being loaded and compared; restored when that is done.
    pub pending: Option<Session>,
    /// A session waiting for the reader to say where one of its exams went.
    pub relocating: Option<(Session, Side)>,
    /// The interrupted reading found at start (or why it cannot be read).
    pub recovery: Option<Result<Session, tandem::Error>>,
    /// The report form is open, with the folder typed so far.
    pub report_form: Option<String>,
    /// A report folder that already holds a report: replace it?
    pub confirm_replace: Option<PathBuf>,
    pub report_job: Activity<Written>,
    /// The last outcome to tell the reader: (text, is an error).
    pub status: Option<(String, bool)>,
}

impl SessionState {
    /// Whether the reading has changes the reader has not saved.
    pub fn dirty(&self, review: Option<&Review>) -> bool {
        review.is_some_and(|r| Some(self.fingerprint(r)) != self.saved)
    }

    pub(super) fn fingerprint(&self, review: &Review) -> u64 {
        let mut h = DefaultHasher::new();
        review.reading.marks.revision().hash(&mut h);
        review.generation.hash(&mut h);
        for (id, d) in &review.reading.decisions {
            (id, *d as u8).hash(&mut h);
        }
        (&review.reading.reader, &review.reading.notes).hash(&mut h);
        for m in &review.reading.measurements {
            (m.kind, m.plane).hash(&mut h);
            m.a_mm
                .iter()
                .chain(&m.b_mm)
                .for_each(|v| v.to_bits().hash(&mut h));
        }
        h.finish()
    }
}
