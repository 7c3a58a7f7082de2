//! The comparison: from two exam folders to the findings a follow-up report must state.
//!
//! Pairs series across the exams by sequence, registers each pair (follow-up onto baseline),
//! resamples, runs the voxel-diff core, finds lesions at each exam and matches them, measures
//! new enhancement on post-contrast T1, and sums it up: new T2/FLAIR lesions, enlarging lesions,
//! new enhancing lesions, active or inactive. A region of significant increase that no lesion
//! explains is kept as an unexplained change (`Status::Unexplained`), counted apart, so the
//! change map never shows what the report leaves out.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::bias::flatten_pair;
use crate::change::{
    ChangeSettings, Region, change_maps, intensity_z, keep_regions_reaching, regions,
};
use crate::counts::{CONTRAST_NOT_ASSESSED, Counts, T2_NOT_ASSESSED, count_text};
use crate::dicom::{Scan, Series, Study, load_series, scan_paths};
use crate::error::{Error, Result};
use crate::geometry::{Mat3, Vec3, norm, sub};
use crate::info::pretty_date;
use crate::lesion::{Status, TrackedLesion, add_unexplained, match_lesions};
use crate::lesion_find::{find_lesions, keep_brighter_than_normal};
use crate::location::{Landmarks, Location};
use crate::progress::Progress;
use crate::register::{Registration, RegistrationSettings, register_rigid};
use crate::resample::{Interpolation, resample};
use crate::tissue::Models;
use crate::tissue::TissueModel;
use crate::volume::Volume;

/// What kind of sequence a series is, as far as the comparison cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceKind {
    Flair,
    T1Post,
    T1Pre,
    T2,
    Other,
}

impl SequenceKind {
    /// The name a report uses.
    pub fn name(self) -> &'static str {
        match self {
            SequenceKind::Flair => "FLAIR",
            SequenceKind::T1Post => "T1 post-contrast",
            SequenceKind::T1Pre => "T1 pre-contrast",
            SequenceKind::T2 => "T2",
            SequenceKind::Other => "other",
        }
    }
}

/// Guesses the sequence from the series' description and contrast agent.
pub fn classify(series: &Series) -> SequenceKind {
    let d = series
        .facts
        .series_description
        .as_deref()
        .unwrap_or("")
        .to_ascii_uppercase();
    let post_words = ["POST", "+C", " GD", "GAD", "CONTRAST", "C+"];
    let post = series.facts.contrast_agent.is_some() || post_words.iter().any(|w| d.contains(w));
    if d.contains("FLAIR") {
        SequenceKind::Flair
    } else if d.contains("T1") || d.contains("MPRAGE") || d.contains("SPGR") {
        if post {
            SequenceKind::T1Post
        } else {
            SequenceKind::T1Pre
        }
    } else if d.contains("T2") {
        SequenceKind::T2
    } else if post {
        SequenceKind::T1Post
    } else {
        SequenceKind::Other
    }
}

/// What the caller may choose.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CompareOptions {
    pub settings: ChangeSettings,
    pub registration: RegistrationSettings,
    /// Compare only this baseline series (with `followup_series`).
    pub baseline_series: Option<String>,
    pub followup_series: Option<String>,
    /// Treat the chosen pair as post-contrast (or not), whatever the headers say.
    pub contrast: Option<bool>,
}

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
    pub id: u32,
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
    pub lesion_id: Option<u32>,
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
    /// How `enhancing` was counted: "post_minus_pre" (every enhancing lesion at follow-up) or
    /// "new_since_baseline" (new enhancement on post-contrast T1 against the baseline's).
    pub enhancing_method: String,
    /// "active", "inactive", "undecided" (unexplained changes await the reader) or
    /// "not_assessed" ([`Counts::activity`]: only what was assessed).
    pub activity: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timings {
    pub scan: f64,
    pub load: f64,
    pub register: f64,
    pub detect: f64,
    pub total: f64,
}

/// Two series to compare.
#[derive(Debug, Clone)]
pub struct SeriesPair<'a> {
    pub kind: SequenceKind,
    pub baseline: &'a Series,
    pub followup: &'a Series,
}

