//! Identities that carry meaning. [`ExamId`]: which exam of a reading, for any number of
//! exams, instead of a bare `0` / `1`. [`LesionId`]: which lesion, one number from the
//! comparison's table through the reader's marks (their label volumes) to the report, the
//! SEG's segments and the NIfTI labels.

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

/// A lesion's identity in a reading: 1, 2, … as the table lists them. The same number is the
/// lesion's value in every label volume (marks, final labels, NIfTI, the SEG's segment
/// number), so it is a label value ([`LesionId::label`]) that is never 0 (0 is no lesion);
/// saved as a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct LesionId(std::num::NonZeroU16);

impl LesionId {
    /// The first id.
    pub const FIRST: LesionId = LesionId(std::num::NonZeroU16::MIN);
    /// The highest id a reading can hold (the label volumes' value range).
    pub const MAX: LesionId = LesionId(std::num::NonZeroU16::MAX);

    /// The id of label value `label`, or `None` for 0 (no lesion).
    pub const fn from_label(label: u16) -> Option<Self> {
        match std::num::NonZeroU16::new(label) {
            Some(n) => Some(LesionId(n)),
            None => None,
        }
    }

    /// The id numbered `n` (1-based), or `None` when `n` is 0 or past [`LesionId::MAX`].
    pub fn nth(n: usize) -> Option<Self> {
        u16::try_from(n).ok().and_then(Self::from_label)
    }

    /// Its value in label volumes.
    pub const fn label(self) -> u16 {
        self.0.get()
    }

    /// The next id, or `None` past [`LesionId::MAX`].
    pub fn next(self) -> Option<Self> {
        self.0.checked_add(1).map(LesionId)
    }
}

impl TryFrom<u16> for LesionId {
    type Error = &'static str;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        Self::from_label(value).ok_or("a lesion id is 1 or more (0 is no lesion)")
    }
}

impl From<LesionId> for u16 {
    fn from(id: LesionId) -> u16 {
        id.label()
    }
}

/// Prints the number, honouring width and fill (`{:03}` makes `007`).
impl std::fmt::Display for LesionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.label(), f)
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

    #[test]
    fn lesion_ids_are_label_values_never_zero_and_saved_as_plain_numbers() {
        let seven = LesionId::nth(7).unwrap();
        assert_eq!(seven.label(), 7);
        assert_eq!(LesionId::from_label(7), Some(seven));
        assert_eq!(LesionId::from_label(0), None);
        assert_eq!(LesionId::nth(0), None);
        assert_eq!(LesionId::nth(70_000), None);
        assert_eq!(LesionId::MAX.next(), None);
        assert_eq!(format!("lesion-{seven:03}"), "lesion-007");
        assert_eq!(serde_json::to_string(&seven).unwrap(), "7");
        assert_eq!(serde_json::from_str::<LesionId>("7").unwrap(), seven);
        assert!(serde_json::from_str::<LesionId>("0").is_err());
        let keyed: std::collections::BTreeMap<LesionId, bool> = [(seven, true)].into();
        let json = serde_json::to_string(&keyed).unwrap();
        assert_eq!(json, r#"{"7":true}"#);
        assert_eq!(
            serde_json::from_str::<std::collections::BTreeMap<LesionId, bool>>(&json).unwrap(),
            keyed
        );
    }
}
