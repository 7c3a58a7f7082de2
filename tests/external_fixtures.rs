//! Decoding checked against files that tools no one here wrote (dcmtk, gdcm, pydicom and
//! pydicom's test corpus): pixel-exact for lossless syntaxes, within the measured tolerance for
//! lossy ones, with the geometry the files declare. The manifest and the script that made the
//! files live in tests/fixtures/external/.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tandem::dicom::{decode_file, load_series, scan_paths};
use tandem::progress::Progress;

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    path: String,
    writer: String,
    transfer_syntax: String,
    max_abs_error: f64,
    dims: [usize; 3],
    photometric: String,
    expected: String,
    origin_mm: [f64; 3],
    spacing_mm: [f64; 3],
    direction: [[f64; 3]; 3],
    geometry_from_file: bool,
    stored_format: StoredFormat,
    rescale_in_files: Vec<(f64, f64)>,
}

#[derive(Debug, Deserialize)]
struct StoredFormat {
    bits_stored: u32,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/external")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn expected_values(case: &Case) -> Vec<f32> {
    let bytes = std::fs::read(root().join(&case.expected)).unwrap();
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Our values, in the manifest's order (slices by position, rows, columns).
fn decoded_values(case: &Case) -> Result<Vec<f32>, String> {
    let path = root().join(&case.path);
    if !case.geometry_from_file {
        let file = decode_file(&path).map_err(|e| e.to_string())?;
        return Ok(file.frames.concat());
    }
    let scan = scan_paths(&[path], &Progress::new());
    if !scan.problems.is_empty() {
        return Err(format!("scan problems: {:?}", scan.problems));
    }
    let series: Vec<_> = scan.all_series().collect();
    let [series] = series.as_slice() else {
        return Err(format!("{} series found", series.len()));
    };
    assert_eq!(
        series.transfer_syntaxes,
        std::slice::from_ref(&case.transfer_syntax)
    );
    let volume = load_series(series, &Progress::new()).map_err(|e| e.to_string())?;
    assert_eq!(volume.dims(), case.dims, "{}", case.name);
    let g = volume.geometry();
    for a in 0..3 {
        assert!(
            (g.origin[a] - case.origin_mm[a]).abs() < 1e-3,
            "{}: origin {:?}",
            case.name,
            g.origin
        );
        assert!(
            (g.spacing[a] - case.spacing_mm[a]).abs() < 1e-4,
            "{}: spacing {:?}",
            case.name,
            g.spacing
        );
        for b in 0..3 {
            assert!(
                (g.direction[a][b] - case.direction[a][b]).abs() < 1e-6,
                "{}: direction {:?}",
                case.name,
                g.direction
            );
        }
    }
    Ok(volume.voxels().iter().copied().collect())
}

/// MONOCHROME1 is inverted on load (bright means high signal everywhere in Tandem): undo that
/// with the file's rescale to compare with the stored values the manifest gives.
fn matches_inverted(case: &Case, ours: f32, theirs: f32) -> bool {
    let max_stored = f64::from((1u32 << case.stored_format.bits_stored) - 1);
    case.rescale_in_files.iter().any(|(slope, intercept)| {
        let a = (f64::from(ours) - intercept) / slope;
        let b = (f64::from(theirs) - intercept) / slope;
        (a + b - max_stored).abs() < 1e-3
    })
}

#[test]
fn every_external_fixture_decodes_like_the_reference() {
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "the manifest lists {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let expected = expected_values(case);
        let ours = match decoded_values(case) {
            Ok(values) => values,
            Err(e) => {
                failures.push(format!("{} ({}): {e}", case.name, case.writer));
                continue;
            }
        };
        if ours.len() != expected.len() {
            failures.push(format!(
                "{}: {} values, expected {}",
                case.name,
                ours.len(),
                expected.len()
            ));
            continue;
        }
        let tolerance = case.max_abs_error + 1e-3;
        let worst = ours
            .iter()
            .zip(&expected)
            .filter(|(a, b)| {
                if case.photometric == "MONOCHROME1" {
                    !matches_inverted(case, **a, **b)
                } else {
                    f64::from((**a - **b).abs()) > tolerance
                }
            })
            .count();
        if worst > 0 {
            let max = ours
                .iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            failures.push(format!(
                "{} ({}): {worst} of {} values off (max abs diff {max}, tolerance {})",
                case.name,
                case.writer,
                ours.len(),
                case.max_abs_error
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "decode failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn files_are_ordered_by_position_not_by_name_or_instance_number() {
    // The fixtures were written in shuffled order with misleading names and Instance Numbers:
    // the first slice of the volume must be the one at the lowest position along the normal.
    let case = cases()
        .into_iter()
        .find(|c| c.name == "explicit_le")
        .unwrap();
    let scan = scan_paths(&[root().join(&case.path)], &Progress::new());
    let series = scan.all_series().next().unwrap();
    let stack = series.stack.as_ref().unwrap();
    let names: Vec<_> = stack
        .slices
        .iter()
        .map(|s| s.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_ne!(names, sorted, "fixture must not be sorted by name");
    assert!((stack.geometry.origin[2] - case.origin_mm[2]).abs() < 1e-3);
}