/// Pairs loadable series across two exams by sequence kind (FLAIR first), most similar grid
/// first when a kind has several.
pub fn pair_series<'a>(baseline: &'a Study, followup: &'a Study) -> Vec<SeriesPair<'a>> {
    let loadable = |s: &&'a Series| s.stack.is_ok();
    let mut pairs = Vec::new();
    for kind in [SequenceKind::Flair, SequenceKind::T2, SequenceKind::T1Post] {
        let b: Vec<&Series> = baseline
            .series
            .iter()
            .filter(loadable)
            .filter(|s| classify(s) == kind)
            .collect();
        let f: Vec<&Series> = followup
            .series
            .iter()
            .filter(loadable)
            .filter(|s| classify(s) == kind)
            .collect();
        let best = b
            .iter()
            .flat_map(|bs| f.iter().map(move |fs| (*bs, *fs)))
            .min_by(|x, y| grid_distance(x.0, x.1).total_cmp(&grid_distance(y.0, y.1)));
        if let Some((b, f)) = best {
            pairs.push(SeriesPair {
                kind,
                baseline: b,
                followup: f,
            });
        }
    }
    pairs
}

/// How different two series' grids are (spacing and slice count), for pairing.
fn grid_distance(a: &Series, b: &Series) -> f64 {
    match (&a.stack, &b.stack) {
        (Ok(sa), Ok(sb)) => {
            norm(sub(sa.geometry.spacing, sb.geometry.spacing))
                + (sa.dims[2] as f64 - sb.dims[2] as f64).abs() / 100.0
        }
        _ => f64::INFINITY,
    }
}

/// The single study of a scan (the latest when there are several, with a warning).
fn exam_study<'a>(scan: &'a Scan, path: &Path, warnings: &mut Vec<String>) -> Result<&'a Study> {
    let studies: Vec<&Study> = scan.all_studies().collect();
    if studies.len() > 1 {
        warnings.push(format!(
            "{} holds {} studies; using the latest",
            path.display(),
            studies.len()
        ));
    }
    studies
        .last()
        .copied()
        .ok_or_else(|| Error::InconsistentSeries {
            series_uid: path.display().to_string(),
            problem: format!(
                "no readable study ({} files, {} problems)",
                scan.files_seen,
                scan.problems.len()
            ),
        })
}

/// One compared pair's images on the baseline grid, for viewers.
pub struct PairView {
    pub kind: SequenceKind,
    pub baseline: Volume,
    /// The follow-up resampled onto the baseline grid (0 where it has no data).
    pub followup: Volume,
    /// Noise-normalised change (follow-up minus baseline), 0 outside the brain.
    pub z: Array3<f32>,
    /// Follow-up lesion labels (matching `TrackedLesion::followup_labels`); zeros for
    /// post-contrast pairs, except when only post-contrast pairs were compared: then the first
    /// holds the new enhancing foci, which are the lesions.
    pub followup_lesions: Array3<u32>,
    /// Baseline lesion labels (matching `TrackedLesion::baseline_labels`); zeros for
    /// post-contrast pairs.
    pub baseline_lesions: Array3<u32>,
    /// The baseline series the grid comes from (its instances are what exports reference).
    pub baseline_series: Series,
    /// Display windows (centre, width) the scanner suggested for each series, if any.
    pub baseline_window: Option<[f64; 2]>,
    pub followup_window: Option<[f64; 2]>,
}

/// The report plus the images it was made from.
pub struct Comparison {
    pub report: Report,
    /// Shared, so background work (writing a report) can use the images while they are shown.
    pub views: std::sync::Arc<[PairView]>,
}

/// Runs the whole comparison (the report only).
pub fn compare(
    baseline_path: &Path,
    followup_path: &Path,
    options: &CompareOptions,
    progress: &Progress,
) -> Result<Report> {
    compare_full(baseline_path, followup_path, options, progress).map(|c| c.report)
}

