//! One exam of the pair as the app holds it: its folder, the series on screen, the load in
//! progress, and the texture its view draws from.

use std::path::PathBuf;

use super::command::Side;
use super::jobs::{Activity, LoadedExam};
use super::views::SliceTexture;

/// One exam of the pair: what is shown, and any work in progress.
pub struct ExamSlot {
    pub side: Side,
    pub path: Option<PathBuf>,
    /// The exam on screen; kept while another loads, so a cancel loses nothing.
    pub shown: Option<LoadedExam>,
    /// Changes whenever `shown` does (texture cache key).
    pub shown_generation: u64,
    pub activity: Activity<LoadedExam>,
    pub texture: SliceTexture,
}

impl ExamSlot {
    pub fn new(side: Side) -> Self {
        Self {
            side,
            path: None,
            shown: None,
            shown_generation: 0,
            activity: Activity::Idle,
            texture: SliceTexture::default(),
        }
    }

    pub fn is_loading(&self) -> bool {
        self.activity.is_running()
    }
}
