//! A practice round as the app holds it: the teaching case, the trainee's answers, the result
//! once scored, where the replay of misses is, and the trainee's history.

use std::path::PathBuf;

use tandem::training::practice::{Case, HistoryEntry, PracticeResult};
use tandem::training::teach_pack::Answers;

/// A practice round in progress (or scored).
pub struct Practice {
    pub case: Case,
    /// The comparison's candidates are on screen (recorded in the result).
    pub candidates_shown: bool,
    /// The trainee's answers to the summary questions.
    pub answers: Answers,
    pub result: Option<PracticeResult>,
    /// Index of the miss the replay is at.
    pub replay: usize,
    /// Where the score report was saved, or why it was not.
    pub saved: Option<Result<PathBuf, tandem::Error>>,
    /// Past rounds of this trainee, this one included once scored.
    pub history: Vec<HistoryEntry>,
    /// The comparison's findings, held out of the reading while it is blind, with the
    /// generation of the review they came from.
    pub withheld: Option<(u64, tandem::reading::Withheld)>,
    /// For each of the score's items (found, missed, false marks), the trainee's lesion it
    /// is (none for a miss): the number the table shows.
    pub yours: Vec<Option<tandem::ids::LesionId>>,
}

impl Practice {
    /// The round is blind: the comparison's findings stay out of sight.
    pub fn blind(&self) -> bool {
        !self.candidates_shown && self.result.is_none()
    }
}
