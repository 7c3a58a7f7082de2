//! The per-pair pipeline: load, register, resample, the voxel-diff core, lesions at each exam
//! matched across them, locations and enhancement, gathered into the report and the images
//! it was made from.

use std::path::Path;
use std::time::Instant;

use crate::counts::{Counts, EnhancingMethod};
use crate::dicom::{Series, load_series, scan_paths};
use crate::error::{Error, Result};
use crate::pipeline::bias::flatten_pair;
use crate::pipeline::change::{
    ChangeSettings, Region, intensity_z, keep_regions_reaching, regions,
};
use crate::pipeline::image::Image;
use crate::pipeline::lesion::{Status, TrackedLesion, add_unexplained, match_lesions};
use crate::pipeline::lesion_find::{find_lesions, keep_brighter_than_normal};
use crate::pipeline::location::Landmarks;
use crate::pipeline::register::{Registration, register_rigid};
use crate::pipeline::tissue::{Models, TissueModel};
use crate::pipeline::volume::Volume;
use crate::progress::Progress;

use super::change_step::{Change, Order, detect_change};
use super::enhancement::{enhancement_as_lesions, foci_labels, link_enhancement, post_minus_pre};
use super::options::CompareOptions;
use super::pairing::{SequenceKind, chosen_pairs, comparability_warnings, exam_study};
use super::report::{
    Comparability, EnhancementReport, PairReport, RegistrationReport, Report, SettingsReport,
    Summary, Timings, exam_ref, lesion_report, series_ref,
};

/// One compared pair's images on the baseline grid, for viewers.
pub struct PairView {
    pub kind: SequenceKind,
    pub baseline: Volume,
    /// The follow-up resampled onto the baseline grid (0 where it has no data).
    pub followup: Volume,
    /// Noise-normalised change (follow-up minus baseline), 0 outside the brain.
    pub z: Image<f32>,
    /// Follow-up lesion labels (matching `TrackedLesion::followup_labels`); zeros for
    /// post-contrast pairs, except when only post-contrast pairs were compared: then the first
    /// holds the new enhancing foci, which are the lesions.
    pub followup_lesions: Image<u32>,
    /// Baseline lesion labels (matching `TrackedLesion::baseline_labels`); zeros for
    /// post-contrast pairs.
    pub baseline_lesions: Image<u32>,
    /// The baseline series the grid comes from (its instances are what exports reference).
    pub baseline_series: Series,
    /// Display windows (centre, width) the scanner suggested for each series, if any.
    pub baseline_window: Option<[f64; 2]>,
    pub followup_window: Option<[f64; 2]>,
    /// What the pair's lesions were located by (ventricles, cortex, the tentorium's level),
    /// kept so a reader's own lesions on this grid are located the same way.
    pub landmarks: Option<Landmarks>,
}

impl PairView {
    /// Where the brain is on the comparison grid: where the change map is defined (non-zero).
    pub fn brain(&self) -> Image<bool> {
        self.z.map(|z| *z != 0.0)
    }
}

/// The pair whose grid the lesions (and the reader's marks) live on: the first that is not
/// post-contrast T1.
pub fn primary_view(views: &[PairView]) -> Option<&PairView> {
    views.get(primary_view_index(views)?)
}

/// Index of [`primary_view`] in `views`.
pub fn primary_view_index(views: &[PairView]) -> Option<usize> {
    views
        .iter()
        .position(|v| v.kind != SequenceKind::T1Post)
        .or_else(|| (!views.is_empty()).then_some(0))
}

