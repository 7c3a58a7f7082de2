//! The DICOM Segmentation writer, judged by tools we did not write: dciodvfy (David Clunie's
//! dicom3tools) must report no error, and highdicom must read back the segments, their codes
//! and tracking identity, every marked pixel on the right source image, and every marked voxel
//! at the right place in the patient. Both tools are installed by `scripts/setup.sh`; without
//! them these tests fail (they do not skip).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::checkers::{assert_no_dciodvfy_errors, highdicom};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ndarray::Array3;
use serde_json::Value;
use tandem::dicom::export::{
    SegOptions, SegmentAlgorithm, SegmentKind, SegmentSpec, write_segmentation,
};
use tandem::dicom::{FrameName, Rescale, Series, Stack, StackProblem, scan_paths};
use tandem::pipeline::geometry::Geometry;
use tandem::progress::Progress;
use tandem::synth::writer::{Encoding, SeriesHeader, write_series};
use tandem::{Error, Volume};

const SEG_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.66.4";

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The one series found under `dir`.
fn series_in(dir: &Path) -> Series {
    let scan = scan_paths(&[dir.to_path_buf()], &Progress::new());
    let series: Vec<&Series> = scan.all_series().collect();
    assert_eq!(series.len(), 1, "one series in {}", dir.display());
    series[0].clone()
}

fn baseline_flair() -> Series {
    series_in(&manifest().join("sample_data/baseline/FLAIR_3D"))
}

fn spec(number_in_labels: u16, kind: SegmentKind) -> SegmentSpec {
    SegmentSpec {
        number_in_labels,
        label: format!("Lesion {number_in_labels}"),
        kind,
        algorithm: SegmentAlgorithm::SemiAutomatic,
        description: (kind == SegmentKind::EnhancingLesion).then(|| "Gd-enhancing".into()),
    }
}

fn made_by(algorithm: SegmentAlgorithm, spec: SegmentSpec) -> SegmentSpec {
    SegmentSpec { algorithm, ..spec }
}

fn options() -> SegOptions {
    SegOptions {
        series_number: 901,
        series_description: "Tandem reader lesion marks".into(),
        content_label: "LESIONS".into(),
        creator: Some("Reader^Test".into()),
        timestamp: "20250611143000".into(),
    }
}

/// Sets `value` on an ellipsoid of radii `r` (slices, rows, columns) around `c`.
fn blob(labels: &mut Array3<u16>, c: [f64; 3], r: [f64; 3], value: u16) {
    for ((k, j, i), v) in labels.indexed_iter_mut() {
        let d = [k as f64 - c[0], j as f64 - c[1], i as f64 - c[2]];
        if (0..3).map(|a| (d[a] / r[a]).powi(2)).sum::<f64>() <= 1.0 {
            *v = value;
        }
    }
}

/// Per segment number: the voxels `[k, j, i]` that must be marked.
fn expected(
    labels: &Array3<u16>,
    segments: &[SegmentSpec],
) -> BTreeMap<String, BTreeSet<[usize; 3]>> {
    let mut out: BTreeMap<String, BTreeSet<[usize; 3]>> = (1..=segments.len())
        .map(|n| (n.to_string(), BTreeSet::new()))
        .collect();
    for ((k, j, i), v) in labels.indexed_iter() {
        if let Some(n) = segments.iter().position(|s| s.number_in_labels == *v) {
            out.get_mut(&(n + 1).to_string()).unwrap().insert([k, j, i]);
        }
    }
    out
}

