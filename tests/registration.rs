//! Registration and resampling on synthetic pairs with known motion: the follow-up is found
//! where the ground truth says, to within a tenth of a millimetre over the brain.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use tandem::dicom::{load_series, scan_paths};
use tandem::pipeline::geometry::Vec3;
use tandem::pipeline::register::{RegistrationSettings, mean_displacement, register_rigid};
use tandem::progress::Progress;
use tandem::synth::{Encoding, GroundTruth};

/// Points spread through the brain (baseline patient mm): a grid inside the lesion hull.
fn brain_points(truth: &GroundTruth) -> Vec<Vec3> {
    let centre = truth.lesions.iter().fold([0.0; 3], |acc, l| {
        [
            acc[0] + l.centre_baseline_mm[0] / truth.lesions.len() as f64,
            acc[1] + l.centre_baseline_mm[1] / truth.lesions.len() as f64,
            acc[2] + l.centre_baseline_mm[2] / truth.lesions.len() as f64,
        ]
    });
    let mut points = Vec::new();
    for dx in [-50.0, -25.0, 0.0, 25.0, 50.0] {
        for dy in [-60.0, -30.0, 0.0, 30.0, 60.0] {
            for dz in [-40.0, -20.0, 0.0, 20.0] {
                points.push([centre[0] + dx, centre[1] + dy, centre[2] + dz]);
            }
        }
    }
    points
}

fn volumes(
    dir: &std::path::Path,
    truth: &GroundTruth,
    series: usize,
) -> (tandem::Volume, tandem::Volume) {
    let scan = scan_paths(&[dir.to_path_buf()], &Progress::new());
    let load = |exam: usize| {
        let uid = &truth.exams[exam].series[series].series_uid;
        let s = scan.all_series().find(|s| &s.id == uid).unwrap();
        load_series(s, &Progress::new()).unwrap()
    };
    (load(0), load(1))
}

/// Registers series `series` of a fresh 2.25 mm pair; returns the result and its mean
/// displacement error against the ground truth over the brain.
fn registered(series: usize) -> (tandem::pipeline::register::Registration, f64) {
    let (dir, truth) = common::pair_at(1.5, Encoding::ExplicitLittleEndian);
    let (baseline, followup) = volumes(dir.path(), &truth, series);
    let settings = RegistrationSettings::default();
    let result = register_rigid(&baseline, &followup, &settings, &Progress::new()).unwrap();
    let error = mean_displacement(
        &result.transform,
        &truth.followup_from_baseline,
        &brain_points(&truth),
    );
    eprintln!("series {series}: error {error:.4} mm: {result:?}");
    (result, error)
}

#[test]
fn flair_to_oblique_flair_within_a_tenth_of_a_millimetre() {
    let (result, error) = registered(0);
    assert!(error <= 0.1, "mean displacement error {error} mm");
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    assert!(result.correlation > 0.8, "{}", result.correlation);
}

#[test]
fn t1_to_t1_on_another_grid_within_a_tenth_of_a_millimetre() {
    let (result, error) = registered(1);
    assert!(error <= 0.1, "mean displacement error {error} mm");
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
}

#[test]
fn the_same_exam_twice_registers_to_identity() {
    let (dir, truth) = common::small_pair(Encoding::ExplicitLittleEndian);
    let (baseline, _) = volumes(dir.path(), &truth, 0);
    let result = register_rigid(
        &baseline,
        &baseline,
        &RegistrationSettings::default(),
        &Progress::new(),
    )
    .unwrap();
    let identity = tandem::pipeline::transform::RigidTransform::IDENTITY;
    let error = mean_displacement(&result.transform, &identity, &brain_points(&truth));
    assert!(error < 0.01, "{error} mm: {result:?}");
    assert!(result.correlation > 0.99);
}

#[test]
fn unrelated_images_are_flagged_unreliable() {
    let (dir, truth) = common::small_pair(Encoding::ExplicitLittleEndian);
    let (baseline, _) = volumes(dir.path(), &truth, 0);
    // Noise with the same extent as the head: nothing to align to.
    let noise = ndarray::Array3::from_shape_fn(baseline.voxels().dim(), |(k, j, i)| {
        ((i * 7919 + j * 104_729 + k * 1_299_709) % 1000) as f32
    });
    let noise = tandem::Volume::new(noise, *baseline.geometry(), "noise").unwrap();
    let result = register_rigid(
        &baseline,
        &noise,
        &RegistrationSettings::default(),
        &Progress::new(),
    )
    .unwrap();
    assert!(!result.warnings.is_empty(), "{result:?}");
}
