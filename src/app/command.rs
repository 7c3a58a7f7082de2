//! Everything the user can ask for, in one place: views push `Command`s, the app applies them
//! after drawing. Menu text and tooltip of each command live here together.

use std::path::PathBuf;

/// Which exam of the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Baseline,
    Followup,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Baseline, Side::Followup];

    pub fn index(self) -> usize {
        match self {
            Side::Baseline => 0,
            Side::Followup => 1,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Side::Baseline => "Baseline",
            Side::Followup => "Follow-up",
        }
    }
}

/// A request from the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Ask the user for a folder, then open it.
    BrowseExam(Side),
    /// Open the exam in this folder (or DICOMDIR).
    OpenExam(Side, PathBuf),
    /// Show another series of an opened exam.
    ChooseSeries(Side, String),
    /// Stop a running load.
    CancelLoad(Side),
}

impl Command {
    /// Button or menu text.
    pub fn text(&self) -> String {
        match self {
            Command::BrowseExam(side) => format!("Open {}…", side.title().to_lowercase()),
            Command::OpenExam(side, _) => format!("Open {}", side.title().to_lowercase()),
            Command::ChooseSeries(..) => "Show series".into(),
            Command::CancelLoad(_) => "Cancel".into(),
        }
    }

    /// Tooltip.
    pub fn tooltip(&self) -> &'static str {
        match self {
            Command::BrowseExam(_) => "Choose a folder, CD or DICOMDIR holding the exam",
            Command::OpenExam(..) => "Scan the folder and load its FLAIR (or first) series",
            Command::ChooseSeries(..) => "Load this series of the exam",
            Command::CancelLoad(_) => "Stop loading; nothing already shown is lost",
        }
    }
}
