//! The comparison core end to end on synthetic pairs with known motion and known lesions: it
//! must find what the ground truth holds, flag nothing else, and say "inactive" when nothing
//! changed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::path::{Path, PathBuf};

use tandem::compare::{CompareOptions, Report, SequenceKind, compare, compare_full};
use tandem::counts::DiseaseActivity;
use tandem::marks::LesionKind;
use tandem::pipeline::geometry::{norm, sub};
use tandem::pipeline::lesion::Status;
use tandem::pipeline::register::mean_displacement;
use tandem::progress::Progress;
use tandem::reading::{read_lesions, read_summary};
use tandem::synth::{Change, GroundTruth};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

fn truth_of(dir: &Path) -> GroundTruth {
    serde_json::from_str(&std::fs::read_to_string(dir.join("ground_truth.json")).unwrap()).unwrap()
}

fn run(dir: &Path) -> Report {
    compare(
        &dir.join("baseline"),
        &dir.join("followup"),
        &CompareOptions::default(),
        &Progress::new(),
    )
    .unwrap()
}

fn status_of(change: Change) -> Status {
    match change {
        Change::New => Status::New,
        Change::Enlarging => Status::Enlarging,
        Change::Persistent => Status::Persistent,
        Change::Shrinking => Status::Shrinking,
        Change::Resolved => Status::Resolved,
    }
}

#[test]
fn the_sample_pair_is_read_as_the_ground_truth_says() {
    let dir = sample();
    let truth = truth_of(&dir);
    let report = common::sample_comparison().report;

    assert_eq!(report.summary.counts.new, Some(2), "{:#?}", report.lesions);
    assert_eq!(report.summary.counts.enlarging, Some(1));
    assert_eq!(report.summary.counts.enhancing, Some(2));
    assert_eq!(report.summary.activity, DiseaseActivity::Active);
    assert!(report.summary.counts.contrast_compared() && report.summary.counts.t2_compared());
    assert_eq!(report.summary.comparison_date.as_deref(), Some("20250310"));

    // Every true lesion found, with its status, its volumes within 25%, enhancement where due.
    for expected in &truth.lesions {
        let found = report
            .lesions
            .iter()
            .find(|l| norm(sub(l.centroid_mm, expected.centre_baseline_mm)) < 3.0)
            .unwrap_or_else(|| panic!("lesion {} not found: {:#?}", expected.id, report.lesions));
        assert_eq!(
            found.status,
            status_of(expected.status),
            "lesion {}",
            expected.id
        );
        assert_eq!(
            found.enhancing, expected.enhancing,
            "lesion {}",
            expected.id
        );
        for (ours, theirs) in [
            (found.volume_mm3.baseline, expected.volume_baseline_mm3),
            (found.volume_mm3.followup, expected.volume_followup_mm3),
        ] {
            if theirs == 0.0 {
                assert_eq!(ours, 0.0);
            } else {
                let error = (ours - theirs).abs() / theirs;
                assert!(
                    error <= 0.25,
                    "lesion {}: {ours} mm³ vs {theirs} mm³",
                    expected.id
                );
            }
        }
    }
    // No false positives: nothing else is reported at all.
    assert_eq!(
        report.lesions.len(),
        truth.lesions.len(),
        "{:#?}",
        report.lesions
    );
    assert!(report.enhancement.iter().all(|e| e.lesion_id.is_some()));

    // The registration recovered the known motion.
    let transform = tandem::pipeline::transform::RigidTransform {
        matrix: report.registration.matrix,
        offset_mm: report.registration.offset_mm,
    };
    let points: Vec<_> = truth.lesions.iter().map(|l| l.centre_baseline_mm).collect();
    let error = mean_displacement(&transform, &truth.followup_from_baseline, &points);
    assert!(error <= 0.1, "registration error {error} mm");
    assert!(
        report.comparability.comparable,
        "{:?}",
        report.comparability.warnings
    );

    let text = report.summary_text();
    for needle in [
        "New T2/FLAIR lesions: 2",
        "Enlarging T2/FLAIR lesions: 1",
        "enhancing lesions: 2",
        "ACTIVE",
    ] {
        assert!(text.contains(needle), "{text}");
    }
}