/// Runs the whole comparison, keeping each pair's images on the baseline grid.
pub fn compare_full(
    baseline_path: &Path,
    followup_path: &Path,
    options: &CompareOptions,
    progress: &Progress,
) -> Result<Comparison> {
    let start = Instant::now();
    let mut timings = Timings::default();
    let baseline_scan = scan_paths(&[baseline_path.to_path_buf()], progress);
    let followup_scan = scan_paths(&[followup_path.to_path_buf()], progress);
    timings.scan = start.elapsed().as_secs_f64();
    let mut warnings = Vec::new();
    let baseline_study = exam_study(&baseline_scan, baseline_path, &mut warnings)?;
    let followup_study = exam_study(&followup_scan, followup_path, &mut warnings)?;
    let pairs = chosen_pairs(
        &baseline_scan,
        &followup_scan,
        baseline_study,
        followup_study,
        options,
    )?;
    warnings.extend(comparability_warnings(&pairs));

    let mut pair_reports = Vec::new();
    let mut views = Vec::new();
    let mut lesions: Vec<TrackedLesion> = Vec::new();
    // Index in `views` of the pair whose lesions are tracked (the first non-contrast one).
    let mut lesion_view: Option<usize> = None;
    let mut enhancement = Vec::new();
    let mut contrast_compared = false;
    for pair in &pairs {
        progress.check()?;
        let t = Instant::now();
        let baseline = load_series(pair.baseline, progress)?;
        let followup = load_series(pair.followup, progress)?;
        timings.load += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let registration = register_rigid(&baseline, &followup, &options.registration, progress)?;
        timings.register += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let outcome = detect(
            &baseline,
            &followup,
            &registration,
            pair.kind,
            &options.settings,
        );
        timings.detect += t.elapsed().as_secs_f64();
        let post = match options.contrast {
            Some(c) => c,
            None => pair.kind == SequenceKind::T1Post,
        };
        if post {
            contrast_compared = true;
            enhancement.extend(outcome.candidates.iter().map(|c| EnhancementReport {
                centroid_mm: c.centroid_mm,
                volume_mm3: c.volume_mm3,
                peak_z: c.peak,
                lesion_id: None,
            }));
        } else if lesion_view.is_none() {
            lesions = outcome.lesions;
            lesion_view = Some(views.len());
        }
        let geometry = *baseline.geometry();
        let subject = format!("{:?} pair", pair.kind);
        // The images move into the view: no copies of the volumes.
        views.push(PairView {
            kind: pair.kind,
            followup: Volume::new(outcome.resampled, geometry, &subject)?,
            baseline,
            z: outcome.z,
            followup_lesions: outcome.followup_lesions,
            baseline_lesions: outcome.baseline_lesions,
            baseline_series: pair.baseline.clone(),
            baseline_window: pair.baseline.facts.window,
            followup_window: pair.followup.facts.window,
        });
        pair_reports.push(PairReport {
            kind: pair.kind,
            baseline: series_ref(pair.baseline, views.last().map(|v| &v.baseline)),
            followup: series_ref(pair.followup, Some(&followup)),
            registration: RegistrationReport::from(&registration),
            noise_sigma: outcome.noise_sigma,
            brain_volume_ml: outcome.brain_volume_ml,
            candidates: outcome.candidates,
        });
    }
    let lesion_maps = lesion_view
        .and_then(|n| views.get(n))
        .map(|v| (&v.followup_lesions, v.baseline.geometry()));
    link_enhancement(&mut enhancement, &mut lesions, lesion_maps);
    let to_baseline = pair_reports
        .iter()
        .find(|p| p.kind == SequenceKind::T1Post)
        .or(pair_reports.first())
        .map(|p| {
            crate::transform::RigidTransform {
                matrix: p.registration.matrix,
                offset_mm: p.registration.offset_mm,
            }
            .inverse()
        });
    let mut post_minus_pre = match (&to_baseline, options.baseline_series.is_none()) {
        (Some(to_baseline), true) => {
            let t = Instant::now();
            let found = post_minus_pre(followup_study, to_baseline, options, progress)?;
            timings.detect += t.elapsed().as_secs_f64();
            found
        }
        _ => None,
    };
    if let Some(foci) = post_minus_pre.as_mut() {
        contrast_compared = true;
        link_enhancement(foci, &mut lesions, lesion_maps);
    }
    // New and enlarging T2 lesions can only be judged on FLAIR or T2 (CLINICAL.md).
    let t2_compared = lesion_view
        .and_then(|n| views.get(n))
        .is_some_and(|v| matches!(v.kind, SequenceKind::Flair | SequenceKind::T2));
    if lesion_maps.is_none()
        && let Some(view) = views.first_mut()
    {
        // Only post-contrast series: each new enhancing focus is an enhancing lesion, its
        // voxels labelled on the (post-contrast) view so it is outlined, exported and located.
        let t = Instant::now();
        let geometry = *view.baseline.geometry();
        let labels = foci_labels(&view.z, &geometry, &enhancement, &options.settings);
        let brain = crate::change::brain_mask(view.baseline.voxels(), &geometry);
        let landmarks = Landmarks::new(view.baseline.voxels(), &brain, &geometry);
        lesions = enhancement_as_lesions(&mut enhancement, &labels, &landmarks);
        view.followup_lesions = labels;
        timings.detect += t.elapsed().as_secs_f64();
    }
    let registration = pair_reports
        .first()
        .map(|p| p.registration.clone())
        .ok_or_else(|| Error::InconsistentSeries {
            series_uid: "comparison".into(),
            problem: "nothing was compared".into(),
        })?;
    for p in &pair_reports {
        for w in &p.registration.warnings {
            warnings.push(format!("{:?} pair: {w}", p.kind));
        }
    }
    let count = |s: Status| lesions.iter().filter(|l| l.status == s).count();
    let t2 = t2_compared.then(|| (count(Status::New), count(Status::Enlarging)));
    let (enhancing, enhancing_method) = match &post_minus_pre {
        Some(foci) => (foci.len(), "post_minus_pre"),
        None => (enhancement.len(), "new_since_baseline"),
    };
    let unexplained = if t2_compared {
        count(Status::Unexplained)
    } else {
        0
    };
    let counts =
        Counts::assessed(t2, contrast_compared.then_some(enhancing)).with_unexplained(unexplained);
    timings.total = start.elapsed().as_secs_f64();
    let report = Report {
        tandem: crate::build_info::describe(),
        baseline: exam_ref(baseline_path, baseline_study),
        followup: exam_ref(followup_path, followup_study),
        comparability: Comparability {
            comparable: registration.reliable,
            warnings,
        },
        registration,
        pairs: pair_reports,
        lesions: lesions.iter().map(lesion_report).collect(),
        enhancement,
        enhancement_post_minus_pre: post_minus_pre,
        settings: SettingsReport {
            enlarging_rule: options.settings.enlarging_rule(),
            change: options.settings.clone(),
            registration: options.registration.clone(),
        },
        summary: Summary {
            comparison_date: baseline_study.date.clone(),
            counts,
            enhancing_method: enhancing_method.into(),
            activity: counts.activity().into(),
        },
        timings_s: timings,
    };
    Ok(Comparison {
        report,
        views: views.into(),
    })
}

