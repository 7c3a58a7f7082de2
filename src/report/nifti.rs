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
}
