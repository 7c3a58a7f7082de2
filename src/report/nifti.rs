//! NIfTI-1 export of label volumes (`.nii.gz`) for research tools (FSL, ITK-SNAP, nibabel).
//! NIfTI is RAS+ where DICOM is LPS+: the affine flips x and y. Both the sform and the qform
//! are written (code 1, scanner space), so tools that read either agree.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use ndarray::Array3;

use crate::error::{Error, Result};
use crate::geometry::Geometry;

const HEADER: usize = 348;
/// Header plus the four-byte "no extension" flag.
const VOX_OFFSET: usize = 352;
const DT_UINT16: i16 = 512;

/// The NIfTI file's bytes (uncompressed) for `labels` (`[k, j, i]`) on `geometry`.
pub fn nifti_bytes(labels: &Array3<u16>, geometry: &Geometry, description: &str) -> Vec<u8> {
    let (nk, nj, ni) = labels.dim();
    let mut h = vec![0u8; VOX_OFFSET];
    let put_i16 =
        |h: &mut Vec<u8>, at: usize, v: i16| h[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put_f32 =
        |h: &mut Vec<u8>, at: usize, v: f32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    h[0..4].copy_from_slice(&(HEADER as i32).to_le_bytes());
    let clamp = |n: usize| i16::try_from(n).unwrap_or(i16::MAX);
    for (n, d) in [3, clamp(ni), clamp(nj), clamp(nk), 1, 1, 1, 1]
        .into_iter()
        .enumerate()
    {
        put_i16(&mut h, 40 + 2 * n, d);
    }
    put_i16(&mut h, 70, DT_UINT16);
    put_i16(&mut h, 72, 16);
    // RAS rotation (columns = index axes) and its handedness.
    let d = geometry.direction;
    let ras = |row: usize, col: usize| if row < 2 { -d[row][col] } else { d[row][col] };
    let mut r = [[0.0f64; 3]; 3];
    for (row, r_row) in r.iter_mut().enumerate() {
        for (col, v) in r_row.iter_mut().enumerate() {
            *v = ras(row, col);
        }
    }
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    if qfac < 0.0 {
        for row in &mut r {
            row[2] = -row[2];
        }
    }
    let s = geometry.spacing;
    for (n, v) in [qfac, s[0], s[1], s[2], 0.0, 0.0, 0.0, 0.0]
        .into_iter()
        .enumerate()
    {
        put_f32(&mut h, 76 + 4 * n, v as f32);
    }
    put_f32(&mut h, 108, VOX_OFFSET as f32);
    put_f32(&mut h, 112, 1.0); // scl_slope
    h[123] = 2; // xyzt_units: mm
    let text = description.as_bytes();
    let n = text.len().min(79);
    h[148..148 + n].copy_from_slice(&text[..n]);
    put_i16(&mut h, 252, 1); // qform_code: scanner
    put_i16(&mut h, 254, 1); // sform_code: scanner
    let [b, c, dq] = quaternion_bcd(&r);
    let o = geometry.origin;
    for (n, v) in [b, c, dq, -o[0], -o[1], o[2]].into_iter().enumerate() {
        put_f32(&mut h, 256 + 4 * n, v as f32);
    }
    for (row, o_row) in o.iter().enumerate() {
        let origin = if row < 2 { -o_row } else { *o_row };
        let values = [
            ras(row, 0) * s[0],
            ras(row, 1) * s[1],
            ras(row, 2) * s[2],
            origin,
        ];
        for (n, v) in values.into_iter().enumerate() {
            put_f32(&mut h, 280 + 16 * row + 4 * n, v as f32);
        }
    }
    h[328..334].copy_from_slice(b"labels");
    h[344..348].copy_from_slice(b"n+1\0");
    h.reserve(labels.len() * 2);
    for v in labels {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h
}

/// Quaternion (b, c, d) of a proper rotation, with a = sqrt(1 − b² − c² − d²) ≥ 0 implied.
fn quaternion_bcd(r: &[[f64; 3]; 3]) -> [f64; 3] {
    let trace = r[0][0] + r[1][1] + r[2][2];
    let (a, b, c, d);
    if trace > 0.0 {
        let s = (trace + 1.0).sqrt() * 2.0;
        a = 0.25 * s;
        b = (r[2][1] - r[1][2]) / s;
        c = (r[0][2] - r[2][0]) / s;
        d = (r[1][0] - r[0][1]) / s;
    } else if r[0][0] > r[1][1] && r[0][0] > r[2][2] {
        let s = (1.0 + r[0][0] - r[1][1] - r[2][2]).sqrt() * 2.0;
        a = (r[2][1] - r[1][2]) / s;
        b = 0.25 * s;
        c = (r[0][1] + r[1][0]) / s;
        d = (r[0][2] + r[2][0]) / s;
    } else if r[1][1] > r[2][2] {
        let s = (1.0 + r[1][1] - r[0][0] - r[2][2]).sqrt() * 2.0;
        a = (r[0][2] - r[2][0]) / s;
        b = (r[0][1] + r[1][0]) / s;
        c = 0.25 * s;
        d = (r[1][2] + r[2][1]) / s;
    } else {
        let s = (1.0 + r[2][2] - r[0][0] - r[1][1]).sqrt() * 2.0;
        a = (r[1][0] - r[0][1]) / s;
        b = (r[0][2] + r[2][0]) / s;
        c = (r[1][2] + r[2][1]) / s;
        d = 0.25 * s;
    }
    // NIfTI wants a ≥ 0; (a, b, c, d) and its negative are the same rotation.
    if a < 0.0 { [-b, -c, -d] } else { [b, c, d] }
}

/// Writes `labels` as a gzipped NIfTI-1 file, atomically.
pub fn write_nifti_gz(
    path: &Path,
    labels: &Array3<u16>,
    geometry: &Geometry,
    description: &str,
) -> Result<()> {
    let raw = nifti_bytes(labels, geometry, description);
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    let bytes = gz
        .write_all(&raw)
        .and_then(|()| gz.finish())
        .map_err(|e| Error::io(path, e))?;
    crate::fsutil::write_atomic(path, &bytes)
}

/// A NIfTI-1 label map read back: labels (`[k, j, i]`) and the grid in patient LPS.
#[derive(Debug)]
pub struct NiftiLabels {
    pub labels: Array3<u32>,
    pub geometry: Geometry,
}

/// Reads a NIfTI-1 file (`.nii` or `.nii.gz`) of integer or float labels (non-zero = lesion,
/// rounded), with its grid from the sform (else the qform, else the voxel sizes alone).
/// Refuses what it cannot read with a message naming the file.
pub fn read_nifti(path: &Path) -> Result<NiftiLabels> {
    let bad = |problem: String| Error::Format {
        path: path.to_path_buf(),
        problem,
    };
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(raw.as_slice()), &mut out)
            .map_err(|e| bad(format!("not a readable gzip file: {e}")))?;
        out
    } else {
        raw
    };
    let header = bytes
        .get(..HEADER)
        .ok_or_else(|| bad("shorter than a NIfTI header".into()))?;
    let i32_at = |at: usize| {
        header
            .get(at..at + 4)
            .map_or(0, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let i16_at = |at: usize| {
        header
            .get(at..at + 2)
            .map_or(0, |b| i16::from_le_bytes([b[0], b[1]]))
    };
    let f32_at = |at: usize| {
        header
            .get(at..at + 4)
            .map_or(0.0, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if i32_at(0) != HEADER as i32 {
        return Err(bad(
            "not a little-endian NIfTI-1 file (sizeof_hdr is not 348)".into(),
        ));
    }
    if header.get(344..347) != Some(b"n+1".as_slice()) {
        return Err(bad("not a single-file NIfTI-1 (.nii) image".into()));
    }
    let rank = i16_at(40);
    let dims: Vec<usize> = (1..=3)
        .map(|n| i16_at(40 + 2 * n).max(1) as usize)
        .collect();
    if !(1..=4).contains(&rank) || (rank == 4 && i16_at(48) > 1) {
        return Err(bad(format!(
            "a {rank}-dimensional image; a 3D label map is needed"
        )));
    }
    let [ni, nj, nk] = [dims[0], dims[1], dims[2]];
    let count = ni
        .checked_mul(nj)
        .and_then(|n| n.checked_mul(nk))
        .filter(|n| (*n as u64) <= crate::dicom::series::MAX_VOXELS)
        .ok_or_else(|| bad(format!("{ni} × {nj} × {nk} voxels is beyond the limit")))?;
    let datatype = i16_at(70);
    let width = match datatype {
        2 | 256 => 1,
        4 | 512 => 2,
        8 | 16 | 768 => 4,
        64 => 8,
        other => return Err(bad(format!("voxel type {other} is not a label type"))),
    };
    let offset = (f32_at(108).max(VOX_OFFSET as f32)) as usize;
    let data = bytes
        .get(offset..offset + count * width)
        .ok_or_else(|| bad(format!("holds fewer than its {count} voxels")))?;
    let value = |c: &[u8]| -> u32 {
        let v = match datatype {
            2 => f64::from(c[0]),
            256 => f64::from(c[0] as i8),
            4 => f64::from(i16::from_le_bytes([c[0], c[1]])),
            512 => f64::from(u16::from_le_bytes([c[0], c[1]])),
            8 => f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            768 => f64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            16 => f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        };
        if v.is_finite() && v > 0.0 {
            v.round().min(f64::from(u32::MAX)) as u32
        } else {
            0
        }
    };
    let values: Vec<u32> = data.chunks_exact(width).map(value).collect();
    let labels = Array3::from_shape_vec((nk, nj, ni), values)
        .map_err(|e| bad(format!("voxels do not fit the grid: {e}")))?;
    // The affine in RAS: rows of the sform, else the qform's rotation, scaled.
    let pixdim = [f32_at(80), f32_at(84), f32_at(88)].map(|v| f64::from(v.abs()).max(1e-6));
    let affine: [[f64; 4]; 3] = if i16_at(254) > 0 {
        std::array::from_fn(|r| std::array::from_fn(|c| f64::from(f32_at(280 + 16 * r + 4 * c))))
    } else if i16_at(252) > 0 {
        let (b, c, d) = (
            f64::from(f32_at(256)),
            f64::from(f32_at(260)),
            f64::from(f32_at(264)),
        );
        let a = (1.0 - b * b - c * c - d * d).max(0.0).sqrt();
        let qfac = if f32_at(76) < 0.0 { -1.0 } else { 1.0 };
        let rot = [
            [
                a * a + b * b - c * c - d * d,
                2.0 * (b * c - a * d),
                2.0 * (b * d + a * c),
            ],
            [
                2.0 * (b * c + a * d),
                a * a + c * c - b * b - d * d,
                2.0 * (c * d - a * b),
            ],
            [
                2.0 * (b * d - a * c),
                2.0 * (c * d + a * b),
                a * a + d * d - c * c - b * b,
            ],
        ];
        let offset = [f32_at(268), f32_at(272), f32_at(276)].map(f64::from);
        std::array::from_fn(|r| {
            let s = [pixdim[0], pixdim[1], pixdim[2] * qfac];
            [
                rot[r][0] * s[0],
                rot[r][1] * s[1],
                rot[r][2] * s[2],
                offset[r],
            ]
        })
    } else {
        std::array::from_fn(|r| std::array::from_fn(|c| if r == c { pixdim[r] } else { 0.0 }))
    };
    // RAS → LPS: x and y change sign.
    let lps = |r: usize, v: f64| if r < 2 { -v } else { v };
    let column = |c: usize| -> [f64; 3] { std::array::from_fn(|r| lps(r, affine[r][c])) };
    let spacing: [f64; 3] = std::array::from_fn(|c| crate::geometry::norm(column(c)));
    let unit = |c: usize| column(c).map(|v| v / spacing[c].max(1e-12));
    let geometry = Geometry {
        origin: std::array::from_fn(|r| lps(r, affine[r][3])),
        spacing,
        direction: crate::geometry::from_columns(unit(0), unit(1), unit(2)),
    };
    geometry
        .validate()
        .map_err(|e| bad(format!("its affine is not a rigid grid: {e}")))?;
    Ok(NiftiLabels { labels, geometry })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_and_affine_in_ras() {
        let geometry = Geometry::axis_aligned([10.0, 20.0, 30.0], [0.5, 0.5, 2.0]);
        let mut labels = Array3::<u16>::zeros((3, 4, 5));
        labels[(2, 3, 4)] = 7;
        let bytes = nifti_bytes(&labels, &geometry, "test");
        let i16_at = |at: usize| i16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let f32_at = |at: usize| {
            f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        assert_eq!(bytes.len(), 352 + 3 * 4 * 5 * 2);
        assert_eq!((i16_at(42), i16_at(44), i16_at(46)), (5, 4, 3));
        assert_eq!(&bytes[344..348], b"n+1\0");
        // srow_x = [-0.5, 0, 0, -10]; srow_z = [0, 0, 2, 30].
        assert_eq!(
            [f32_at(280), f32_at(284), f32_at(288), f32_at(292)],
            [-0.5, 0.0, 0.0, -10.0]
        );
        assert_eq!(
            [f32_at(312), f32_at(316), f32_at(320), f32_at(324)],
            [0.0, 0.0, 2.0, 30.0]
        );
        // LPS identity is a 180° turn about z in RAS: quaternion (0, 0, 0, 1).
        assert_eq!([f32_at(256), f32_at(260), f32_at(264)], [0.0, 0.0, 1.0]);
        // The last voxel is the 7.
        assert_eq!(&bytes[bytes.len() - 2..], &7u16.to_le_bytes());
    }

    #[test]
    fn read_back_what_was_written_on_an_oblique_grid() {
        let (a, c) = (0.3f64, 0.2f64);
        let geometry = Geometry {
            origin: [12.0, -40.5, 7.25],
            spacing: [0.8, 1.2, 3.0],
            direction: crate::geometry::from_columns(
                [a.cos(), a.sin(), 0.0],
                [-a.sin() * c.cos(), a.cos() * c.cos(), c.sin()],
                crate::geometry::cross(
                    [a.cos(), a.sin(), 0.0],
                    [-a.sin() * c.cos(), a.cos() * c.cos(), c.sin()],
                ),
            ),
        };
        let mut labels = Array3::<u16>::zeros((4, 5, 6));
        labels[(3, 4, 5)] = 9;
        labels[(1, 2, 0)] = 2;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.nii.gz");
        write_nifti_gz(&path, &labels, &geometry, "t").unwrap();
        let read = read_nifti(&path).unwrap();
        assert_eq!(read.labels, labels.mapv(u32::from));
        for n in 0..3 {
            assert!((read.geometry.origin[n] - geometry.origin[n]).abs() < 1e-4);
            assert!((read.geometry.spacing[n] - geometry.spacing[n]).abs() < 1e-5);
            for m in 0..3 {
                assert!((read.geometry.direction[n][m] - geometry.direction[n][m]).abs() < 1e-5);
            }
        }
        // Not NIfTI, truncated: errors naming the file, no panic.
        std::fs::write(&path, b"hello").unwrap();
        assert!(
            read_nifti(&path)
                .unwrap_err()
                .to_string()
                .contains("x.nii.gz")
        );
        let mut raw = nifti_bytes(&labels, &geometry, "t");
        raw.truncate(400);
        std::fs::write(&path, raw).unwrap();
        assert!(
            read_nifti(&path)
                .unwrap_err()
                .to_string()
                .contains("fewer than")
        );
    }
}
