//! Reading DICOM: scanning folders into series, turning a series into a [`crate::Volume`].
//!
//! | file | job |
//! |---|---|
//! | `scan.rs` | folders and DICOMDIRs → patient / study / series index (headers only) |
//! | `file_bytes.rs` | a file's bytes read once, only through its Pixel Data, checked, parsed from memory |
//! | `guard.rs` | a header walk before dicom-rs: lengths, VRs and items that would make it allocate or run past the file |
//! | `header.rs` | one file's header → pixel layout, per-frame geometry and rescale |
//! | `series.rs` | a study's headers → ordered, validated stacks |
//! | `stack_problem.rs` | `StackProblem`: why a series' frames make no volume, one variant per cause |
//! | `load.rs` | a stack → `Volume`, decoding in parallel |
//! | `decode.rs` | one frame's pixel data → `f32` values |
//! | `codestream.rs` | a compressed frame's own header (size, end marker) checked before a codec |
//! | `frame_problem.rs` | `FrameProblem`: why a frame's pixel data could not be decoded |
//! | `jpeg12/` | 12-bit JPEG extended, which dicom-pixeldata cannot decode |
//! | `attrs.rs` | forgiving typed attribute access |
//! | `anonymise.rs` | PS3.15 basic-profile de-identification for teaching cases |
//! | `seg_import.rs` | a DICOM Segmentation (any tool's) rasterised onto a grid |
//! | `export/` | the reader's marks as DICOM objects (Segmentation) |

pub mod anonymise;
pub mod attrs;
mod codestream;
pub mod decode;
pub mod export;
pub mod file_bytes;
mod frame_problem;
pub mod guard;
pub mod header;
mod jpeg12;
pub mod load;
pub mod scan;
pub mod seg_import;
pub mod series;
pub mod stack_problem;

pub use codestream::CodestreamProblem;
pub use frame_problem::FrameProblem;
pub use header::{FileHeader, PixelFormat, Rescale, SeriesFacts};
pub use jpeg12::Jpeg12Error;
pub use load::{DecodedFile, decode_file, load_series};
pub use scan::{FileProblem, Patient, Scan, Study, scan_paths};
pub use series::{Series, SliceRef, Stack};
pub use stack_problem::{FrameName, StackProblem};
