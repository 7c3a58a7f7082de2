//! Why a series' frames do not make one regular volume ([`crate::dicom::Series::stack`]): one
//! variant per cause, each naming the files (and frames) involved, never the patient.

use std::fmt;
use std::path::PathBuf;

use serde::{Serialize, Serializer};

use crate::pipeline::geometry::GeometryProblem;

/// One frame as an error message names it: its file, and its frame number (from 1) when the
/// file holds several.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameName {
    pub file: PathBuf,
    /// From 1; `None` for a single-frame file.
    pub frame: Option<u32>,
}

impl fmt::Display for FrameName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.frame {
            Some(n) => write!(f, "{} (frame {n})", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// Why a series cannot be loaded as a volume.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StackProblem {
    /// No file of the series holds pixel data.
    #[error("no pixel data (not an image series)")]
    NotImages,
    /// A stack with no frames.
    #[error("no frames")]
    NoFrames,
    /// A stack whose first file holds no pixel data.
    #[error("no pixel data")]
    NoPixelData,
    /// More than one sample per pixel.
    #[error("colour images ({0} samples per pixel) are not loaded as volumes")]
    Colour(u16),
    #[error("{0} has no Image Orientation (Patient)")]
    NoOrientation(FrameName),
    /// Row and column cosines that are not two orthogonal directions.
    #[error("Image Orientation (Patient) is not two orthogonal directions")]
    Orientation,
    #[error("{0} has no valid Pixel Spacing")]
    NoPixelSpacing(FrameName),
    #[error("{0} has no Image Position (Patient)")]
    NoPosition(FrameName),
    /// `count` pairs of neighbours at the same position, e.g. `first` and `second` at `at_mm`.
    #[error(
        "{count} duplicate slice position(s), e.g. {first} and {second} both at {at_mm:.2} mm \
         along the normal (several echoes or acquisitions in one series?)"
    )]
    Duplicates {
        count: usize,
        first: FrameName,
        second: FrameName,
        at_mm: f64,
    },
    /// A gap of a whole number of slices.
    #[error(
        "{missing} missing slice(s): a gap of {gap_mm:.3} mm where the spacing is \
         {spacing_mm:.3} mm, between {first} and {second}"
    )]
    MissingSlices {
        missing: u64,
        gap_mm: f64,
        spacing_mm: f64,
        first: FrameName,
        second: FrameName,
    },
    /// A gap that is not the spacing, nor a whole number of it.
    #[error(
        "uneven slice spacing: {gap_mm:.3} mm where the rest is {spacing_mm:.3} mm, between \
         {first} and {second}"
    )]
    Uneven {
        gap_mm: f64,
        spacing_mm: f64,
        first: FrameName,
        second: FrameName,
    },
    /// A frame off the stack's axis.
    #[error(
        "{frame} is shifted {shift_mm:.2} mm in-plane from the stack's axis (sheared stack or \
         gantry tilt)"
    )]
    Sheared { frame: FrameName, shift_mm: f64 },
    /// `dims` (`[columns, rows, slices]`) beyond `limit` voxels.
    #[error(
        "{} × {} × {} voxels is beyond the {limit} voxel limit",
        .dims[0], .dims[1], .dims[2]
    )]
    TooLarge { dims: [usize; 3], limit: u64 },
    /// The geometry the frames define cannot be a real grid.
    #[error(transparent)]
    Geometry(#[from] GeometryProblem),
}

/// As its message (what `tandem info --json` has always written).
impl Serialize for StackProblem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_frames() {
        let name = |frame| FrameName {
            file: PathBuf::from("a/1.dcm"),
            frame,
        };
        assert_eq!(
            StackProblem::NoPosition(name(Some(3))).to_string(),
            "a/1.dcm (frame 3) has no Image Position (Patient)"
        );
        assert_eq!(
            StackProblem::TooLarge {
                dims: [4096, 4096, 4096],
                limit: 1 << 31
            }
            .to_string(),
            "4096 × 4096 × 4096 voxels is beyond the 2147483648 voxel limit"
        );
        assert_eq!(
            StackProblem::from(GeometryProblem::Origin).to_string(),
            "origin is not finite"
        );
        let json = serde_json::to_string(&StackProblem::NoPixelSpacing(name(None))).unwrap();
        assert_eq!(json, "\"a/1.dcm has no valid Pixel Spacing\"");
    }
}
