//! Why one frame's pixel data could not be decoded (`decode.rs`'s checks and helpers): one
//! variant per cause. It leaves `decode.rs` as the reason of an [`crate::Error::Decode`] that
//! names the file.

use super::codestream::CodestreamProblem;
use super::jpeg12::Jpeg12Error;

/// Why a frame's pixel data could not be decoded. Frame numbers count from 1.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrameProblem {
    /// The frame's own codestream header disagrees with the DICOM header, or was cut short.
    #[error("compressed frame {frame}: {problem}")]
    Codestream {
        frame: u32,
        problem: CodestreamProblem,
    },
    #[error("compressed frame {0}: it holds no data")]
    Empty(u32),
    #[error("RLE frame {0} has no fragment")]
    RleNoFragment(u32),
    #[error("RLE frame {frame} is {bytes} bytes, shorter than its 64-byte header")]
    RleShort { frame: u32, bytes: usize },
    #[error("empty RLE header")]
    RleEmptyHeader,
    /// A segment count outside 1 to 15.
    #[error("RLE frame {frame} declares {count} segments (1 to 15 are allowed)")]
    RleSegments { frame: u32, count: usize },
    /// Offsets that do not start at 64, do not rise or point past the fragment.
    #[error(
        "RLE frame {frame} has a broken segment table (offsets {offsets:?} in a fragment of \
         {bytes} bytes)"
    )]
    RleTable {
        frame: u32,
        offsets: Vec<u32>,
        bytes: usize,
    },
    /// Our 12-bit JPEG decoder refused the stream.
    #[error(transparent)]
    Jpeg12(#[from] Jpeg12Error),
    /// The JPEG decoded to another number of pixels than the header declares.
    #[error("the JPEG holds {width}×{height} pixels, the header declares {declared}")]
    JpegSize {
        width: usize,
        height: usize,
        declared: usize,
    },
    #[error("no Pixel Data element")]
    NoPixelData,
    #[error("pixel data is not encapsulated")]
    NotEncapsulated,
    #[error("no fragment for frame {0}")]
    NoFragment(u32),
    #[error("no Basic Offset Table entry")]
    NoOffsetEntry,
    #[error("no fragments for frame {0}")]
    NoFragments(u32),
    /// Fewer decoded bytes than the frame needs.
    #[error("decoded {have} bytes, expected at least {need}")]
    Short { have: usize, need: usize },
    /// A Bits Allocated the sample reader does not handle.
    #[error("{0} bits allocated")]
    Bits(u16),
}
