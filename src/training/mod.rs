//! Practice mode's core: trainee marks scored against expert marks (MSSEG-2 rules).
//!
//! | file | job |
//! |---|---|
//! | `score.rs` | lesion-wise sensitivity, PPV, F1 (α/β/γ detection rule), voxel Dice, misses and false marks |
//! | `sources.rs` | sessions, report folders, NIfTI and DICOM SEG read into one mask on one grid |
//! | `teach_pack.rs` | a teaching case from an expert's session: de-identified exams, reference, answers |
//! | `score_text.rs` | a score in words, in one place: its lesions as numbered items and the sentences the CLI, the score report and the panel use |
//! | `practice.rs` | a practice round: the case, answers checked, score report, history |

pub mod practice;
pub mod score;
pub mod score_text;
pub mod sources;
pub mod teach_pack;

pub use score::{Score, ScoreSettings, ScoredLesion, score};
pub use score_text::{Outcome, ScoreItem, score_items, score_text};
