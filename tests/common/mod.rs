//! Shared helpers for the integration tests: sample pairs made by our generator, and surgery
//! on DICOM files to make the broken inputs the loader must survive.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod checkers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use tandem::synth::{Encoding, GroundTruth, SampleOptions, write_sample_pair};

/// The Series Instance UID of the exam's post-contrast T1.
pub fn t1_post_of(exam: &Path) -> String {
    let scan = tandem::dicom::scan_paths(&[exam.to_path_buf()], &tandem::progress::Progress::new());
    scan.all_series()
        .find(|s| tandem::compare::classify(s) == tandem::compare::SequenceKind::T1Post)
        .expect("a post-contrast T1")
        .id
        .clone()
}

/// Options comparing only the post-contrast T1 pair of `dir`'s baseline and follow-up exams,
/// chosen by UID (as `tandem compare --baseline-series/--followup-series` does).
pub fn t1_post_only(dir: &Path) -> tandem::compare::CompareOptions {
    tandem::compare::CompareOptions {
        baseline_series: Some(t1_post_of(&dir.join("baseline"))),
        followup_series: Some(t1_post_of(&dir.join("followup"))),
        ..tandem::compare::CompareOptions::default()
    }
}

/// The bundled sample pair compared with the default options, computed once per test run and
/// shared by the tests that read it (the comparison is deterministic; about 8 s in the dev
/// profile each time otherwise).
pub fn sample_comparison() -> tandem::compare::Comparison {
    type Shared = (tandem::compare::Report, Arc<[tandem::compare::PairView]>);
    static SHARED: OnceLock<Shared> = OnceLock::new();
    let (report, views) = SHARED.get_or_init(|| {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
        let comparison = tandem::compare::compare_full(
            &sample.join("baseline"),
            &sample.join("followup"),
            &tandem::compare::CompareOptions::default(),
            &tandem::progress::Progress::new(),
        )
        .unwrap();
        (comparison.report, comparison.views)
    });
    tandem::compare::Comparison {
        report: report.clone(),
        views: Arc::clone(views),
    }
}

/// A quick (3 mm) sample pair in a fresh temporary folder.
pub fn small_pair(encoding: Encoding) -> (tempfile::TempDir, GroundTruth) {
    let dir = tempfile::tempdir().unwrap();
    let options = SampleOptions {
        voxel_scale: 2.0,
        supersample: 1,
        encoding,
        ..SampleOptions::default()
    };
    let truth = write_sample_pair(dir.path(), &options).unwrap();
    (dir, truth)
}

/// A sample pair at any voxel scale (1.0 is the bundled 1.5 mm sample).
pub fn pair_at(voxel_scale: f64, encoding: Encoding) -> (tempfile::TempDir, GroundTruth) {
    let dir = tempfile::tempdir().unwrap();
    let options = SampleOptions {
        voxel_scale,
        supersample: 2,
        encoding,
        ..SampleOptions::default()
    };
    let truth = write_sample_pair(dir.path(), &options).unwrap();
    (dir, truth)
}

/// The sorted files of a folder.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Copies a series folder to `to`.
pub fn copy_series(from: &Path, to: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(to).unwrap();
    files_in(from)
        .iter()
        .map(|f| {
            let dest = to.join(f.file_name().unwrap());
            std::fs::copy(f, &dest).unwrap();
            dest
        })
        .collect()
}

/// Opens, edits and rewrites a DICOM file in place.
pub fn edit(path: &Path, change: impl FnOnce(&mut DefaultDicomObject)) {
    let mut obj = OpenFileOptions::new().open_file(path).unwrap();
    change(&mut obj);
    obj.write_to_file(path).unwrap();
}

/// Sets a string-valued attribute.
pub fn put_str(obj: &mut DefaultDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(
        tag,
        vr,
        PrimitiveValue::from(value.to_owned()),
    ));
}

/// Sets a decimal-string multi-value attribute.
pub fn put_ds(obj: &mut DefaultDicomObject, tag: Tag, values: &[f64]) {
    let strs: Vec<String> = values.iter().map(|v| format!("{v}")).collect();
    obj.put(DataElement::new(
        tag,
        VR::DS,
        PrimitiveValue::Strs(strs.into()),
    ));
}

/// Reads a decimal-string multi-value attribute.
pub fn get_ds(obj: &DefaultDicomObject, tag: Tag) -> Vec<f64> {
    obj.element(tag).unwrap().to_multi_float64().unwrap()
}

/// Maximum absolute difference of two vectors.
pub fn max_diff(a: [f64; 3], b: [f64; 3]) -> f64 {
    (0..3).map(|i| (a[i] - b[i]).abs()).fold(0.0, f64::max)
}

/// A pair whose follow-up shows the same plaques as the baseline (motion, noise, other grid and
/// scanner scaling remain).
pub fn stable_pair(voxel_scale: f64) -> (tempfile::TempDir, GroundTruth) {
    let dir = tempfile::tempdir().unwrap();
    let options = SampleOptions {
        voxel_scale,
        supersample: 2,
        encoding: Encoding::ExplicitLittleEndian,
        lesion_changes: false,
        ..SampleOptions::default()
    };
    let truth = write_sample_pair(dir.path(), &options).unwrap();
    (dir, truth)
}
