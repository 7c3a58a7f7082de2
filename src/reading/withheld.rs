//! A comparison's findings held back from a blind reading (practice), and given back later
//! numbered after the reader's own lesions. While held back the reading has only the reader's
//! marks: its lesion numbers start at 1 and its counts are the reader's alone, so nothing on
//! screen says how many lesions the comparison found.

use crate::compare::{EnhancementReport, LesionReport, Report};
use crate::ids::LesionId;

/// The comparison's lesions and enhancing foci, out of the reading.
#[derive(Debug, Clone)]
pub struct Withheld {
    lesions: Vec<LesionReport>,
    enhancement: Vec<EnhancementReport>,
    enhancement_post_minus_pre: Option<Vec<EnhancementReport>>,
}

impl Withheld {
    /// Takes the comparison's findings out of `report`.
    pub fn take_from(report: &mut Report) -> Self {
        Self {
            lesions: std::mem::take(&mut report.lesions),
            enhancement: std::mem::take(&mut report.enhancement),
            enhancement_post_minus_pre: report
                .enhancement_post_minus_pre
                .as_mut()
                .map(std::mem::take),
        }
    }

    /// Puts the findings back into `report`, each lesion renumbered after `after` (the
    /// highest id the reader used); a lesion no number is left for is dropped.
    pub fn restore_into(self, report: &mut Report, after: u16) {
        let renumber = |id: LesionId| id.label().checked_add(after).and_then(LesionId::from_label);
        report.lesions = self
            .lesions
            .into_iter()
            .filter_map(|mut l| {
                l.id = renumber(l.id)?;
                Some(l)
            })
            .collect();
        report.enhancement = renumbered(self.enhancement, &renumber);
        report.enhancement_post_minus_pre = self
            .enhancement_post_minus_pre
            .map(|foci| renumbered(foci, &renumber));
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
