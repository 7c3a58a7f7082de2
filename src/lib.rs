//! Tandem: paired MRI follow-up reading for multiple sclerosis.
//!
//! The library holds everything but the GUI (it never imports egui or rfd):
//!
//! | module | job |
//! |---|---|
//! | [`dicom`] | scan folders/DICOMDIRs into series; load a series into a [`Volume`]; export SEG |
//! | [`pipeline`] | the stages of a comparison, plain functions over plain data: geometry, volume, transform, register, resample, bias, tissue, change (the voxel-diff core), lesions found and matched, locations, morphology, intensity statistics |
//! | [`compare`] | the whole comparison: pairing, the per-pair pipeline, the shared change step, enhancement, the report.json schema |
//! | [`counts`] | what a report counts: a finding only when a compared series can show it, else "not assessed"; the verdict |
//! | [`ids`] | identities that carry meaning: `ExamId` (which exam of a reading, N exams) |
//! | [`marks`] | the reader's marks: label volumes per exam, lesion records, tools, undo/redo |
//! | [`reading`] | the reading, one owned model (exams, options, comparison, decisions, marks, reader, notes); the findings with the decisions and marks applied: what the table lists and the report counts |
//! | [`session`] | the session file: a [`reading::Reading`] saved, versioned, atomically, autosaved for recovery, and restored onto a fresh comparison |
//! | [`display`] | display maths shared by the views and the key images: plane reformat (MPR, radiological), windows and grey levels |
//! | [`batch`] | a trial's pairs: the manifest, which rows are finished, the summary CSV |
//! | [`report`] | the report folder: report.json, report.html and report.pdf with key images, NIfTI and DICOM SEG label exports |
//! | [`training`] | practice mode: marks scored against a reference (MSSEG-2 rules) |
//! | [`synth`] | the deterministic synthetic MS patient behind `sample_data/` and the tests |
//! | [`fuzz`] | mutation fuzzing of every entry point that reads a user's files, in process or one child process per mutant |
//! | [`info`] | the `tandem info` report (text and JSON) |
//! | [`progress`] | progress counting and cancellation for background work |
//! | [`error`] | the error enum: one variant per cause, naming the file or series |
//! | [`fsutil`] | atomic file writes (temporary file, then rename) |
//! | [`memory`] | the process's peak resident memory, from /proc |
//! | [`clock`] | UTC time as ISO 8601 and DICOM text |
//! | [`build_info`] | the exact build, stamped by build.rs |
//!
//! ARCHITECTURE.md is the one detailed module table; this one and `src/app/mod.rs`'s stay at
//! the level of folders.

pub mod batch;
pub mod build_info;
pub mod clock;
pub mod compare;
pub mod counts;
pub mod dicom;
pub mod display;
pub mod error;
pub mod fsutil;
pub mod fuzz;
pub mod ids;
pub mod info;
pub mod marks;
pub mod memory;
pub mod pipeline;
pub mod progress;
pub mod reading;
pub mod report;
pub mod session;
pub mod synth;
pub mod training;

pub use error::{Error, Result};
pub use pipeline::geometry::Geometry;
pub use pipeline::volume::Volume;
