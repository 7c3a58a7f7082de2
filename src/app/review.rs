//! The comparison as the reader works through it: which lesion is selected, the reader's
//! decisions, and the summary with those decisions applied.

use std::collections::BTreeMap;

use tandem::compare::{Comparison, Report};
use tandem::lesion::Status;

use super::command::Decision;

/// A finished comparison under review.
pub struct Review {
    pub comparison: Comparison,
    /// Index into `comparison.views` of the pair on screen (FLAIR first).
    pub view: usize,
    pub selected: Option<u32>,
    pub decisions: BTreeMap<u32, Decision>,
    /// Cursor pixel (column, row) on the comparison grid.
    pub cursor: Option<(f64, f64)>,
    /// Changes whenever the comparison does (texture cache keys).
    pub generation: u64,
}

/// The counts a follow-up report states, with the reader's rejections taken out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveSummary {
    pub new: usize,
    pub enlarging: usize,
    pub enhancing: usize,
    pub active: bool,
    pub contrast_compared: bool,
}

impl Review {
    pub fn new(comparison: Comparison, generation: u64) -> Self {
        Self {
            comparison,
            view: 0,
            selected: None,
            decisions: BTreeMap::new(),
            cursor: None,
            generation,
        }
    }

    pub fn report(&self) -> &Report {
        &self.comparison.report
    }

    pub fn decision(&self, id: u32) -> Decision {
        self.decisions.get(&id).copied().unwrap_or_default()
    }

    /// Lesions the comparison flags for the reader: new, enlarging or enhancing.
    pub fn flagged(&self) -> Vec<u32> {
        self.report()
            .lesions
            .iter()
            .filter(|l| l.status.is_activity() || l.enhancing)
            .map(|l| l.id)
            .collect()
    }

    /// The flagged lesion after (or before) the selected one, wrapping around.
    pub fn step(&self, forward: bool) -> Option<u32> {
        let flagged = self.flagged();
        let at = self
            .selected
            .and_then(|s| flagged.iter().position(|id| *id == s));
        let n = flagged.len();
        if n == 0 {
            return None;
        }
        let next = match (at, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        flagged.get(next).copied()
    }

    /// The summary with rejected lesions (and their enhancement) not counted.
    pub fn summary(&self) -> LiveSummary {
        let report = self.report();
        let kept = |id: u32| self.decision(id) != Decision::Rejected;
        let count = |status: Status| {
            report
                .lesions
                .iter()
                .filter(|l| l.status == status && kept(l.id))
                .count()
        };
        let foci = report
            .enhancement_post_minus_pre
            .as_ref()
            .unwrap_or(&report.enhancement);
        let enhancing = foci.iter().filter(|f| f.lesion_id.is_none_or(kept)).count();
        let (new, enlarging) = (count(Status::New), count(Status::Enlarging));
        LiveSummary {
            new,
            enlarging,
            enhancing,
            active: new + enlarging + enhancing > 0,
            contrast_compared: report.summary.contrast_compared,
        }
    }
}
