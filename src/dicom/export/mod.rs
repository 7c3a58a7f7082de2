//! Writing what the reader found as standard DICOM objects other software can open.
//!
//! | file | job |
//! |---|---|
//! | `seg.rs` | the public SEG writer: segments, their codes and who made them, options, UIDs, the file |
//! | `checks.rs` | what is refused before writing: bad sources, mismatched labels, bad strings |
//! | `dataset.rs` | the Segmentation IOD's modules and functional groups as one data set |
//! | `frames.rs` | which (segment, slice) frames exist, and their 1-bit packed pixel data |
//! | `elements.rs` | data set building helpers: typed puts, codes, Decimal Strings, UIDs |

mod checks;
mod dataset;
pub(crate) mod elements;
mod frames;
pub mod seg;

pub use elements::Code;
pub use seg::{SegOptions, SegmentAlgorithm, SegmentKind, SegmentSpec, write_segmentation};