fn chosen_pairs<'a>(
    baseline_scan: &'a Scan,
    followup_scan: &'a Scan,
    baseline_study: &'a Study,
    followup_study: &'a Study,
    options: &CompareOptions,
) -> Result<Vec<SeriesPair<'a>>> {
    match (&options.baseline_series, &options.followup_series) {
        (None, None) => {
            let pairs = pair_series(baseline_study, followup_study);
            if pairs.is_empty() {
                return Err(Error::InconsistentSeries {
                    series_uid: "comparison".into(),
                    problem: "nothing comparable: no FLAIR, T2 or post-contrast T1 series in both \
                              exams (choose series with --baseline-series/--followup-series)"
                        .into(),
                });
            }
            Ok(pairs)
        }
        (Some(b), Some(f)) => {
            let find = |scan: &'a Scan, id: &str| {
                scan.all_series()
                    .find(|s| s.id == id)
                    .ok_or_else(|| Error::InconsistentSeries {
                        series_uid: id.to_owned(),
                        problem: "no such series in the exam".into(),
                    })
            };
            let baseline = find(baseline_scan, b)?;
            let followup = find(followup_scan, f)?;
            Ok(vec![SeriesPair {
                kind: classify(baseline),
                baseline,
                followup,
            }])
        }
        _ => Err(Error::InconsistentSeries {
            series_uid: "comparison".into(),
            problem: "give both --baseline-series and --followup-series, or neither".into(),
        }),
    }
}

