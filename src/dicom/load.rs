//! A validated stack → a [`Volume`]: files decoded in parallel (rayon), each frame written
//! straight into its slot of the one `f32` array, so peak memory stays close to the volume.

use std::collections::BTreeMap;
use std::path::Path;

use dicom_object::DefaultDicomObject;
use ndarray::{Array3, ArrayViewMut2, Axis};
use rayon::prelude::*;

use super::decode::decode_frame;
use super::header::{FileHeader, header_from_dataset, trim_uid};
use super::series::{MAX_VOXELS, Series, SliceRef, Stack};
use crate::error::{Error, Result};
use crate::pipeline::volume::Volume;
use crate::progress::Progress;

/// Loads a series into a volume; `progress` counts frames and can cancel.
pub fn load_series(series: &Series, progress: &Progress) -> Result<Volume> {
    let stack = series
        .stack
        .as_ref()
        .map_err(|problem| Error::InconsistentSeries {
            series_uid: series.id.clone(),
            problem: problem.to_string(),
        })?;
    load_stack(&series.id, stack, progress)
}

/// Loads the frames of `stack` in order. `id` names the series in errors.
pub fn load_stack(id: &str, stack: &Stack, progress: &Progress) -> Result<Volume> {
    let [columns, rows, slices] = stack.dims;
    let voxels = (columns as u64) * (rows as u64) * (slices as u64);
    if voxels > MAX_VOXELS || slices != stack.slices.len() {
        return Err(Error::Limits {
            subject: format!("series {id}"),
            problem: format!("{columns} × {rows} × {slices} voxels"),
        });
    }
    progress.add_total(slices);
    let mut volume = Array3::<f32>::zeros((slices, rows, columns));
    let mut by_file: BTreeMap<&Path, Vec<(ArrayViewMut2<'_, f32>, &SliceRef)>> = BTreeMap::new();
    for (view, slice) in volume.axis_iter_mut(Axis(0)).zip(&stack.slices) {
        by_file
            .entry(slice.file.as_path())
            .or_default()
            .push((view, slice));
    }
    let jobs: Vec<_> = by_file.into_iter().collect();
    jobs.into_par_iter()
        .try_for_each(|(path, frames)| load_file(path, frames, [columns, rows], progress))?;
    Volume::new(volume, stack.geometry, &format!("series {id}"))
}

/// Parses a whole file, pixel data included. A file whose header reads but whose body does not
/// has pixel data shorter than its header declares: said so, rather than "not DICOM".
fn open_with_pixels(path: &Path) -> Result<(DefaultDicomObject, FileHeader)> {
    let bytes = super::file_bytes::read_checked(path)?;
    let file_len = bytes.len() as u64;
    let obj = match super::file_bytes::parse(&bytes, false) {
        Ok(obj) => obj,
        Err(e) => {
            let header_reads = super::file_bytes::parse(&bytes, true).is_ok();
            return Err(if header_reads {
                Error::Limits {
                    subject: path.display().to_string(),
                    problem: format!("pixel data shorter than declared (the file ends early: {e})"),
                }
            } else {
                Error::NotDicom {
                    path: path.to_owned(),
                    reason: e.to_string(),
                }
            });
        }
    };
    let header = header_from_dataset(
        path,
        &obj,
        trim_uid(&obj.meta().media_storage_sop_class_uid),
        trim_uid(&obj.meta().transfer_syntax),
        file_len,
    )?;
    Ok((obj, header))
}

/// Decodes the listed frames of one file into their slots.
fn load_file(
    path: &Path,
    frames: Vec<(ArrayViewMut2<'_, f32>, &SliceRef)>,
    [columns, rows]: [usize; 2],
    progress: &Progress,
) -> Result<()> {
    progress.check()?;
    let (obj, header) = open_with_pixels(path)?;
    let pixel = header.pixel.ok_or_else(|| Error::Decode {
        path: path.to_owned(),
        reason: "the file no longer has pixel data".into(),
    })?;
    if (pixel.columns as usize, pixel.rows as usize) != (columns, rows) {
        return Err(Error::InconsistentSeries {
            series_uid: header.facts.series_uid,
            problem: format!(
                "{} is {}×{}, the series {columns}×{rows} (changed since the scan?)",
                path.display(),
                pixel.columns,
                pixel.rows
            ),
        });
    }
    frames.into_par_iter().try_for_each(|(mut view, slice)| {
        progress.check()?;
        let out = view.as_slice_mut().ok_or_else(|| Error::Decode {
            path: path.to_owned(),
            reason: "internal: slice not contiguous".into(),
        })?;
        decode_frame(path, &obj, &pixel, slice.frame, slice.rescale, out)?;
        progress.advance(1);
        Ok(())
    })
}

/// Every frame of one file, decoded in file order, with no geometry: for files that are not
/// part of a volume (or to check a decoder against another tool's).
#[derive(Debug, Clone)]
pub struct DecodedFile {
    pub columns: usize,
    pub rows: usize,
    /// One `rows × columns` buffer per frame, rescaled.
    pub frames: Vec<Vec<f32>>,
}

/// Decodes every frame of `path` (frames in parallel).
pub fn decode_file(path: &Path) -> Result<DecodedFile> {
    let (obj, header) = open_with_pixels(path)?;
    let pixel = header.pixel.as_ref().ok_or_else(|| Error::Decode {
        path: path.to_owned(),
        reason: "no pixel data".into(),
    })?;
    let (columns, rows) = (pixel.columns as usize, pixel.rows as usize);
    let frames = header
        .frames
        .par_iter()
        .map(|frame| {
            let mut out = vec![0.0f32; columns * rows];
            decode_frame(path, &obj, pixel, frame.frame, frame.rescale, &mut out)?;
            Ok(out)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DecodedFile {
        columns,
        rows,
        frames,
    })
}
