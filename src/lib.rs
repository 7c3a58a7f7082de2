//! Tandem: paired MRI follow-up reading for multiple sclerosis.
//!
//! The library holds everything but the GUI (it never imports egui or rfd):
//!
//! | module | job |
//! |---|---|
//! | [`dicom`] | scan folders/DICOMDIRs into series; load a series into a [`Volume`] |
//! | [`display`] | display maths shared by the views and the key images: plane reformat (MPR, radiological), windows and grey levels |
//! | [`fsutil`] | atomic file writes (temporary file, then rename) |
//! | [`fuzz`] | mutation fuzzing of every entry point that reads a user's files, in process or one child process per mutant |
//! | [`memory`] | the process's peak resident memory, from /proc |
//! | [`geometry`] | patient LPS geometry: origin, spacing, direction; index ↔ mm |
//! | [`volume`] | `Volume`: voxels + geometry, built only through validation |
//! | [`register`] | rigid registration of the follow-up onto the baseline (multi-resolution, robust) |
//! | [`resample`] | trilinear/nearest resampling onto a reference grid; the registration pyramid |
//! | [`synth`] | the deterministic synthetic MS patient behind `sample_data/` and the tests |
//! | [`compare`] | the whole comparison: pairing (`pairing`), the per-pair pipeline (`pipeline`), enhancement, the report.json schema (`report`) |
//! | [`counts`] | what a report counts: a finding only when a compared series can show it, else "not assessed" |
//! | [`bias`] | each exam's own slow intensity bias, estimated on white matter and divided out |
//! | [`change`] | the voxel-diff core: brain mask, normalisation, difference and z-score maps, regions |
//! | [`lesion`] | lesions matched across exams: new, enlarging, persistent, shrinking, resolved |
//! | [`location`] | coarse lesion locations: periventricular, juxtacortical, infratentorial, deep white matter |
//! | [`morphology`] | components (26-connected), erosion/dilation, hole filling, Gaussian smoothing |
//! | [`intensity`] | intensity statistics: Otsu's threshold, values under a mask, quantiles |
//! | [`marks`] | the reader's marks: label volumes per exam, lesion records, tools, undo/redo |
//! | [`reading`] | the reading, one owned model (exams, options, comparison, decisions, marks, reader, notes); the findings with the decisions and marks applied: what the table lists and the report counts |
//! | [`session`] | the session file: a [`reading::Reading`] saved, versioned, atomically, autosaved for recovery, and restored onto a fresh comparison |
//! | [`clock`] | UTC time as ISO 8601 and DICOM text |
//! | [`report`] | the report folder: report.json, report.html and report.pdf with key images, NIfTI and DICOM SEG label exports |
//! | [`training`] | practice mode: marks scored against a reference (MSSEG-2 rules) |
//! | [`ids`] | identities that carry meaning: `ExamId` (which exam of a reading, N exams) |
//! | [`info`] | the `tandem info` report (text and JSON) |
//! | [`progress`] | progress counting and cancellation for background work |
//! | [`error`] | the error enum: one variant per cause, naming the file or series |
//! | [`transform`] | rigid transforms in patient mm |
//! | [`build_info`] | the exact build, stamped by build.rs |

pub mod bias;
pub mod build_info;
pub mod change;
pub mod clock;
pub mod compare;
pub mod counts;
pub mod dicom;
pub mod display;
pub mod error;
pub mod fsutil;
pub mod fuzz;
pub mod geometry;
pub mod ids;
pub mod info;
pub mod intensity;
pub mod lesion;
pub mod lesion_extent;
pub mod lesion_find;
pub mod location;
pub mod marks;
pub mod memory;
pub mod morphology;
pub mod progress;
pub mod reading;
pub mod register;
pub mod report;
pub mod resample;
pub mod session;
pub mod synth;
pub mod tissue;
pub mod training;
pub mod transform;
pub mod volume;

pub use error::{Error, Result};
pub use geometry::Geometry;
pub use volume::Volume;
