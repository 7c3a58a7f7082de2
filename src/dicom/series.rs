//! From the headers of a study's files to series whose frames form one regular volume.
//!
//! Frames are grouped by Series Instance UID, split into stacks of one orientation and size,
//! ordered by Image Position (Patient) projected on the slice normal (never by file name,
//! Instance Number or Slice Location), and checked: no duplicate or missing positions, even
//! spacing, no in-plane shear. What fails is kept with the reason, so the reader sees it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::header::{FileHeader, FrameHeader, PixelFormat, Rescale, SeriesFacts};
use super::stack_problem::{FrameName, StackProblem};
use crate::pipeline::geometry::{
    Geometry, Vec3, cross, dot, from_columns, norm, normalized, scale, sub,
};

/// Largest volume we agree to allocate, in voxels (8 GiB of `f32`).
pub const MAX_VOXELS: u64 = 1 << 31;

/// One frame of the volume: where to read it and how to scale it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceRef {
    pub file: PathBuf,
    pub frame: u32,
    pub rescale: Rescale,
    /// The instance the frame belongs to (derived objects such as a SEG reference it).
    pub sop_class_uid: String,
    pub sop_instance_uid: Option<String>,
}

/// A validated stack: the slices in order, and the geometry they define.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stack {
    pub geometry: Geometry,
    /// `[columns, rows, slices]`.
    pub dims: [usize; 3],
    pub slices: Vec<SliceRef>,
}

/// A series as the reader sees it: one stack of frames that share orientation and size. A
/// DICOM series with several orientations becomes several `Series` with ids `UID#1`, `UID#2`...
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// Series Instance UID, with `#n` appended when the DICOM series had to be split.
    pub id: String,
    pub facts: SeriesFacts,
    pub pixel: Option<PixelFormat>,
    pub transfer_syntaxes: Vec<String>,
    pub files: Vec<PathBuf>,
    /// The volume this series makes, or why it cannot make one.
    pub stack: Result<Stack, StackProblem>,
    /// Warnings that did not stop the series (splits, odd headers).
    pub warnings: Vec<String>,
}

impl Series {
    /// Number of frames (slices) in the series.
    pub fn frame_count(&self) -> usize {
        match &self.stack {
            Ok(stack) => stack.slices.len(),
            Err(_) => self.files.len(),
        }
    }
}

/// A frame with the file it comes from, before ordering.
#[derive(Debug, Clone)]
struct FrameRef<'a> {
    header: &'a FileHeader,
    frame: &'a FrameHeader,
}

/// Groups one study's headers into series (sorted by Series Number, then UID). Files without
/// pixel data stay with their series (as a warning), so nothing is dropped silently.
pub fn build_series(headers: Vec<FileHeader>) -> Vec<Series> {
    let mut by_uid: BTreeMap<String, Vec<FileHeader>> = BTreeMap::new();
    for header in headers {
        by_uid
            .entry(header.facts.series_uid.clone())
            .or_default()
            .push(header);
    }
    let mut all = Vec::new();
    for (uid, files) in &by_uid {
        all.extend(series_of(uid, files));
    }
    all.sort_by(|a, b| (a.facts.series_number, &a.id).cmp(&(b.facts.series_number, &b.id)));
    all
}

