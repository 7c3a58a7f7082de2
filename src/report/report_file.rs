//! `report.json`'s document (`ReportFile`: the comparison's own fields plus the reader's
//! section) and `Reading`, everything a report is made from. The HTML and PDF renderers and the
//! folder writer all start here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compare::{PairView, Report};
use crate::display::Window;
use crate::marks::Marks;
use crate::reading::{
    Decision, ReadLesion, ReadSummary, marked_centroids, read_lesions, read_summary,
};

/// The reader's part of `report.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadingSection {
    pub reader: String,
    /// UTC, ISO 8601.
    pub saved_at: String,
    /// The build that wrote the report.
    pub tandem: String,
    pub notes: String,
    pub decisions: BTreeMap<u32, Decision>,
    /// Every lesion with the reader's decisions and marks applied.
    pub lesions: Vec<ReadLesion>,
    /// The counts the report states.
    pub summary: ReadSummary,
    /// Marked lesions and voxels per exam (baseline first).
    pub marks: MarksSummary,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MarksSummary {
    pub lesions: usize,
    pub voxels_per_exam: Vec<u64>,
}

/// `report.json`: the comparison's own fields (as `tandem compare` writes them) plus `reading`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportFile {
    #[serde(flatten)]
    pub comparison: Report,
    pub reading: ReadingSection,
}

/// Everything a report is made from.
pub struct Reading<'a> {
    pub report: &'a Report,
    /// The images (may be empty: then no key images or label exports).
    pub views: &'a [PairView],
    pub decisions: &'a BTreeMap<u32, Decision>,
    pub marks: Option<&'a Marks>,
    pub reader: &'a str,
    pub notes: &'a str,
    /// The windows the reader saw the primary view in (baseline first), so key images match
    /// the screen; `None`: the windows the viewer opens with.
    pub windows: Option<[Window; 2]>,
}

impl Reading<'_> {
    /// report.json's content, stamped now.
    pub fn report_file(&self) -> ReportFile {
        let centroids = self.marks.map(marked_centroids).unwrap_or_default();
        let lesions = read_lesions(self.report, self.decisions, self.marks, &centroids);
        let summary = read_summary(self.report, &lesions);
        let marks = self
            .marks
            .map_or_else(MarksSummary::default, |m| MarksSummary {
                lesions: m.ids().len(),
                voxels_per_exam: (0..m.exams().len())
                    .map(|e| m.ids().iter().map(|id| m.voxel_count(e, *id)).sum())
                    .collect(),
            });
        ReportFile {
            comparison: self.report.clone(),
            reading: ReadingSection {
                reader: self.reader.to_owned(),
                saved_at: crate::clock::Utc::now().iso(),
                tandem: crate::build_info::describe(),
                notes: self.notes.to_owned(),
                decisions: self.decisions.clone(),
                lesions,
                summary,
                marks,
            },
        }
    }
}