/// Compares highdicom's reading with the labels written: segments, codes, tracking identity,
/// pixels per source instance, and voxel positions in mm through `geometry`.
fn check_reading(json: &Value, labels: &Array3<u16>, source: &Series, segments: &[SegmentSpec]) {
    let stack = source.stack.as_ref().unwrap();
    let want = expected(labels, segments);
    assert_eq!(json["sop_class_uid"], SEG_STORAGE);
    assert_eq!(json["segmentation_type"], "BINARY");
    assert_eq!(json["study_uid"], source.facts.study_uid);
    if let Some(frame_uid) = &source.facts.frame_of_reference_uid {
        assert_eq!(&json["frame_of_reference_uid"], frame_uid);
    }
    // One frame per (segment, slice) with a voxel; one empty frame when nothing is marked.
    let frames: BTreeSet<(&String, usize)> = want
        .iter()
        .flat_map(|(n, v)| v.iter().map(move |x| (n, x[0])))
        .collect();
    assert_eq!(json["number_of_frames"], frames.len().max(1));

    let read = json["segments"].as_array().unwrap();
    assert_eq!(read.len(), segments.len());
    let mut tracking_uids = BTreeSet::new();
    for (n, (got, spec)) in read.iter().zip(segments).enumerate() {
        assert_eq!(got["number"], n + 1);
        assert_eq!(got["label"], spec.label);
        assert_eq!(
            got["tracking_id"],
            format!("lesion {}", spec.number_in_labels)
        );
        assert!(got["tracking_uid"].as_str().unwrap().starts_with("2.25."));
        tracking_uids.insert(got["tracking_uid"].to_string());
        assert_eq!(got["algorithm_type"], spec.algorithm.term());
        if spec.algorithm == SegmentAlgorithm::Manual {
            assert!(got["algorithm"].is_null(), "{got}");
        } else {
            // The algorithm named, with Tandem's exact build.
            assert_eq!(got["algorithm_name"], "Tandem");
            assert_eq!(got["algorithm"]["name"], "Tandem");
            assert_eq!(got["algorithm"]["version"], tandem::build_info::DESCRIBE);
            assert_eq!(
                got["algorithm"]["family"],
                serde_json::json!(["123105", "DCM", "Histogram Analysis"])
            );
        }
        assert_eq!(
            got["category"],
            serde_json::json!(["49755003", "SCT", "Morphologically Abnormal Structure"])
        );
        let code = spec.kind.property_type();
        assert_eq!(
            got["type"],
            serde_json::json!([code.value, code.scheme, code.meaning]),
            "segment {}",
            n + 1
        );
    }
    assert_eq!(
        tracking_uids.len(),
        segments.len(),
        "distinct tracking UIDs"
    );

    // Every marked pixel, on the source image highdicom maps its frame to.
    for (n, voxels) in &want {
        let mut got: BTreeSet<(String, usize, usize)> = BTreeSet::new();
        for p in json["pixels"][n].as_array().unwrap() {
            let p = p.as_array().unwrap();
            got.insert((
                p[0].as_str().unwrap().to_owned(),
                p[1].as_u64().unwrap() as usize,
                p[2].as_u64().unwrap() as usize,
            ));
        }
        let want: BTreeSet<(String, usize, usize)> = voxels
            .iter()
            .map(|[k, j, i]| (source_key(stack, *k), *j, *i))
            .collect();
        assert_eq!(got, want, "segment {n}: pixels per source instance");
    }

    // highdicom's volume: every voxel's patient position lands on our grid, where we put it.
    let volume = &json["volume"];
    if want.values().all(BTreeSet::is_empty) {
        return;
    }
    assert!(
        volume.get("error").is_none(),
        "highdicom get_volume: {volume}"
    );
    for (n, voxels) in &want {
        let got = positions_to_indices(&stack.geometry, &volume["positions"][n]);
        assert_eq!(&got, voxels, "segment {n}: voxel positions in mm");
    }
}

/// How check_seg.py names the source image of slice `k`: its SOP Instance UID, with `#frame`
/// (1-based) for a frame of a multi-frame instance.
fn source_key(stack: &Stack, k: usize) -> String {
    let slice = &stack.slices[k];
    let uid = slice.sop_instance_uid.clone().unwrap();
    let shared = stack
        .slices
        .iter()
        .filter(|s| s.sop_instance_uid.as_ref() == Some(&uid));
    if shared.count() > 1 {
        format!("{uid}#{}", slice.frame + 1)
    } else {
        uid
    }
}

/// Patient positions (mm) → our `[k, j, i]`, each required to fall on a voxel centre.
fn positions_to_indices(geometry: &Geometry, positions: &Value) -> BTreeSet<[usize; 3]> {
    let empty = Vec::new();
    let positions = positions.as_array().unwrap_or(&empty);
    positions
        .iter()
        .map(|p| {
            let mm: Vec<f64> = p
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let index = geometry.mm_to_index([mm[0], mm[1], mm[2]]);
            for v in index {
                assert!(
                    (v - v.round()).abs() < 1e-3,
                    "off-grid position {mm:?} -> {index:?}"
                );
            }
            [
                index[2].round() as usize,
                index[1].round() as usize,
                index[0].round() as usize,
            ]
        })
        .collect()
}

