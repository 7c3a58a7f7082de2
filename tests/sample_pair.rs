//! The synthetic sample pair round-trips through real DICOM files: the scan finds one patient
//! with two exams, every series loads with the geometry it was written with, and the plaques
//! are where the ground truth says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use tandem::counts::DiseaseActivity;
use tandem::dicom::{Scan, load_series, scan_paths};
use tandem::progress::Progress;
use tandem::synth::{Change, Encoding, GroundTruth};

fn check_pair(scan: &Scan, truth: &GroundTruth) {
    assert_eq!(scan.patients.len(), 1, "one patient");
    let studies: Vec<_> = scan.all_studies().collect();
    assert_eq!(studies.len(), 2, "baseline and follow-up");
    assert_eq!(
        studies[0].date.as_deref(),
        Some("20250310"),
        "sorted by date"
    );
    for (study, exam) in studies.iter().zip(&truth.exams) {
        assert_eq!(study.uid, exam.study_uid);
        assert_eq!(study.series.len(), exam.series.len());
        for expected in &exam.series {
            let series = study
                .series
                .iter()
                .find(|s| s.id == expected.series_uid)
                .expect("series found");
            let stack = series.stack.as_ref().expect("series is loadable");
            assert_eq!(stack.dims, expected.dims);
            let g = &stack.geometry;
            assert!(common::max_diff(g.origin, expected.geometry.origin) < 1e-3);
            assert!(common::max_diff(g.spacing, expected.geometry.spacing) < 1e-4);
            for k in 0..3 {
                assert!(common::max_diff(g.axis(k), expected.geometry.axis(k)) < 1e-5);
            }
            assert_eq!(series.facts.contrast_agent.is_some(), expected.contrast);
        }
    }
}

#[test]
fn uncompressed_pair_scans_and_loads_with_true_geometry() {
    let (dir, truth) = common::small_pair(Encoding::ExplicitLittleEndian);
    let scan = scan_paths(&[dir.path().to_path_buf()], &Progress::new());
    check_pair(&scan, &truth);
    // The ground truth and the teaching-case files are the only non-DICOM files, and they are
    // reported, not fatal.
    let mut reported: Vec<String> = scan
        .problems
        .iter()
        .map(|p| {
            p.path
                .strip_prefix(dir.path())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    reported.sort();
    assert_eq!(
        reported,
        [
            "case.json",
            "ground_truth.json",
            "reference/lesions-followup.nii.gz"
        ]
    );
}

#[test]
fn jpeg_ls_pair_decodes_like_the_uncompressed_one() {
    let (plain, _) = common::small_pair(Encoding::ExplicitLittleEndian);
    let (packed, truth) = common::small_pair(Encoding::JpegLsLossless);
    let scan_plain = scan_paths(&[plain.path().to_path_buf()], &Progress::new());
    let scan_packed = scan_paths(&[packed.path().to_path_buf()], &Progress::new());
    check_pair(&scan_packed, &truth);
    for (a, b) in scan_plain.all_series().zip(scan_packed.all_series()) {
        assert_eq!(b.transfer_syntaxes, ["1.2.840.10008.1.2.4.80"]);
        // No (7FE0,0003) Encapsulated Pixel Data Value Total Length: GDCM (ITK, Slicer) cannot
        // read files that carry it.
        let file = dicom_object::open_file(&b.files[0]).unwrap();
        assert!(file.get(dicom_core::Tag(0x7FE0, 0x0003)).is_none());
        let va = load_series(a, &Progress::new()).unwrap();
        let vb = load_series(b, &Progress::new()).unwrap();
        assert_eq!(va.voxels(), vb.voxels(), "lossless means identical");
    }
}

#[test]
fn plaques_are_where_the_ground_truth_puts_them() {
    let (dir, truth) = common::small_pair(Encoding::ExplicitLittleEndian);
    let scan = scan_paths(&[dir.path().to_path_buf()], &Progress::new());
    let flair = |exam: usize| {
        let uid = &truth.exams[exam].series[0].series_uid;
        let series = scan.all_series().find(|s| &s.id == uid).unwrap();
        load_series(series, &Progress::new()).unwrap()
    };
    let (baseline, followup) = (flair(0), flair(1));
    let value_at = |v: &tandem::Volume, mm| {
        let idx = v.geometry().mm_to_index(mm);
        v.get(
            idx[0].round() as usize,
            idx[1].round() as usize,
            idx[2].round() as usize,
        )
        .unwrap()
    };
    // FLAIR white matter is 420 (× the follow-up's gain of 1.12); plaques are 1.3–1.8× white
    // matter and the cortex 1.2×: a plaque's centre is above 1.25× white matter.
    let plaque = 1.25 * 420.0;
    for lesion in &truth.lesions {
        let before = value_at(&baseline, lesion.centre_baseline_mm);
        let after = value_at(&followup, lesion.centre_followup_mm);
        assert!(
            after > plaque * 1.12,
            "lesion {} at follow-up: {after}",
            lesion.id
        );
        match lesion.status {
            Change::New => assert!(
                before < plaque,
                "new lesion {} at baseline: {before}",
                lesion.id
            ),
            _ => assert!(
                before > plaque,
                "lesion {} at baseline: {before}",
                lesion.id
            ),
        }
    }
    assert_eq!(truth.summary.new, 2);
    assert_eq!(truth.summary.enlarging, 1);
    assert_eq!(truth.summary.activity, DiseaseActivity::Active);
}

#[test]
fn bundled_sample_data_is_what_the_generator_makes() {
    let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let truth: GroundTruth =
        serde_json::from_str(&std::fs::read_to_string(bundled.join("ground_truth.json")).unwrap())
            .unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let made = tandem::synth::write_sample_pair(fresh.path(), &Default::default()).unwrap();
    assert_eq!(
        serde_json::to_value(&made).unwrap(),
        serde_json::to_value(&truth).unwrap()
    );
    for exam in &truth.exams {
        for series in &exam.series {
            let a = common::files_in(&bundled.join(&series.folder));
            let b = common::files_in(&fresh.path().join(&series.folder));
            assert_eq!(a.len(), b.len());
            for (fa, fb) in a.iter().zip(&b) {
                assert!(
                    std::fs::read(fa).unwrap() == std::fs::read(fb).unwrap(),
                    "{} differs from a fresh generation: run `tandem synth --out sample_data`",
                    fa.display()
                );
            }
        }
    }
    for file in ["case.json", "reference/lesions-followup.nii.gz"] {
        assert!(
            std::fs::read(bundled.join(file)).unwrap()
                == std::fs::read(fresh.path().join(file)).unwrap(),
            "{file} differs from a fresh generation: run `tandem synth --out sample_data`"
        );
    }
}

#[test]
fn the_bundled_sample_is_valid_dicom_for_dciodvfy() {
    let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    for series in [
        "baseline/FLAIR_3D",
        "baseline/T1_3D_POST",
        "followup/FLAIR_3D",
        "followup/T1_3D_POST",
    ] {
        let first = common::files_in(&bundled.join(series))[0].clone();
        let lines = common::checkers::dciodvfy(&first);
        assert!(
            lines.iter().any(|l| l == "MRImage"),
            "{series}: not checked as an MR image"
        );
        let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("Error")).collect();
        assert!(errors.is_empty(), "{series}: {errors:#?}");
    }
}
