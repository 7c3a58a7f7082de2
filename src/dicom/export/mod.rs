//! Writing what the reader found as standard DICOM objects other software can open.
//!
//! | file | job |
//! |---|---|
//! | `seg.rs` | the public SEG writer: checks, data set, file meta, the atomic write |
//! | `segments.rs` | what goes in: segments, their codes and who made them, series options |
//! | `uids.rs` | the UIDs the object introduces, derived from what they identify |
//! | `checks.rs` | what is refused before writing: bad sources, mismatched labels, bad strings |
//! | `dataset.rs` | the Segmentation IOD's modules and functional groups as one data set |
//! | `frames.rs` | which (segment, slice) frames exist, and their 1-bit packed pixel data |
//! | `elements.rs` | data set building helpers: typed puts, codes, Decimal Strings, UIDs |

mod checks;
mod dataset;
pub(crate) mod elements;
mod frames;
pub mod seg;
mod segments;
mod uids;

pub use elements::Code;
pub use seg::{SegOptions, SegmentAlgorithm, SegmentKind, SegmentSpec, write_segmentation};
