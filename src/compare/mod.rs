//! The comparison: from two exam folders to the findings a follow-up report must state.
//!
//! Pairs series across the exams by sequence, registers each pair (follow-up onto baseline),
//! resamples, runs the voxel-diff core, finds lesions at each exam and matches them, measures
//! new enhancement on post-contrast T1, and sums it up: new T2/FLAIR lesions, enlarging lesions,
//! new enhancing lesions, active or inactive. A region of significant increase that no lesion
//! explains is kept as an unexplained change (`Status::Unexplained`), counted apart, so the
//! change map never shows what the report leaves out.
//!
//! | file | job |
//! |---|---|
//! | `options.rs` | what the caller may choose (`CompareOptions`) |
//! | `pairing.rs` | sequence kinds, series pairs across the exams, comparability warnings |
//! | `pipeline.rs` | the per-pair pipeline and the whole comparison (`compare_full`) |
//! | `enhancement.rs` | new enhancement: post − pre, foci linked to lesions |
//! | `report.rs` | `report.json`'s schema and the summary text |

mod change_step;
mod enhancement;
mod options;
mod pairing;
mod pipeline;
mod report;

pub use crate::counts::EnhancingMethod;

pub use options::CompareOptions;
pub use pairing::{SequenceKind, SeriesPair, classify, pair_series};
pub use pipeline::{Comparison, PairView, compare, compare_full, primary_view, primary_view_index};
pub use report::{
    Comparability, EnhancementReport, ExamRef, LesionReport, PairReport, RegistrationReport,
    Report, SeriesRef, SettingsReport, Summary, Timings, Volumes,
};
