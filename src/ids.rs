//! Identities that carry meaning. [`ExamId`]: which exam of a reading, for any number of
//! exams, instead of a bare `0` / `1`.

use serde::{Deserialize, Serialize};

/// Which exam of a reading: its place in the reading's time order, the reference (baseline)
/// first. A reading of N exams has ids `0..N`; two-exam readings name theirs
/// [`ExamId::BASELINE`] and [`ExamId::FOLLOWUP`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ExamId(usize);

impl ExamId {
    /// The reference exam: the grid every other exam is brought onto.
    pub const BASELINE: ExamId = ExamId(0);
    /// The second exam of a pair.
    pub const FOLLOWUP: ExamId = ExamId(1);

    /// The exam at `index` in time order (0 is the reference).
    pub const fn new(index: usize) -> Self {
        ExamId(index)
    }

    /// Its place in time order, for indexing per-exam lists.
    pub const fn index(self) -> usize {
        self.0
    }

    /// The first `n` exams, in time order.
    pub fn first(n: usize) -> impl Iterator<Item = ExamId> {
        (0..n).map(ExamId)
    }

    /// Whether this is the reference (baseline) exam.
    pub const fn is_reference(self) -> bool {
        self.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exams_are_numbered_in_time_order_and_saved_as_plain_numbers() {
        let all: Vec<ExamId> = ExamId::first(3).collect();
        assert_eq!(all, [ExamId::BASELINE, ExamId::FOLLOWUP, ExamId::new(2)]);
        assert!(ExamId::BASELINE.is_reference() && !ExamId::FOLLOWUP.is_reference());
        assert_eq!(serde_json::to_string(&ExamId::FOLLOWUP).unwrap(), "1");
        assert_eq!(serde_json::from_str::<ExamId>("2").unwrap(), ExamId::new(2));
    }
}