/// The stacks of one DICOM series.
fn series_of(uid: &str, files: &[FileHeader]) -> Vec<Series> {
    let Some(first) = files.first() else {
        return Vec::new();
    };
    let mut stacks: BTreeMap<String, Vec<FrameRef<'_>>> = BTreeMap::new();
    let mut no_pixels = Vec::new();
    for header in files {
        if header.pixel.is_none() {
            no_pixels.push(header.path.clone());
            continue;
        }
        for frame in &header.frames {
            stacks
                .entry(stack_key(header, frame))
                .or_default()
                .push(FrameRef { header, frame });
        }
    }
    let mut out = Vec::new();
    if stacks.is_empty() {
        out.push(Series {
            id: uid.to_owned(),
            facts: first.facts.clone(),
            pixel: None,
            transfer_syntaxes: syntaxes(files.iter()),
            files: no_pixels,
            stack: Err(StackProblem::NotImages),
            warnings: Vec::new(),
        });
        return out;
    }
    let split = stacks.len() > 1;
    for (n, frames) in stacks.into_values().enumerate() {
        let mut warnings = Vec::new();
        if split {
            warnings.push(
                "split from a series whose frames differ in orientation, size or spacing".into(),
            );
        }
        if !no_pixels.is_empty() {
            warnings.push(format!(
                "{} file(s) without pixel data ignored",
                no_pixels.len()
            ));
        }
        let mut paths: Vec<PathBuf> = frames.iter().map(|f| f.header.path.clone()).collect();
        paths.dedup();
        let headers = frames.iter().map(|f| f.header);
        let pixel = frames.first().and_then(|f| f.header.pixel.clone());
        let id = if split {
            format!("{uid}#{}", n + 1)
        } else {
            uid.to_owned()
        };
        out.push(Series {
            stack: plan_stack(&frames),
            transfer_syntaxes: syntaxes(headers),
            facts: frames
                .first()
                .map_or_else(|| first.facts.clone(), |f| f.header.facts.clone()),
            id,
            pixel,
            files: paths,
            warnings,
        });
    }
    out
}

fn syntaxes<'a>(headers: impl Iterator<Item = &'a FileHeader>) -> Vec<String> {
    let mut list: Vec<String> = headers.map(|h| h.transfer_syntax.clone()).collect();
    list.sort();
    list.dedup();
    list
}

/// Frames that can share a volume share this key: pixel layout, orientation and spacing.
fn stack_key(header: &FileHeader, frame: &FrameHeader) -> String {
    let round = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{:.3}", x + 0.0))
            .collect::<Vec<_>>()
            .join(",")
    };
    let pixel = header.pixel.as_ref();
    format!(
        "{:?}|{:?}|{}|{}",
        pixel.map(|p| (p.rows, p.columns, p.samples_per_pixel)),
        pixel.map(|p| &p.photometric),
        frame.orientation.map_or("none".into(), |o| round(&o)),
        frame.pixel_spacing.map_or("none".into(), |s| round(&s)),
    )
}

