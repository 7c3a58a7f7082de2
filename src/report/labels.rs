//! The lesions as the reading finally stands, as label volumes (one id per lesion) on the
//! comparison grid: the reader's marks where the reader marked, the comparison's lesion maps
//! elsewhere, and nothing for rejected lesions. Key images, the SEG object and the NIfTI
//! exports all draw from here, so they agree with the table.

use std::collections::BTreeMap;

use ndarray::Zip;

use crate::compare::{PairView, Report};
use crate::ids::{ExamId, LesionId};
use crate::marks::{Label, Marks};
use crate::pipeline::image::Image;
use crate::reading::{ReadLesion, Source};

pub use crate::compare::primary_view;

/// Final labels of `exam` (0 = baseline, 1 = follow-up) on `view`'s grid.
pub fn final_labels(
    report: &Report,
    lesions: &[ReadLesion],
    view: &PairView,
    marks: Option<&Marks>,
    exam: ExamId,
) -> Image<Label> {
    let counted = |id: LesionId| lesions.iter().any(|l| l.id == id && l.counted());
    // Algorithm map label → lesion id, for counted lesions the reader did not mark.
    let mut from_algorithm: BTreeMap<u32, Label> = BTreeMap::new();
    for l in &report.lesions {
        let unmarked = lesions
            .iter()
            .any(|r| r.id == l.id && r.source == Source::Algorithm);
        let id = l.id.label();
        if unmarked && counted(l.id) {
            let labels = if exam.is_reference() {
                &l.baseline_labels
            } else {
                &l.followup_labels
            };
            for label in labels {
                from_algorithm.insert(*label, id);
            }
        }
    }
    let source = if exam.is_reference() {
        &view.baseline_lesions
    } else {
        &view.followup_lesions
    };
    let mut out = source.map(|a| from_algorithm.get(a).copied().unwrap_or(0));
    if let Some(marked) = marks
        .and_then(|m| m.labels(exam))
        .filter(|m| m.dim() == out.voxels().dim())
    {
        let keep: Vec<Label> = lesions
            .iter()
            .filter(|l| l.counted() && l.source != Source::Algorithm)
            .map(|l| l.id.label())
            .collect();
        Zip::from(out.voxels_mut()).and(marked).for_each(|o, m| {
            if *m != 0 && keep.contains(m) {
                *o = *m;
            }
        });
    }
    out
}