/// The report plus the images it was made from.
#[derive(Clone)]
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
        (&baseline_scan, &followup_scan),
        (baseline_study, followup_study),
        (baseline_path, followup_path),
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
        // The images move into the view: no copies of the volumes.
        views.push(PairView {
            kind: pair.kind,
            followup: outcome.resampled,
            baseline,
            z: outcome.z,
            followup_lesions: outcome.followup_lesions,
            baseline_lesions: outcome.baseline_lesions,
            baseline_series: pair.baseline.clone(),
            baseline_window: pair.baseline.facts.window,
            followup_window: pair.followup.facts.window,
            landmarks: outcome.landmarks,
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
        .map(|v| &v.followup_lesions);
    link_enhancement(&mut enhancement, &mut lesions, lesion_maps);
    let to_baseline = pair_reports
        .iter()
        .find(|p| p.kind == SequenceKind::T1Post)
        .or(pair_reports.first())
        .map(|p| {
            crate::pipeline::transform::RigidTransform {
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
        let labels = foci_labels(&view.z, &enhancement, &options.settings);
        let brain = crate::pipeline::change::brain_mask(&view.baseline);
        let landmarks = Landmarks::new(&view.baseline, &brain);
        lesions = enhancement_as_lesions(&mut enhancement, &labels, &landmarks);
        view.followup_lesions = labels;
        view.landmarks = Some(landmarks);
        timings.detect += t.elapsed().as_secs_f64();
    }
    let registration = pair_reports
        .first()
        .map(|p| p.registration.clone())
        .ok_or_else(|| Error::NothingCompared {
            baseline: baseline_path.to_path_buf(),
            followup: followup_path.to_path_buf(),
            why: "no series pair could be registered and compared".into(),
        })?;
    for p in &pair_reports {
        for w in &p.registration.warnings {
            warnings.push(format!("{:?} pair: {w}", p.kind));
        }
    }
    let count = |s: Status| lesions.iter().filter(|l| l.status == s).count();
    let t2 = t2_compared.then(|| (count(Status::New), count(Status::Enlarging)));
    let (enhancing, enhancing_method) = match &post_minus_pre {
        Some(foci) => (foci.len(), EnhancingMethod::PostMinusPre),
        None => (enhancement.len(), EnhancingMethod::NewSinceBaseline),
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
            enhancing_method,
            activity: counts.activity(),
        },
        timings_s: timings,
    };
    Ok(Comparison {
        report,
        views: views.into(),
    })
}

/// What detection found for one pair.
pub(super) struct Outcome {
    resampled: Volume,
    z: Image<f32>,
    candidates: Vec<Region>,
    lesions: Vec<TrackedLesion>,
    followup_lesions: Image<u32>,
    baseline_lesions: Image<u32>,
    noise_sigma: f32,
    brain_volume_ml: f64,
    landmarks: Option<Landmarks>,
}

/// The landmarks lesions are located by: on the baseline (its shading divided out: `flat`,
/// inside `brain`), unless the follow-up's slices are clearly thinner (2D at baseline, 3D at
/// follow-up), where the follow-up, on its own grid with its own shading divided out, shows
/// the cortex a thick slab blurs.
pub(super) fn landmarks_for(
    (baseline, flat, brain): (&Volume, &Image<f32>, &Image<bool>),
    followup: &Volume,
    registration: &Registration,
    settings: &ChangeSettings,
) -> Landmarks {
    let thickest =
        |g: &crate::pipeline::geometry::Geometry| g.spacing.iter().copied().fold(0.0, f64::max);
    let geometry = baseline.geometry();
    if thickest(followup.geometry()) > FINER_EXAM_RATIO * thickest(geometry) {
        return Landmarks::new(flat, brain);
    }
    let follow_brain = crate::pipeline::change::brain_mask(followup);
    let follow_flat =
        crate::pipeline::bias::flatten(followup, &follow_brain, settings.bias_sigma_mm);
    Landmarks::on_other_exam(
        &follow_flat,
        &follow_brain,
        geometry,
        &registration.transform,
    )
}

/// How much thinner the follow-up's thickest voxel axis must be than the baseline's for
/// lesions to be located on the follow-up.
pub(super) const FINER_EXAM_RATIO: f64 = 0.7;

/// Resample, diff, find candidates; for non-contrast pairs also lesions at each exam, matched.
pub(super) fn detect(
    baseline: &Volume,
    followup: &Volume,
    registration: &Registration,
    kind: SequenceKind,
    settings: &ChangeSettings,
) -> Outcome {
    let geometry = *baseline.geometry();
    let Change {
        resampled,
        maps,
        labels: change_labels,
        regions: candidates,
    } = detect_change(
        baseline,
        followup,
        &registration.transform,
        Order::MovingIsAfter,
        settings,
    );
    // Tissue is judged with the coil's slow shading divided out (`bias`).
    let (baseline_flat, followup_flat) = flatten_pair(
        (baseline, &maps.followup),
        &maps.brain,
        settings.bias_sigma_mm,
    );
    let brain = maps.brain.voxels();
    // A new lesion or new enhancement is bright at follow-up: an increase that stays at the
    // level of normal tissue (a sulcus or a fold sampled differently) is not one. "Bright" is
    // judged against each exam's normal-appearing white matter, not the whole brain.
    let models = match (
        TissueModel::fit(baseline_flat.voxels(), brain),
        TissueModel::fit(followup_flat.voxels(), brain),
    ) {
        (Some(baseline), Some(followup)) => Some(Models { baseline, followup }),
        _ => None,
    };
    let followup_z = match &models {
        Some(m) => m.followup.z_map(followup_flat.voxels(), brain),
        None => intensity_z(followup_flat.voxels(), brain),
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
            followup_flat.voxels(),
            &m.followup,
        ),
        None => (hyperintense_labels.clone(), hyperintense.clone()),
    };
    let voxel_ml = geometry.spacing.iter().product::<f64>() / 1000.0;
    let brain_volume_ml = brain.iter().filter(|b| **b).count() as f64 * voxel_ml;
    let (lesions, followup_lesions, baseline_lesions, landmarks) = match (&models, kind) {
        (Some(models), kind) if kind != SequenceKind::T1Post => {
            let (at_baseline, at_followup) = find_lesions(
                &baseline_flat,
                followup_flat.voxels(),
                brain,
                (&change_labels, &candidates),
                models,
                settings,
            );
            let (b_labels, b_regions) = (at_baseline.labels, at_baseline.regions);
            let (mut f_labels, f_regions) = (at_followup.labels, at_followup.regions);
            let (decrease_labels, _) = regions(
                &maps.z.map(|z| -*z),
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
            (lesions, f_labels, b_labels, Some(landmarks))
        }
        _ => {
            let none = baseline.filled(0);
            (Vec::new(), none.clone(), none, None)
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
        landmarks,
    };
    // Only positive change is a candidate for a new or growing hyperintensity.
    outcome.candidates.retain(|c| c.peak > 0.0);
    outcome
}