/// Orders frames along the slice normal and checks they form one regular grid.
fn plan_stack(frames: &[FrameRef<'_>]) -> Result<Stack, StackProblem> {
    let first = frames.first().ok_or(StackProblem::NoFrames)?;
    let pixel = first
        .header
        .pixel
        .as_ref()
        .ok_or(StackProblem::NoPixelData)?;
    if pixel.samples_per_pixel != 1 {
        return Err(StackProblem::Colour(pixel.samples_per_pixel));
    }
    let iop = first
        .frame
        .orientation
        .ok_or_else(|| StackProblem::NoOrientation(name(first)))?;
    let (row, col) = orientation_axes(iop)?;
    let normal = cross(row, col);
    let spacing = first
        .frame
        .pixel_spacing
        .filter(|s| s.iter().all(|v| *v > 0.0))
        .ok_or_else(|| StackProblem::NoPixelSpacing(name(first)))?;

    let mut placed = Vec::with_capacity(frames.len());
    for frame in frames {
        let position = frame
            .frame
            .position
            .ok_or_else(|| StackProblem::NoPosition(name(frame)))?;
        placed.push((dot(position, normal), position, frame));
    }
    placed.sort_by(|a, b| a.0.total_cmp(&b.0));

    let slice_spacing = check_spacing(&placed, normal, first)?;
    let (_, origin, _) = placed.first().ok_or(StackProblem::NoFrames)?;
    let dims = [pixel.columns as usize, pixel.rows as usize, placed.len()];
    let voxels = dims.iter().map(|d| *d as u64).product::<u64>();
    if voxels > MAX_VOXELS {
        return Err(StackProblem::TooLarge {
            dims,
            limit: MAX_VOXELS,
        });
    }
    let geometry = Geometry {
        origin: *origin,
        spacing: [spacing[1], spacing[0], slice_spacing],
        direction: from_columns(row, col, normal),
    };
    geometry.validate()?;
    Ok(Stack {
        geometry,
        dims,
        slices: placed
            .iter()
            .map(|(_, _, f)| SliceRef {
                file: f.header.path.clone(),
                frame: f.frame.frame,
                rescale: f.frame.rescale,
                sop_class_uid: f.header.sop_class_uid.clone(),
                sop_instance_uid: f.header.sop_instance_uid.clone(),
            })
            .collect(),
    })
}

/// How messages name a frame: its file, and its number when the file holds several.
fn name(f: &FrameRef<'_>) -> FrameName {
    FrameName {
        file: f.header.path.clone(),
        frame: (f.header.frames.len() > 1).then_some(f.frame.frame + 1),
    }
}

/// Row and column direction cosines, checked to be orthogonal unit vectors (after
/// normalising the small rounding errors scanners write).
fn orientation_axes(iop: [f64; 6]) -> Result<(Vec3, Vec3), StackProblem> {
    let bad = StackProblem::Orientation;
    let row = normalized([iop[0], iop[1], iop[2]]).ok_or(bad.clone())?;
    let col = normalized([iop[3], iop[4], iop[5]]).ok_or(bad.clone())?;
    if dot(row, col).abs() > 1e-3 {
        return Err(bad);
    }
    // Re-orthogonalise the column so the direction matrix is orthonormal to rounding.
    let col = normalized(sub(col, scale(row, dot(row, col)))).ok_or(bad)?;
    Ok((row, col))
}

/// Slice spacing from the sorted positions; refuses duplicates, gaps, uneven steps and shear.
fn check_spacing<'a>(
    placed: &[(f64, Vec3, &'a FrameRef<'a>)],
    normal: Vec3,
    first: &FrameRef<'_>,
) -> Result<f64, StackProblem> {
    let [(d0, p0, _), .., (dn, _, _)] = placed else {
        // A single slice: its thickness is the best guess of its extent.
        return Ok(first
            .header
            .facts
            .slice_thickness_mm
            .filter(|t| *t > 0.0)
            .unwrap_or(1.0));
    };
    let gaps: Vec<f64> = placed.windows(2).map(|w| w[1].0 - w[0].0).collect();
    for (w, gap) in placed.windows(2).zip(&gaps) {
        if *gap < 0.01 {
            let count = placed.windows(2).filter(|w| w[1].0 - w[0].0 < 0.01).count();
            return Err(StackProblem::Duplicates {
                count,
                first: name(w[0].2),
                second: name(w[1].2),
                at_mm: w[0].0,
            });
        }
    }
    let mean = (dn - d0) / gaps.len() as f64;
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(mean);
    let tolerance = (0.01 * median).max(0.005);
    for (w, gap) in placed.windows(2).zip(&gaps) {
        if (gap - median).abs() > tolerance {
            let ratio = gap / median;
            let (first, second) = (name(w[0].2), name(w[1].2));
            return Err(
                if (ratio - ratio.round()).abs() < 0.05 && ratio.round() >= 2.0 {
                    StackProblem::MissingSlices {
                        missing: ratio.round() as u64 - 1,
                        gap_mm: *gap,
                        spacing_mm: median,
                        first,
                        second,
                    }
                } else {
                    StackProblem::Uneven {
                        gap_mm: *gap,
                        spacing_mm: median,
                        first,
                        second,
                    }
                },
            );
        }
    }
    for (d, p, frame) in placed {
        let in_plane = sub(sub(*p, *p0), scale(normal, d - d0));
        if norm(in_plane) > 0.05 + 0.01 * median {
            return Err(StackProblem::Sheared {
                frame: name(frame),
                shift_mm: norm(in_plane),
            });
        }
    }
    Ok(mean)
}