#[test]
fn sample_flair_marks_pass_dciodvfy_and_read_back_in_highdicom() {
    let source = baseline_flair();
    let [columns, rows, slices] = source.stack.as_ref().unwrap().dims;
    let mut labels = Array3::<u16>::zeros((slices, rows, columns));
    blob(&mut labels, [60.0, 80.0, 70.0], [6.0, 3.0, 4.0], 7); // 13 slices
    blob(&mut labels, [40.0, 60.0, 50.0], [2.0, 2.5, 2.5], 3);
    blob(&mut labels, [75.0, 50.0, 90.0], [1.0, 1.0, 1.0], 12);
    blob(&mut labels, [20.0, 20.0, 20.0], [2.0, 2.0, 2.0], 5); // not a segment: ignored
    // Out of numeric order, and lesion 9 has no voxel here (a lesion absent at this exam).
    // Found by the comparison, made with its help, drawn by the reader.
    let segments = vec![
        made_by(SegmentAlgorithm::Automatic, spec(7, SegmentKind::T2Lesion)),
        spec(3, SegmentKind::EnhancingLesion),
        made_by(
            SegmentAlgorithm::Manual,
            spec(12, SegmentKind::OtherFinding),
        ),
        spec(9, SegmentKind::T2Lesion),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks.dcm");
    write_segmentation(&path, &labels, &source, &segments, &options()).unwrap();

    assert_no_dciodvfy_errors(&path);
    let json = &highdicom(&[&path])[0];
    check_reading(json, &labels, &source, &segments);
    assert_eq!(json["patient_id"], source.facts.patient_id.clone().unwrap());
    assert_eq!(json["content_creator"], "Reader^Test");
    assert_eq!(
        json["segments"][1]["region"],
        serde_json::json!(["12738006", "SCT", "Brain"])
    );
    assert_eq!(
        json["source_instances"], slices,
        "all source slices referenced"
    );

    // Same inputs, same bytes; another timestamp, another instance.
    let again = dir.path().join("again.dcm");
    write_segmentation(&again, &labels, &source, &segments, &options()).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let later = SegOptions {
        timestamp: "20250611150000".into(),
        ..options()
    };
    write_segmentation(&again, &labels, &source, &segments, &later).unwrap();
    assert_ne!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

/// A 7 x 5 x 4 oblique stack written by our generator: 35-pixel frames do not end on byte
/// boundaries, and the tilted grid tests the geometry in all three axes.
fn odd_oblique_series(dir: &Path) -> Series {
    let (a, b) = (20f64.to_radians(), 10f64.to_radians());
    // Rotation about z by a, then about x by b; columns are the index axes' unit vectors.
    let (ca, sa, cb, sb) = (a.cos(), a.sin(), b.cos(), b.sin());
    let direction = [
        [ca, -sa, 0.0],
        [sa * cb, ca * cb, -sb],
        [sa * sb, ca * sb, cb],
    ];
    let geometry = Geometry {
        origin: [-12.5, 30.25, 7.0],
        spacing: [0.9, 1.1, 2.0],
        direction,
    };
    let voxels = Array3::<f32>::from_shape_fn((4, 5, 7), |(k, j, i)| (k * 35 + j * 7 + i) as f32);
    let volume = Volume::new(voxels, geometry, "odd stack").unwrap();
    let header = SeriesHeader {
        patient_name: "ODD^STACK".into(),
        patient_id: "ODD-1".into(),
        patient_birth_date: "19700101".into(),
        patient_sex: "O".into(),
        study_uid: "2.25.1001".into(),
        study_date: "20250101".into(),
        study_time: "120000".into(),
        study_description: "odd".into(),
        accession: "A1".into(),
        series_uid: "2.25.1002".into(),
        series_number: 1,
        series_description: "odd oblique".into(),
        frame_of_reference_uid: "2.25.1003".into(),
        contrast_agent: None,
        field_strength_t: 3.0,
        rescale: Rescale::IDENTITY,
        window: (100.0, 200.0),
    };
    write_series(dir, &volume, &header, Encoding::ExplicitLittleEndian).unwrap();
    series_in(dir)
}

#[test]
fn odd_sized_oblique_stack_round_trips_voxel_for_voxel() {
    let dir = tempfile::tempdir().unwrap();
    let source = odd_oblique_series(&dir.path().join("images"));
    let labels =
        Array3::<u16>::from_shape_fn((4, 5, 7), |(k, j, i)| match (i + 2 * j + 3 * k) % 5 {
            0 => 4,
            1 if k != 2 => 2,
            _ => 0,
        });
    let segments = vec![
        spec(2, SegmentKind::T2Lesion),
        spec(4, SegmentKind::EnhancingLesion),
    ];
    let path = dir.path().join("odd.dcm");
    write_segmentation(&path, &labels, &source, &segments, &options()).unwrap();
    // And nothing marked at all: still a valid object, with one empty frame.
    let empty = Array3::<u16>::zeros((4, 5, 7));
    let empty_path = dir.path().join("empty.dcm");
    write_segmentation(&empty_path, &empty, &source, &segments, &options()).unwrap();

    assert_no_dciodvfy_errors(&path);
    assert_no_dciodvfy_errors(&empty_path);
    let json = highdicom(&[&path, &empty_path]);
    check_reading(&json[0], &labels, &source, &segments);
    check_reading(&json[1], &empty, &source, &segments);
    assert_eq!(
        json[0]["number_of_frames"],
        4 + 3,
        "segment 4 on 4 slices, 2 on 3"
    );
}

#[test]
fn bad_inputs_are_errors_that_say_what_is_wrong() {
    let source = baseline_flair();
    let [columns, rows, slices] = source.stack.as_ref().unwrap().dims;
    let dir = tempfile::tempdir().unwrap();
    let segments = [spec(1, SegmentKind::T2Lesion)];

    let wrong_shape = Array3::<u16>::zeros((slices, columns, rows));
    let err = write_segmentation(
        &dir.path().join("a.dcm"),
        &wrong_shape,
        &source,
        &segments,
        &options(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InconsistentSeries { .. }), "{err}");
    assert!(err.to_string().contains("do not match"), "{err}");

    let labels = Array3::<u16>::zeros((slices, rows, columns));
    let broken = Series {
        stack: Err(StackProblem::MissingSlices {
            missing: 2,
            gap_mm: 3.0,
            spacing_mm: 1.0,
            first: FrameName {
                file: "1.dcm".into(),
                frame: None,
            },
            second: FrameName {
                file: "2.dcm".into(),
                frame: None,
            },
        }),
        ..source.clone()
    };
    let err = write_segmentation(
        &dir.path().join("b.dcm"),
        &labels,
        &broken,
        &segments,
        &options(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("2 missing slice(s)"), "{err}");

    let unwritable = dir.path().join("no/such/folder/c.dcm");
    let err = write_segmentation(&unwritable, &labels, &source, &segments, &options()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("c.dcm"), "names the file: {err}");

    let bad_label = SegOptions {
        content_label: "far too long a content label".into(),
        ..options()
    };
    let path = dir.path().join("d.dcm");
    let err = write_segmentation(&path, &labels, &source, &segments, &bad_label).unwrap_err();
    assert!(err.to_string().contains("content label"), "{err}");
    assert!(!path.exists(), "nothing written on error");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temporary file left"
    );
}

#[test]
fn enhanced_multi_frame_source_is_referenced_frame_by_frame() {
    // An oblique 6-frame Enhanced MR image written by pydicom (tests/fixtures/external).
    let source = series_in(&manifest().join("tests/fixtures/external/enhanced_mr"));
    let [columns, rows, slices] = source.stack.as_ref().unwrap().dims;
    let mut labels = Array3::<u16>::zeros((slices, rows, columns));
    blob(&mut labels, [2.5, 20.0, 24.0], [2.0, 6.0, 8.0], 21);
    blob(&mut labels, [4.0, 8.0, 10.0], [0.5, 3.0, 3.0], 22);
    let segments = vec![
        spec(21, SegmentKind::T2Lesion),
        spec(22, SegmentKind::EnhancingLesion),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enhanced.dcm");
    write_segmentation(&path, &labels, &source, &segments, &options()).unwrap();

    assert_no_dciodvfy_errors(&path);
    let json = &highdicom(&[&path])[0];
    check_reading(json, &labels, &source, &segments);
    assert_eq!(json["source_instances"], 1, "one multi-frame instance");
}