#[test]
fn the_same_exam_twice_has_no_change() {
    let baseline = sample().join("baseline");
    let report = compare(
        &baseline,
        &baseline,
        &CompareOptions::default(),
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(report.summary.activity, DiseaseActivity::Inactive);
    assert!(
        report.pairs.iter().all(|p| p.candidates.is_empty()),
        "{:#?}",
        report.pairs
    );
    assert!(
        report
            .lesions
            .iter()
            .all(|l| l.status == Status::Persistent)
    );
    assert!(report.registration.translation_mm < 0.01);
}

#[test]
fn stable_disease_with_motion_and_noise_is_inactive() {
    let (dir, truth) = common::stable_pair(1.0);
    let report = run(dir.path());
    assert_eq!(report.summary.counts.new, Some(0), "{:#?}", report.lesions);
    assert_eq!(
        report.summary.counts.enlarging,
        Some(0),
        "{:#?}",
        report.lesions
    );
    assert_eq!(
        report.summary.counts.enhancing,
        Some(0),
        "{:#?}",
        report.enhancement
    );
    assert_eq!(report.summary.activity, DiseaseActivity::Inactive);
    // The plaques are still there, persistent.
    let persistent = report
        .lesions
        .iter()
        .filter(|l| l.status == Status::Persistent)
        .count();
    assert_eq!(persistent, truth.lesions.len(), "{:#?}", report.lesions);
    assert_eq!(
        report.summary.counts.unexplained, 0,
        "{:#?}",
        report.lesions
    );
    // A change at a plaque's rim (moved, and blurred by resampling at one exam only) may pass
    // the change threshold; it must be explained by that plaque, never stand alone.
    for candidate in report.pairs.iter().flat_map(|p| &p.candidates) {
        let at_a_plaque = truth.lesions.iter().any(|plaque| {
            let radius = (plaque.volume_baseline_mm3 * 3.0 / (4.0 * std::f64::consts::PI)).cbrt();
            let d = candidate
                .centroid_mm
                .iter()
                .zip(&plaque.centre_baseline_mm)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            d <= radius + 3.0
        });
        assert!(at_a_plaque, "{candidate:#?} {:#?}", truth.lesions);
    }
}

#[test]
fn a_post_contrast_pair_alone_assesses_enhancement_only() {
    let dir = sample();
    let comparison = compare_full(
        &dir.join("baseline"),
        &dir.join("followup"),
        &common::t1_post_only(&dir),
        &Progress::new(),
    )
    .unwrap();
    let report = &comparison.report;
    assert_eq!(report.pairs.len(), 1);
    assert_eq!(report.pairs[0].kind, SequenceKind::T1Post);
    // A T1 cannot show new or enlarging T2 lesions: not assessed, never a number.
    let counts = report.summary.counts;
    assert_eq!((counts.new, counts.enlarging), (None, None), "{counts:?}");
    let json = serde_json::to_value(report).unwrap();
    assert!(json["summary"]["new"].is_null() && json["summary"]["enlarging"].is_null());
    assert_eq!(json["summary"]["t2_compared"], false);
    // Each new enhancing focus is an enhancing lesion, labelled on the view and located.
    let enhancing = counts.enhancing.unwrap();
    assert!(enhancing >= 1, "the sample has new enhancement");
    assert_eq!(report.lesions.len(), enhancing, "{:#?}", report.lesions);
    assert_eq!(report.summary.activity, DiseaseActivity::Active);
    let view = &comparison.views[0];
    for lesion in &report.lesions {
        assert!(lesion.enhancing, "{lesion:#?}");
        assert!(
            lesion.location.is_some(),
            "lesion {} has no location",
            lesion.id
        );
        let label = *lesion.followup_labels.first().expect("its voxels");
        assert!(view.followup_lesions.voxels().iter().any(|l| *l == label));
    }
    // The reading counts them as enhancing lesions, and T2 activity as not assessed.
    let decisions = std::collections::BTreeMap::new();
    let centroids = std::collections::BTreeMap::new();
    let lesions = read_lesions(report, &decisions, None, &centroids);
    assert!(lesions.iter().all(|l| l.kind == LesionKind::Enhancing));
    let summary = read_summary(report, &lesions);
    assert_eq!(summary.counts, counts);

    let text = report.summary_text();
    for needle in [
        "New T2/FLAIR lesions: not assessed (no T2/FLAIR series compared).",
        "Enlarging T2/FLAIR lesions: not assessed (no T2/FLAIR series compared).",
        &format!("New gadolinium-enhancing lesions: {enhancing}."),
        "ACTIVE",
        "new and enlarging T2/FLAIR lesions not assessed",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
}

#[test]
fn choosing_series_by_uid_and_refusing_nonsense() {
    let dir = sample();
    let truth = truth_of(&dir);
    let options = CompareOptions {
        baseline_series: Some(truth.exams[0].series[0].series_uid.clone()),
        followup_series: Some(truth.exams[1].series[0].series_uid.clone()),
        ..CompareOptions::default()
    };
    let report = compare(
        &dir.join("baseline"),
        &dir.join("followup"),
        &options,
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(report.pairs.len(), 1);
    assert_eq!(
        report.pairs[0].baseline.series_uid,
        truth.exams[0].series[0].series_uid
    );

    let bad = CompareOptions {
        baseline_series: Some("1.2.3".into()),
        followup_series: Some("4.5.6".into()),
        ..CompareOptions::default()
    };
    let error = compare(
        &dir.join("baseline"),
        &dir.join("followup"),
        &bad,
        &Progress::new(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("no such series"), "{error}");
    let empty = tempfile::tempdir().unwrap();
    let error = compare(
        empty.path(),
        &dir.join("followup"),
        &CompareOptions::default(),
        &Progress::new(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("no readable study"), "{error}");
}

#[test]
fn post_minus_pre_counts_enhancement_when_the_followup_has_both() {
    let dir = tempfile::tempdir().unwrap();
    let options = tandem::synth::SampleOptions {
        voxel_scale: 1.0,
        encoding: tandem::synth::Encoding::ExplicitLittleEndian,
        followup_t1_pre: true,
        ..Default::default()
    };
    let truth = tandem::synth::write_sample_pair(dir.path(), &options).unwrap();
    let report = run(dir.path());
    let foci = report
        .enhancement_post_minus_pre
        .as_ref()
        .expect("pre and post found");
    assert_eq!(foci.len(), 2, "{foci:#?}");
    assert_eq!(report.summary.counts.enhancing, Some(2));
    assert_eq!(
        report.summary.enhancing_method,
        tandem::compare::EnhancingMethod::PostMinusPre
    );
    for lesion in truth.lesions.iter().filter(|l| l.enhancing) {
        assert!(
            foci.iter()
                .any(|f| norm(sub(f.centroid_mm, lesion.centre_baseline_mm)) < 3.0),
            "lesion {} enhancement not found: {foci:#?}",
            lesion.id
        );
    }
    assert!(foci.iter().all(|f| f.lesion_id.is_some()));
}

#[test]
fn ten_degrees_and_ten_millimetres_on_the_same_grid() {
    let dir = tempfile::tempdir().unwrap();
    let options = tandem::synth::SampleOptions {
        voxel_scale: 1.0,
        encoding: tandem::synth::Encoding::ExplicitLittleEndian,
        followup_on_baseline_grid: true,
        // About 10° of rotation in all and 10 mm of shift.
        followup_motion: Some(([6.0, -5.0, 6.5], [6.0, -6.0, 5.0])),
        ..Default::default()
    };
    let truth = tandem::synth::write_sample_pair(dir.path(), &options).unwrap();
    let (bl, fu) = (&truth.exams[0].series[0], &truth.exams[1].series[0]);
    assert_eq!(bl.geometry, fu.geometry, "same grid");
    let report = run(dir.path());
    let transform = tandem::pipeline::transform::RigidTransform {
        matrix: report.registration.matrix,
        offset_mm: report.registration.offset_mm,
    };
    let angle =
        tandem::pipeline::register::rotation_angle_deg(&truth.followup_from_baseline.matrix);
    assert!(angle > 9.5 && angle <= 10.5, "{angle}°");
    let points: Vec<_> = truth.lesions.iter().map(|l| l.centre_baseline_mm).collect();
    let error = mean_displacement(&transform, &truth.followup_from_baseline, &points);
    assert!(error <= 0.1, "registration error {error} mm");
    assert_eq!(report.summary.counts.new, Some(2), "{:#?}", report.lesions);
    assert_eq!(
        report.summary.counts.enlarging,
        Some(1),
        "{:#?}",
        report.lesions
    );
    assert_eq!(
        report.summary.counts.enhancing,
        Some(2),
        "{:#?}",
        report.enhancement
    );
    assert_eq!(
        report.lesions.len(),
        truth.lesions.len(),
        "{:#?}",
        report.lesions
    );
}
