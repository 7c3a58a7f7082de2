//! Reading a DICOM Segmentation (ours or another tool's) onto a grid: every marked pixel of
//! every frame is put, by its patient position, on the nearest voxel of the grid. Binary
//! (1-bit, frames packed back to back) and fractional (8-bit, > half = in) segmentations.
//!
//! Used to score marks exported by other tools (3D Slicer, OHIF) against a reference.

use std::path::Path;

use dicom_dictionary_std::tags;
use ndarray::Array3;

use super::attrs::{DataSet, fixed, in_groups, int, items, text};
use crate::error::{Error, Result};
use crate::pipeline::geometry::{Geometry, Vec3, add, scale};

const SEGMENTATION_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.66.4";

/// The marked voxels of every segment of the SEG at `path`, on `geometry`'s grid of `dims`
/// (`[i, j, k]`); pixels whose position falls outside the grid are dropped.
pub fn rasterise_segmentation(
    path: &Path,
    geometry: &Geometry,
    dims: [usize; 3],
) -> Result<Array3<bool>> {
    let bad = |problem: String| Error::Format {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = super::file_bytes::read_checked(path)?;
    let obj = super::file_bytes::parse(&bytes, false).map_err(|e| Error::NotDicom {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if text(&obj, tags::SOP_CLASS_UID).as_deref() != Some(SEGMENTATION_STORAGE) {
        return Err(bad("not a DICOM Segmentation".into()));
    }
    let rows = int(&obj, tags::ROWS).unwrap_or(0).max(0) as usize;
    let columns = int(&obj, tags::COLUMNS).unwrap_or(0).max(0) as usize;
    let frames = int(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(0) as usize;
    let bits = int(&obj, tags::BITS_ALLOCATED).unwrap_or(1);
    if rows == 0 || columns == 0 || rows > 16_384 || columns > 16_384 || frames > 65_536 {
        return Err(bad(format!(
            "{rows} × {columns} pixels, {frames} frames is not a segmentation we read"
        )));
    }
    let data = obj
        .element(tags::PIXEL_DATA)
        .map_err(|_| bad("has no pixel data".into()))?
        .to_bytes()
        .map_err(|e| bad(format!("pixel data unreadable: {e}")))?;
    let per_frame_px = rows * columns;
    let needed = match bits {
        1 => (per_frame_px * frames).div_ceil(8),
        8 => per_frame_px * frames,
        other => return Err(bad(format!("{other}-bit segmentation frames are not read"))),
    };
    if data.len() < needed {
        return Err(bad(format!(
            "pixel data holds {} bytes, {needed} are needed",
            data.len()
        )));
    }
    let shared = items(&obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE).first();
    let per_frame = items(&obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let mut out = Array3::from_elem((dims[2], dims[1], dims[0]), false);
    for f in 0..frames {
        let groups: [Option<&DataSet>; 2] = [per_frame.get(f), shared];
        let iop = in_groups(&groups, tags::PLANE_ORIENTATION_SEQUENCE, |g| {
            fixed::<6>(g, tags::IMAGE_ORIENTATION_PATIENT)
        })
        .ok_or_else(|| bad(format!("frame {} has no orientation", f + 1)))?;
        let ipp = in_groups(&groups, tags::PLANE_POSITION_SEQUENCE, |g| {
            fixed::<3>(g, tags::IMAGE_POSITION_PATIENT)
        })
        .ok_or_else(|| bad(format!("frame {} has no position", f + 1)))?;
        let spacing = in_groups(&groups, tags::PIXEL_MEASURES_SEQUENCE, |g| {
            fixed::<2>(g, tags::PIXEL_SPACING)
        })
        .ok_or_else(|| bad(format!("frame {} has no pixel spacing", f + 1)))?;
        let row_dir: Vec3 = [iop[0], iop[1], iop[2]];
        let col_dir: Vec3 = [iop[3], iop[4], iop[5]];
        for r in 0..rows {
            for c in 0..columns {
                let n = f * per_frame_px + r * columns + c;
                let on = match bits {
                    1 => data.get(n / 8).is_some_and(|b| b >> (n % 8) & 1 == 1),
                    _ => data.get(n).is_some_and(|b| *b > 127),
                };
                if !on {
                    continue;
                }
                // Pixel Spacing is (row spacing, column spacing).
                let mm = add(
                    ipp,
                    add(
                        scale(row_dir, c as f64 * spacing[1]),
                        scale(col_dir, r as f64 * spacing[0]),
                    ),
                );
                let index = geometry.mm_to_index(mm).map(f64::round);
                if index
                    .iter()
                    .zip(dims)
                    .all(|(v, d)| *v >= 0.0 && *v < d as f64)
                    && let Some(v) =
                        out.get_mut((index[2] as usize, index[1] as usize, index[0] as usize))
                {
                    *v = true;
                }
            }
        }
    }
    Ok(out)
}
