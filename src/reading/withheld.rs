//! A comparison's findings held back from a blind reading (practice), and given back later
//! numbered after the reader's own lesions. While held back the reading has only the reader's
//! marks: its lesion numbers start at 1 and its counts are the reader's alone, so nothing on
//! screen says how many lesions the comparison found.

use super::Reading;
use crate::compare::{EnhancementReport, LesionReport};
use crate::ids::LesionId;

/// The comparison's lesions and enhancing foci, out of the reading.
#[derive(Debug, Clone)]
pub struct Withheld {
    lesions: Vec<LesionReport>,
    enhancement: Vec<EnhancementReport>,
    enhancement_post_minus_pre: Option<Vec<EnhancementReport>>,
}

impl Reading {
    /// Takes the comparison's findings out of the reading.
    pub fn withhold_findings(&mut self) -> Withheld {
        let report = &mut self.comparison.report;
        Withheld {
            lesions: std::mem::take(&mut report.lesions),
            enhancement: std::mem::take(&mut report.enhancement),
            enhancement_post_minus_pre: report
                .enhancement_post_minus_pre
                .as_mut()
                .map(std::mem::take),
        }
    }

    /// Puts `withheld` back, each lesion renumbered after the highest id the marks use (so
    /// the reader's lesions keep theirs); a lesion no number is left for is dropped.
    pub fn restore_findings(&mut self, withheld: Withheld) {
        let offset = self.marks.ids().last().map_or(0, |id| id.label());
        let renumber = |id: LesionId| {
            id.label()
                .checked_add(offset)
                .and_then(LesionId::from_label)
        };
        let report = &mut self.comparison.report;
        report.lesions = withheld
            .lesions
            .into_iter()
            .filter_map(|mut l| {
                l.id = renumber(l.id)?;
                Some(l)
            })
            .collect();
        report.enhancement = renumbered(withheld.enhancement, &renumber);
        report.enhancement_post_minus_pre = withheld
            .enhancement_post_minus_pre
            .map(|foci| renumbered(foci, &renumber));
        // Decisions were on the reader's lesions only: the comparison's were not on screen.
    }
}

/// `foci` with the lesion each belongs to renumbered.
fn renumbered(
    foci: Vec<EnhancementReport>,
    renumber: &impl Fn(LesionId) -> Option<LesionId>,
) -> Vec<EnhancementReport> {
    foci.into_iter()
        .map(|mut f| {
            f.lesion_id = f.lesion_id.and_then(renumber);
            f
        })
        .collect()
}
