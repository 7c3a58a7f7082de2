//! NIfTI label exports, read back by nibabel (installed by `scripts/setup.sh`): the shape, the
//! labels voxel for voxel, and both affines must put every voxel where our LPS geometry says,
//! on an oblique, anisotropic grid where an axis or sign mix-up cannot hide.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::process::Command;

use ndarray::Array3;
use serde_json::Value;
use tandem::pipeline::geometry::{Geometry, from_columns};
use tandem::report::nifti::write_nifti_gz;

/// nibabel's reading of `path`.
fn nibabel(path: &std::path::Path) -> Value {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/check_nifti.py");
    let output = Command::new(common::checkers::python())
        .arg(script)
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("Python could not run ({e}): run scripts/setup.sh"));
    assert!(
        output.status.success(),
        "check_nifti.py failed (if nibabel is missing, run scripts/setup.sh):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Applies a 4×4 affine (rows of JSON numbers) to an index.
fn apply(affine: &Value, ijk: [f64; 3]) -> [f64; 3] {
    let row = |r: usize| -> [f64; 4] { std::array::from_fn(|c| affine[r][c].as_f64().unwrap()) };
    std::array::from_fn(|r| {
        let m = row(r);
        m[0] * ijk[0] + m[1] * ijk[1] + m[2] * ijk[2] + m[3]
    })
}

#[test]
fn nibabel_reads_our_labels_where_our_geometry_puts_them() {
    // Oblique: rotated 20° about z and 10° about x; voxels 0.9 × 1.1 × 2.5 mm.
    let (a, b) = (20f64.to_radians(), 10f64.to_radians());
    let rz = [
        [a.cos(), -a.sin(), 0.0],
        [a.sin(), a.cos(), 0.0],
        [0.0, 0.0, 1.0],
    ];
    let rx = [
        [1.0, 0.0, 0.0],
        [0.0, b.cos(), -b.sin()],
        [0.0, b.sin(), b.cos()],
    ];
    let m: [[f64; 3]; 3] =
        std::array::from_fn(|r| std::array::from_fn(|c| (0..3).map(|k| rz[r][k] * rx[k][c]).sum()));
    let column = |c: usize| [m[0][c], m[1][c], m[2][c]];
    let geometry = Geometry {
        origin: [-91.5, 12.25, -40.0],
        spacing: [0.9, 1.1, 2.5],
        direction: from_columns(column(0), column(1), column(2)),
    };
    let mut labels = Array3::<u16>::zeros((6, 7, 9)); // [k, j, i]
    labels[(0, 0, 0)] = 1;
    labels[(5, 6, 8)] = 2;
    labels[(2, 3, 4)] = 300;
    labels[(1, 6, 0)] = 7;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.nii.gz");
    let image = tandem::pipeline::image::Image::new(labels.clone(), geometry, "test").unwrap();
    write_nifti_gz(&path, &image, "test").unwrap();

    let read = nibabel(&path);
    assert_eq!(
        read["shape"],
        serde_json::json!([9, 7, 6]),
        "NIfTI is i, j, k"
    );
    assert_eq!(read["dtype"], "uint16");
    assert_eq!(
        (read["sform_code"].as_i64(), read["qform_code"].as_i64()),
        (Some(1), Some(1))
    );
    let voxels = read["voxels"].as_array().unwrap();
    assert_eq!(voxels.len(), 4);
    for v in voxels {
        let [i, j, k, value] = std::array::from_fn(|n| v[n].as_u64().unwrap() as usize);
        assert_eq!(labels[(k, j, i)] as usize, value, "voxel ({i}, {j}, {k})");
        // Both affines map the index to our position, with LPS → RAS (x and y negated).
        let lps = geometry.index_to_mm([i as f64, j as f64, k as f64]);
        let ras = [-lps[0], -lps[1], lps[2]];
        for form in ["sform", "qform"] {
            let mm = apply(&read[form], [i as f64, j as f64, k as f64]);
            for axis in 0..3 {
                assert!(
                    (mm[axis] - ras[axis]).abs() < 1e-3,
                    "{form}: {mm:?} vs {ras:?}"
                );
            }
        }
    }
}