/// Warnings a reader needs before trusting the comparison (CLINICAL.md: warn, do not refuse).
fn comparability_warnings(pairs: &[SeriesPair<'_>]) -> Vec<String> {
    let mut warnings = Vec::new();
    for pair in pairs {
        let (b, f) = (&pair.baseline.facts, &pair.followup.facts);
        if let (Some(x), Some(y)) = (b.field_strength_t, f.field_strength_t)
            && (x - y).abs() > 0.1
        {
            warnings.push(format!(
                "{:?}: field strength changed ({x} T → {y} T)",
                pair.kind
            ));
        }
        if b.manufacturer != f.manufacturer {
            warnings.push(format!("{:?}: scanner manufacturer changed", pair.kind));
        }
        if let (Ok(sb), Ok(sf)) = (&pair.baseline.stack, &pair.followup.stack) {
            let (tb, tf) = (sb.geometry.spacing[2], sf.geometry.spacing[2]);
            if (tb - tf).abs() > 0.5 {
                warnings.push(format!(
                    "{:?}: slice spacing differs ({tb:.1} mm vs {tf:.1} mm)",
                    pair.kind
                ));
            }
            if tb.max(tf) > 3.0 {
                warnings.push(format!(
                    "{:?}: slices thicker than 3 mm; small lesions may be missed",
                    pair.kind
                ));
            }
        }
    }
    warnings
}

/// What detection found for one pair.
struct Outcome {
    resampled: Array3<f32>,
    z: Array3<f32>,
    candidates: Vec<Region>,
    lesions: Vec<TrackedLesion>,
    followup_lesions: Array3<u32>,
    baseline_lesions: Array3<u32>,
    noise_sigma: f32,
    brain_volume_ml: f64,
}

/// The landmarks lesions are located by: on the baseline (its shading divided out: `flat`,
/// inside `brain`), unless the follow-up's slices are clearly thinner (2D at baseline, 3D at
/// follow-up), where the follow-up, on its own grid with its own shading divided out, shows
/// the cortex a thick slab blurs.
fn landmarks_for(
    (baseline, flat, brain): (&Volume, &Array3<f32>, &crate::morphology::Mask),
    followup: &Volume,
    registration: &Registration,
    settings: &ChangeSettings,
) -> Landmarks {
    let thickest = |g: &crate::geometry::Geometry| g.spacing.iter().copied().fold(0.0, f64::max);
    let geometry = baseline.geometry();
    let follow_geometry = followup.geometry();
    if thickest(follow_geometry) > FINER_EXAM_RATIO * thickest(geometry) {
        return Landmarks::new(flat, brain, geometry);
    }
    let follow_brain = crate::change::brain_mask(followup.voxels(), follow_geometry);
    let follow_flat = crate::bias::flatten(
        followup.voxels(),
        &follow_brain,
        follow_geometry,
        settings.bias_sigma_mm,
    );
    Landmarks::on_other_exam(
        &follow_flat,
        &follow_brain,
        follow_geometry,
        geometry,
        &registration.transform,
    )
}

/// How much thinner the follow-up's thickest voxel axis must be than the baseline's for
/// lesions to be located on the follow-up.
const FINER_EXAM_RATIO: f64 = 0.7;

/// Resample, diff, find candidates; for non-contrast pairs also lesions at each exam, matched.
fn detect(
    baseline: &Volume,
    followup: &Volume,
    registration: &Registration,
    kind: SequenceKind,
    settings: &ChangeSettings,
) -> Outcome {
    let geometry = *baseline.geometry();
    let mut resampled = resample(
        followup,
        &geometry,
        baseline.dims(),
        &registration.transform,
        Interpolation::Linear,
        f32::NAN,
    );
    let covered = resampled.mapv(|v| !v.is_nan());
    resampled.mapv_inplace(|v| if v.is_nan() { 0.0 } else { v });
    let maps = change_maps(baseline.voxels(), &resampled, &covered, &geometry, settings);
    let (change_labels, candidates) = regions(
        &maps.z,
        &geometry,
        settings.z_seed,
        settings.z_grow,
        settings.min_volume_mm3,
    );
    // Tissue is judged with the coil's slow shading divided out (`bias`).
    let (baseline_flat, followup_flat) = flatten_pair(
        (baseline.voxels(), &maps.followup),
        &maps.brain,
        &geometry,
        settings.bias_sigma_mm,
    );
    // A new lesion or new enhancement is bright at follow-up: an increase that stays at the
    // level of normal tissue (a sulcus or a fold sampled differently) is not one. "Bright" is
    // judged against each exam's normal-appearing white matter, not the whole brain.
    let models = match (
        TissueModel::fit(&baseline_flat, &maps.brain),
        TissueModel::fit(&followup_flat, &maps.brain),
    ) {
        (Some(baseline), Some(followup)) => Some(Models { baseline, followup }),
        _ => None,
    };
    let followup_z = match &models {
        Some(m) => m.followup.z_map(&followup_flat, &maps.brain),
        None => intensity_z(&followup_flat, &maps.brain),
    };
    // Hyperintense: by `hyperintense_z` NAWM σ, and at least half-way from NAWM to the brightest
    // normal tissue. Once the coil's shading is divided out σ is the noise, and a sliver of
    // cortex moved by resampling is many σ above white matter, though no brighter than cortex.
    let hyperintense_z = match &models {
        Some(m) => settings
            .hyperintense_z
            .max(0.5 * m.followup.z(m.followup.bright)),
        None => settings.hyperintense_z,
    };
    let (hyperintense_labels, hyperintense) =
        keep_regions_reaching(&change_labels, candidates, &followup_z, hyperintense_z);
    // ...and brighter than any normal tissue there (not a fold of cortex). What is not, and no
    // lesion explains, is still listed: an unexplained change (`add_unexplained`).
    let (change_labels, candidates) = match &models {
        Some(m) => keep_brighter_than_normal(
            &hyperintense_labels,
            hyperintense.clone(),
            &followup_flat,
            &m.followup,
        ),
        None => (hyperintense_labels.clone(), hyperintense.clone()),
    };
    let voxel_ml = geometry.spacing.iter().product::<f64>() / 1000.0;
    let brain_volume_ml = maps.brain.iter().filter(|b| **b).count() as f64 * voxel_ml;
    let (lesions, followup_lesions, baseline_lesions) = match (&models, kind) {
        (Some(models), kind) if kind != SequenceKind::T1Post => {
            let (at_baseline, at_followup) = find_lesions(
                &baseline_flat,
                &followup_flat,
                &maps.brain,
                (&change_labels, &candidates),
                models,
                &geometry,
                settings,
            );
            let (b_labels, b_regions) = (at_baseline.labels, at_baseline.regions);
            let (mut f_labels, f_regions) = (at_followup.labels, at_followup.regions);
            let (decrease_labels, _) = regions(
                &maps.z.mapv(|z| -z),
                &geometry,
                settings.z_seed,
                settings.z_grow,
                settings.min_volume_mm3,
            );
            let mut lesions = match_lesions(
                (&b_labels, &b_regions),
                (&f_labels, &f_regions),
                &change_labels,
                &decrease_labels,
                settings,
            );
            add_unexplained(
                &mut lesions,
                &mut f_labels,
                &b_labels,
                (&hyperintense_labels, &hyperintense),
            );
            let landmarks = landmarks_for(
                (baseline, &baseline_flat, &maps.brain),
                followup,
                registration,
                settings,
            );
            for lesion in &mut lesions {
                let located = match (
                    lesion.followup_labels.first(),
                    lesion.baseline_labels.first(),
                ) {
                    (Some(f), _) => Some(landmarks.locate(&f_labels, *f, lesion.centroid_mm)),
                    (None, Some(b)) => Some(landmarks.locate(&b_labels, *b, lesion.centroid_mm)),
                    _ => None,
                };
                lesion.location = located;
            }
            (lesions, f_labels, b_labels)
        }
        _ => {
            let none = Array3::zeros(baseline.voxels().dim());
            (Vec::new(), none.clone(), none)
        }
    };
    let mut outcome = Outcome {
        z: maps.z,
        resampled,
        candidates,
        lesions,
        followup_lesions,
        baseline_lesions,
        noise_sigma: maps.noise_sigma,
        brain_volume_ml,
    };
    // Only positive change is a candidate for a new or growing hyperintensity.
    outcome.candidates.retain(|c| c.peak > 0.0);
    outcome
}

/// Enhancement at follow-up as post- minus pre-contrast T1, when the follow-up exam has both:
/// the pre-contrast series is registered onto the post-contrast one (same session, small
/// motion), subtracted, and bright new signal kept. Foci are returned in baseline mm.
fn post_minus_pre(
    followup: &Study,
    to_baseline: &crate::transform::RigidTransform,
    options: &CompareOptions,
    progress: &Progress,
) -> Result<Option<Vec<EnhancementReport>>> {
    let find = |kind| {
        followup
            .series
            .iter()
            .find(|s| s.stack.is_ok() && classify(s) == kind)
    };
    let (Some(pre), Some(post)) = (find(SequenceKind::T1Pre), find(SequenceKind::T1Post)) else {
        return Ok(None);
    };
    let pre = load_series(pre, progress)?;
    let post = load_series(post, progress)?;
    let registration = register_rigid(&post, &pre, &options.registration, progress)?;
    let geometry = *post.geometry();
    let mut pre_on_post = resample(
        &pre,
        &geometry,
        post.dims(),
        &registration.transform,
        Interpolation::Linear,
        f32::NAN,
    );
    let covered = pre_on_post.mapv(|v| !v.is_nan());
    pre_on_post.mapv_inplace(|v| if v.is_nan() { 0.0 } else { v });
    let settings = &options.settings;
    let maps = change_maps(&pre_on_post, post.voxels(), &covered, &geometry, settings);
    let (labels, foci) = regions(
        &maps.z,
        &geometry,
        settings.z_seed,
        settings.z_grow,
        settings.min_volume_mm3,
    );
    let post_z = intensity_z(&maps.followup, &maps.brain);
    let (_, foci) = keep_regions_reaching(&labels, foci, &post_z, settings.hyperintense_z);
    Ok(Some(
        foci.iter()
            .filter(|f| f.peak > 0.0)
            .map(|f| EnhancementReport {
                centroid_mm: to_baseline.apply(f.centroid_mm),
                volume_mm3: f.volume_mm3,
                peak_z: f.peak,
                lesion_id: None,
            })
            .collect(),
    ))
}

/// Marks lesions whose follow-up extent holds (or lies within 3 mm of) an enhancing focus.
fn link_enhancement(
    enhancement: &mut [EnhancementReport],
    lesions: &mut [TrackedLesion],
    maps: Option<(&Array3<u32>, &crate::geometry::Geometry)>,
) {
    let Some((labels, geometry)) = maps else {
        return;
    };
    for focus in enhancement.iter_mut() {
        let idx = geometry.mm_to_index(focus.centroid_mm);
        let reach = (3.0 / geometry.spacing[0]).ceil() as isize;
        let mut found = None;
        'search: for dk in -reach..=reach {
            for dj in -reach..=reach {
                for di in -reach..=reach {
                    let p = [
                        idx[0].round() as isize + di,
                        idx[1].round() as isize + dj,
                        idx[2].round() as isize + dk,
                    ];
                    if p.iter().any(|v| *v < 0) {
                        continue;
                    }
                    if let Some(&l) = labels.get((p[2] as usize, p[1] as usize, p[0] as usize))
                        && l > 0
                    {
                        found = Some(l);
                        break 'search;
                    }
                }
            }
        }
        if let Some(label) = found
            && let Some(lesion) = lesions
                .iter_mut()
                .find(|l| l.followup_labels.contains(&label))
        {
            lesion.enhancing = true;
            focus.lesion_id = Some(lesion.id);
        }
    }
}

