//! `report.json`'s document (`ReportFile`: the comparison's own fields plus the reader's
//! section), made from a [`Reading`]. The HTML and PDF renderers and the folder writer all
//! start here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compare::{PairView, Report};
use crate::ids::LesionId;
use crate::pipeline::volume::Volume;
use crate::reading::{
    Decision, MeasureKind, Measurement, ReadLesion, ReadSummary, Reading, RegionStats, read_summary,
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
    pub decisions: BTreeMap<LesionId, Decision>,
    /// Every lesion with the reader's decisions and marks applied.
    pub lesions: Vec<ReadLesion>,
    /// The counts the report states.
    pub summary: ReadSummary,
    /// Marked lesions and voxels per exam (baseline first).
    pub marks: MarksSummary,
    /// The reader's rulers and regions of interest, measured on the compared pair.
    #[serde(default)]
    pub measurements: Vec<MeasurementRecord>,
}

/// A measurement with what it measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeasurementRecord {
    #[serde(flatten)]
    pub measurement: Measurement,
    /// A ruler's length, mm.
    pub length_mm: Option<f64>,
    /// An ellipse's area, mm².
    pub area_mm2: Option<f64>,
    /// An ellipse's values on each exam, baseline first.
    pub stats: Vec<Option<RegionStats>>,
    /// All of it in words, as the report prints it.
    pub text: String,
}

impl MeasurementRecord {
    /// `measurement` measured on `pair` (baseline, then the follow-up on its grid).
    pub fn of(measurement: &Measurement, pair: Option<&PairView>) -> Self {
        let volumes: Vec<&Volume> = pair
            .map(|v| vec![&v.baseline, &v.followup])
            .unwrap_or_default();
        let ellipse = measurement.kind == MeasureKind::Ellipse;
        Self {
            measurement: measurement.clone(),
            length_mm: (!ellipse).then(|| measurement.length_mm()),
            area_mm2: volumes
                .first()
                .filter(|_| ellipse)
                .map(|v| measurement.area_mm2(v)),
            stats: if ellipse {
                volumes
                    .iter()
                    .map(|v| measurement.region_stats(v))
                    .collect()
            } else {
                Vec::new()
            },
            text: measurement.describe(&volumes, &["baseline", "follow-up"]),
        }
    }
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

impl ReportFile {
    /// report.json's content for `reading`, stamped now.
    pub fn of(reading: &Reading) -> Self {
        let lesions = reading.lesions();
        let summary = read_summary(reading.report(), &lesions);
        let marks = &reading.marks;
        let ids = marks.ids();
        let marks = MarksSummary {
            lesions: ids.len(),
            voxels_per_exam: marks
                .exam_ids()
                .map(|e| ids.iter().map(|id| marks.voxel_count(e, *id)).sum())
                .collect(),
        };
        ReportFile {
            comparison: reading.report().clone(),
            reading: ReadingSection {
                reader: reading.reader.clone(),
                saved_at: crate::clock::Utc::now().iso(),
                tandem: crate::build_info::describe(),
                notes: reading.notes.clone(),
                decisions: reading.decisions.clone(),
                lesions,
                summary,
                marks,
                measurements: reading
                    .measurements
                    .iter()
                    .map(|m| MeasurementRecord::of(m, reading.marks_view()))
                    .collect(),
            },
        }
    }
}
