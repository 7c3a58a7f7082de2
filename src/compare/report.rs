//! `report.json`'s schema as `tandem compare` writes it (`Report` and its parts), built from
//! the pipeline's findings, and the summary text a radiologist would write.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::counts::{
    CONTRAST_NOT_ASSESSED, Counts, DiseaseActivity, EnhancingMethod, T2_NOT_ASSESSED, count_text,
};
use crate::dicom::{Series, Study};
use crate::ids::LesionId;
use crate::info::pretty_date;
use crate::pipeline::change::{ChangeSettings, Region};
use crate::pipeline::geometry::{Mat3, Vec3};
use crate::pipeline::lesion::{Status, TrackedLesion};
use crate::pipeline::location::Location;
use crate::pipeline::register::{Registration, RegistrationSettings};
use crate::pipeline::volume::Volume;

use super::pairing::SequenceKind;

/// The comparison's result: `report.json`'s content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub tandem: String,
    pub baseline: ExamRef,
    pub followup: ExamRef,
    pub comparability: Comparability,
    /// The registration of the first (primary) pair, as asked by the report schema.
    pub registration: RegistrationReport,
    pub pairs: Vec<PairReport>,
    pub lesions: Vec<LesionReport>,
    /// New enhancement: hyperintensity new on post-contrast T1 since the baseline's.
    pub enhancement: Vec<EnhancementReport>,
    /// Enhancement at follow-up measured as post- minus pre-contrast T1 (when the follow-up has
    /// both); `null` otherwise.
    pub enhancement_post_minus_pre: Option<Vec<EnhancementReport>>,
    pub settings: SettingsReport,
    pub summary: Summary,
    pub timings_s: Timings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExamRef {
    pub path: PathBuf,
    pub study_uid: String,
    pub date: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparability {
    pub comparable: bool,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationReport {
    /// `x_followup = matrix · x_baseline + offset_mm` (rows).
    pub matrix: Mat3,
    pub offset_mm: Vec3,
    pub correlation: f64,
    pub overlap: f64,
    pub rotation_deg: f64,
    pub translation_mm: f64,
    pub reliable: bool,
    pub warnings: Vec<String>,
}

impl From<&Registration> for RegistrationReport {
    fn from(r: &Registration) -> Self {
        Self {
            matrix: r.transform.matrix,
            offset_mm: r.transform.offset_mm,
            correlation: r.correlation,
            overlap: r.overlap,
            rotation_deg: r.rotation_deg,
            translation_mm: r.translation_mm,
            reliable: r.warnings.is_empty(),
            warnings: r.warnings.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesRef {
    pub series_uid: String,
    pub description: Option<String>,
    pub date: Option<String>,
    pub dims: [usize; 3],
    pub spacing_mm: Vec3,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairReport {
    pub kind: SequenceKind,
    pub baseline: SeriesRef,
    pub followup: SeriesRef,
    pub registration: RegistrationReport,
    /// Robust spread of the difference in the brain (baseline units).
    pub noise_sigma: f32,
    pub brain_volume_ml: f64,
    /// Regions of significant increase on the subtraction map.
    pub candidates: Vec<Region>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volumes {
    pub baseline: f64,
    pub followup: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LesionReport {
    pub id: LesionId,
    pub status: Status,
    pub enhancing: bool,
    /// periventricular, juxtacortical, infratentorial or deep_white_matter.
    pub location: Option<Location>,
    /// Baseline patient LPS mm.
    pub centroid_mm: Vec3,
    pub volume_mm3: Volumes,
    pub notes: Vec<String>,
    /// Its labels in the primary pair's lesion maps (`PairView::baseline_lesions`,
    /// `PairView::followup_lesions`), for viewers and exports.
    #[serde(default)]
    pub baseline_labels: Vec<u32>,
    #[serde(default)]
    pub followup_labels: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnhancementReport {
    pub centroid_mm: Vec3,
    pub volume_mm3: f64,
    pub peak_z: f32,
    /// The FLAIR/T2 lesion it belongs to, when one is found there.
    pub lesion_id: Option<LesionId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SettingsReport {
    #[serde(flatten)]
    pub change: ChangeSettings,
    pub enlarging_rule: String,
    pub registration: RegistrationSettings,
}

/// The comparison's own counts. In JSON: `new`, `enlarging`, `enhancing` (`null` when no
/// compared series can show them), `t2_compared`, `contrast_compared` (see [`Counts`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub comparison_date: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
    /// How `enhancing` was counted.
    pub enhancing_method: EnhancingMethod,
    /// [`Counts::activity`]: only what was assessed.
    pub activity: DiseaseActivity,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timings {
    pub scan: f64,
    pub load: f64,
    pub register: f64,
    pub detect: f64,
    pub total: f64,
}

pub(super) fn lesion_report(l: &TrackedLesion) -> LesionReport {
    LesionReport {
        id: l.id,
        status: l.status,
        enhancing: l.enhancing,
        location: l.location,
        centroid_mm: l.centroid_mm,
        volume_mm3: Volumes {
            baseline: l.volume_baseline_mm3,
            followup: l.volume_followup_mm3,
        },
        notes: l.notes.clone(),
        baseline_labels: l.baseline_labels.clone(),
        followup_labels: l.followup_labels.clone(),
    }
}

pub(super) fn exam_ref(path: &Path, study: &Study) -> ExamRef {
    ExamRef {
        path: path.to_path_buf(),
        study_uid: study.uid.clone(),
        date: study.date.clone(),
        description: study.description.clone(),
    }
}

pub(super) fn series_ref(series: &Series, volume: Option<&Volume>) -> SeriesRef {
    SeriesRef {
        series_uid: series.id.clone(),
        description: series.facts.series_description.clone(),
        date: series.facts.series_date.clone(),
        dims: volume.map_or([0; 3], Volume::dims),
        spacing_mm: volume.map_or([0.0; 3], |v| v.geometry().spacing),
    }
}

impl Report {
    /// The short summary a radiologist would write.
    pub fn summary_text(&self) -> String {
        let date = |d: &Option<String>| d.as_deref().map_or("(no date)".to_owned(), pretty_date);
        let mut out = format!(
            "Comparison: follow-up of {} compared with {}{}.\n",
            date(&self.followup.date),
            date(&self.baseline.date),
            if self.comparability.warnings.is_empty() {
                ", comparable".to_owned()
            } else {
                format!(
                    ", comparable with reservations: {}",
                    self.comparability.warnings.join("; ")
                )
            }
        );
        let c = &self.summary.counts;
        out += &format!(
            "New T2/FLAIR lesions: {}.\n",
            count_text(c.new, T2_NOT_ASSESSED)
        );
        match c.enlarging {
            Some(n) => {
                out += &format!(
                    "Enlarging T2/FLAIR lesions: {n} (rule: {}).\n",
                    self.settings.enlarging_rule
                );
            }
            None => out += &format!("Enlarging T2/FLAIR lesions: {T2_NOT_ASSESSED}.\n"),
        }
        match c.enhancing {
            Some(n) if self.summary.enhancing_method == EnhancingMethod::NewSinceBaseline => {
                out += &format!("New gadolinium-enhancing lesions: {n}.\n");
            }
            Some(n) => out += &format!("Gadolinium-enhancing lesions: {n}.\n"),
            None => out += &format!("Gadolinium-enhancing lesions: {CONTRAST_NOT_ASSESSED}.\n"),
        }
        if c.unexplained > 0 {
            out += &format!(
                "Unexplained changes (unreviewed): {} (significant increase that no lesion \
                 explains; confirm or dismiss each).\n",
                c.unexplained
            );
        }
        out += &format!(
            "Impression: {}{}.\n",
            if c.active() {
                "radiologically ACTIVE disease: "
            } else {
                ""
            },
            c.impression()
        );
        out
    }
}

#[cfg(test)]
impl Report {
    /// A reliable comparison that found nothing, summed up as `counts`: unit tests fill in
    /// the fields they are about with struct update syntax.
    pub(crate) fn for_tests(counts: Counts) -> Self {
        let exam = ExamRef {
            path: "exam".into(),
            study_uid: "2.25.1".into(),
            date: None,
            description: None,
        };
        Report {
            tandem: "test".into(),
            baseline: exam.clone(),
            followup: exam,
            comparability: Comparability {
                comparable: true,
                warnings: vec![],
            },
            registration: RegistrationReport {
                matrix: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
                offset_mm: [0.0; 3],
                correlation: 0.9,
                overlap: 1.0,
                rotation_deg: 0.0,
                translation_mm: 0.0,
                reliable: true,
                warnings: vec![],
            },
            pairs: vec![],
            lesions: vec![],
            enhancement: vec![],
            enhancement_post_minus_pre: None,
            settings: SettingsReport {
                change: Default::default(),
                enlarging_rule: "volume increase of at least 50%".into(),
                registration: Default::default(),
            },
            summary: Summary {
                comparison_date: None,
                counts,
                enhancing_method: EnhancingMethod::NewSinceBaseline,
                activity: counts.activity(),
            },
            timings_s: Default::default(),
        }
    }
}