/// The voxels of each new enhancing focus on a post-contrast pair's change map `z`: focus `n`
/// (in `foci`' order) labelled `n + 1`, 0 elsewhere.
///
/// The foci are the change regions `detect` kept, so the regions are found again the same way
/// (same map, same settings) and each focus takes the region whose centre is its own (within
/// 2 mm, in case detection's rules drift from this). A focus without one keeps no voxels.
fn foci_labels(
    z: &Array3<f32>,
    geometry: &crate::geometry::Geometry,
    foci: &[EnhancementReport],
    settings: &ChangeSettings,
) -> Array3<u32> {
    let (labels, found) = regions(
        z,
        geometry,
        settings.z_seed,
        settings.z_grow,
        settings.min_volume_mm3,
    );
    let mut renumber = vec![0u32; found.len() + 1];
    for (n, focus) in foci.iter().enumerate() {
        let nearest = found
            .iter()
            .map(|r| (r, norm(sub(r.centroid_mm, focus.centroid_mm))))
            .filter(|(_, d)| *d <= 2.0)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((region, _)) = nearest
            && let Some(slot) = renumber.get_mut(region.label as usize)
            && *slot == 0
        {
            *slot = n as u32 + 1;
        }
    }
    labels.mapv(|l| renumber.get(l as usize).copied().unwrap_or(0))
}

