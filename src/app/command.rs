//! Everything the user can ask for, in one place: views push `Command`s, the app applies them
//! after drawing. Button text, tooltip and keyboard shortcut of each command live here together.

use std::path::PathBuf;

use egui::Key;

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

/// The reader's word on a lesion flagged by the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decision {
    #[default]
    Pending,
    Confirmed,
    Rejected,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Decision::Pending => "—",
            Decision::Confirmed => "confirmed",
            Decision::Rejected => "rejected",
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
    /// Register and diff the two open exams.
    RunComparison,
    /// Stop a running comparison.
    CancelComparison,
    /// Select a lesion and move every view to it.
    SelectLesion(u32),
    /// Select the next / previous flagged lesion.
    NextLesion,
    PreviousLesion,
    /// Record the reader's decision on the selected lesion.
    ConfirmSelected,
    RejectSelected,
    /// Put the cursor at pixel (column, row) of the current slice (comparison grid).
    SetCursor(f64, f64),
}

impl Command {
    /// Button or menu text.
    pub fn text(&self) -> String {
        match self {
            Command::BrowseExam(side) => format!("Open {}…", side.title().to_lowercase()),
            Command::OpenExam(side, _) => format!("Open {}", side.title().to_lowercase()),
            Command::ChooseSeries(..) => "Show series".into(),
            Command::CancelLoad(_) | Command::CancelComparison => "Cancel".into(),
            Command::RunComparison => "Compare".into(),
            Command::SelectLesion(id) => format!("Lesion {id}"),
            Command::NextLesion => "Next".into(),
            Command::PreviousLesion => "Previous".into(),
            Command::ConfirmSelected => "Confirm".into(),
            Command::RejectSelected => "Reject".into(),
            Command::SetCursor(..) => "Set cursor".into(),
        }
    }

    /// Tooltip (with the shortcut, when there is one).
    pub fn tooltip(&self) -> String {
        let text = match self {
            Command::BrowseExam(_) => "Choose a folder, CD or DICOMDIR holding the exam",
            Command::OpenExam(..) => "Scan the folder and load its FLAIR (or first) series",
            Command::ChooseSeries(..) => "Load this series of the exam",
            Command::CancelLoad(_) => "Stop loading; nothing already shown is lost",
            Command::CancelComparison => "Stop the comparison; the exams stay open",
            Command::RunComparison => "Register the follow-up onto the baseline and find changes",
            Command::SelectLesion(_) => "Show this lesion in every view",
            Command::NextLesion => "Go to the next flagged lesion",
            Command::PreviousLesion => "Go to the previous flagged lesion",
            Command::ConfirmSelected => "Confirm the selected lesion's flag",
            Command::RejectSelected => "Reject the selected lesion's flag (not counted)",
            Command::SetCursor(..) => "Click a view to move the cursor",
        };
        match self.shortcut() {
            Some(key) => format!("{text} ({})", key.name()),
            None => text.to_owned(),
        }
    }

    /// The key that runs this command.
    pub fn shortcut(&self) -> Option<Key> {
        match self {
            Command::NextLesion => Some(Key::N),
            Command::PreviousLesion => Some(Key::P),
            Command::ConfirmSelected => Some(Key::C),
            Command::RejectSelected => Some(Key::R),
            _ => None,
        }
    }

    /// Commands reachable by keyboard, for the input loop and the help text.
    pub fn with_shortcuts() -> [Command; 4] {
        [
            Command::NextLesion,
            Command::PreviousLesion,
            Command::ConfirmSelected,
            Command::RejectSelected,
        ]
    }
}