/// With no T2/FLAIR pair compared, each new enhancing focus is an enhancing lesion of its own
/// (new enhancement since baseline; never a "new T2 lesion", which a T1 cannot show), with its
/// voxels at follow-up (`labels` from [`foci_labels`]) and its location on the post-contrast
/// baseline. A focus with no voxels on the map is located by its centre alone.
fn enhancement_as_lesions(
    enhancement: &mut [EnhancementReport],
    labels: &Array3<u32>,
    landmarks: &Landmarks,
) -> Vec<TrackedLesion> {
    let mut present = std::collections::BTreeSet::new();
    for l in labels {
        if *l != 0 {
            present.insert(*l);
        }
    }
    enhancement
        .iter_mut()
        .enumerate()
        .map(|(n, e)| {
            let id = n as u32 + 1;
            e.lesion_id = Some(id);
            let voxels = present.contains(&id);
            // `u32::MAX` is no focus's label: the location then rests on the centre alone.
            let label = if voxels { id } else { u32::MAX };
            TrackedLesion {
                id,
                status: Status::New,
                enhancing: true,
                centroid_mm: e.centroid_mm,
                volume_baseline_mm3: 0.0,
                volume_followup_mm3: e.volume_mm3,
                baseline_labels: Vec::new(),
                followup_labels: if voxels { vec![id] } else { Vec::new() },
                notes: vec![
                    "new enhancement on post-contrast T1 (no T2/FLAIR series compared)".into(),
                ],
                location: Some(landmarks.locate(labels, label, e.centroid_mm)),
            }
        })
        .collect()
}

fn lesion_report(l: &TrackedLesion) -> LesionReport {
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

fn exam_ref(path: &Path, study: &Study) -> ExamRef {
    ExamRef {
        path: path.to_path_buf(),
        study_uid: study.uid.clone(),
        date: study.date.clone(),
        description: study.description.clone(),
    }
}

fn series_ref(series: &Series, volume: Option<&Volume>) -> SeriesRef {
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
            Some(n) if self.summary.enhancing_method == "new_since_baseline" => {
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
                enhancing_method: "new_since_baseline".into(),
                activity: counts.activity().into(),
            },
            timings_s: Default::default(),
        }
    }
}
