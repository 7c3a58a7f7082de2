//! Everything the user can ask for, in one place: views push `Command`s, the app applies them
//! after drawing. Button text, tooltip and keyboard shortcut of each command live here together.

use std::path::PathBuf;

use egui::{Key, KeyboardShortcut, Modifiers};

use super::marking::Mark;
use tandem::ids::LesionId;

pub use tandem::display::Plane;
pub use tandem::display::WindowPreset;

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

pub use tandem::reading::Decision;

/// A request from the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Ask the user for a folder, then open it.
    BrowseExam(Side),
    /// Ask the user for a DICOMDIR file, then open it.
    BrowseDicomdir(Side),
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
    SelectLesion(LesionId),
    /// Select the next / previous flagged lesion.
    NextLesion,
    PreviousLesion,
    /// Record the reader's decision on the selected lesion.
    ConfirmSelected,
    RejectSelected,
    /// Put the cursor at a grid index (column, row, slice) of the comparison grid.
    SetCursor([f64; 3]),
    /// Move the cursor `steps` slices through a plane (mouse wheel over its view).
    Scroll(Plane, i32),
    /// Move the cursor `steps` slices through the main plane (arrow keys, Page Up/Down).
    StepSlice(i32),
    /// Play through the slices of the main plane, or stop.
    ToggleCine,
    /// Let view `n` of the layout fill the whole area, or give the area back to the layout.
    ToggleFill(usize),
    /// Put the cursor at a patient position (LPS mm).
    GoToMm([f64; 3]),
    /// Hide the side panels (series, lesion table) so the images get the room, or show them.
    TogglePanels,
    /// Arrange the views.
    SetLayout(Layout),
    /// The plane shown side by side and in the single view.
    SetPlane(Plane),
    /// Adjust both exams' windows alike by a right-drag (pixels).
    DragWindow(f32, f32),
    /// Set both exams' windows from a preset.
    WindowPreset(WindowPreset),
    /// Zoom all views by a factor (ctrl + wheel), or back to fit.
    Zoom(f32),
    ResetZoom,
    /// Pan all views by a fraction of the image (drag).
    Pan(f32, f32),
    /// Show or hide the change-map overlay.
    ToggleOverlay,
    /// Show or hide the keyboard help.
    ToggleHelp,
    /// Next registration check on the follow-up view: off, checkerboard, flicker.
    CycleQc,
    /// Switch between the comparison and each exam on its own grid.
    ToggleNative,
    /// Opacity of the change overlay, 0..=1.
    SetOpacity(f32),
    /// Rerun detection with this change threshold (z-score a candidate must reach).
    SetThreshold(f32),
    /// A marking tool or lesion edit.
    Mark(Mark),
    /// Keep a ruler or region of interest the reader drew, or drop the `n`th.
    AddMeasurement(tandem::reading::Measurement),
    DeleteMeasurement(usize),
    /// Save the reading to its session file (asks for a name the first time).
    SaveSession,
    /// Save the reading under a new name.
    SaveSessionAs,
    /// Save the reading to this file.
    SaveSessionTo(PathBuf),
    /// Ask for a session file and open it.
    BrowseSession,
    /// Open this session file.
    OpenSession(PathBuf),
    /// Open the report form: the reader's name, undecided flags, the folder.
    SaveReport,
    /// The report form's folder (typed, or chosen in the system dialog).
    SetReportFolder(String),
    /// Choose the report form's folder in the system dialog.
    BrowseReportFolder,
    /// Close the report form without writing.
    CancelReport,
    /// Write the report into this folder (replacing one there only when `replace`).
    WriteReport(PathBuf, bool),
    /// The reader's name and notes, for the session and the report.
    SetReader(String),
    SetNotes(String),
    /// Reopen the interrupted reading found at start, or throw it away.
    RecoverSession,
    DiscardRecovery,
    /// Point a session's exam at its new folder.
    RelocateExam(Side, PathBuf),
    /// Ask for a teaching case folder and practise on it.
    BrowsePractice,
    /// Practise on this case: findings and reference hidden.
    OpenPractice(PathBuf),
    /// The trainee's answers to the summary questions.
    SetAnswers(tandem::training::teach_pack::Answers),
    /// Show the comparison's candidates during practice (recorded; they stay shown).
    ToggleCandidates,
    /// Score the practice round.
    ScorePractice,
    /// Move every view to a position (patient LPS mm).
    JumpTo([f64; 3]),
    /// Go to the next missed lesion of the scored round.
    ReplayMiss,
    /// Leave practice mode.
    EndPractice,
    /// Ask for a folder and make a teaching case of the saved session there.
    MakeCase,
    /// Make the teaching case in this folder.
    WriteCase(PathBuf),
    /// The path typed where no system file dialog opens; then taken, or the question dropped.
    SetPromptPath(String),
    SubmitPath,
    CancelPrompt,
}

/// How the registered follow-up view checks the registration.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum QcMode {
    #[default]
    Off,
    /// Alternating squares of baseline and follow-up: edges must run straight across.
    Checkerboard,
    /// Baseline and follow-up alternating twice a second: nothing should jump.
    Flicker,
}

impl QcMode {
    pub fn next(self) -> Self {
        match self {
            QcMode::Off => QcMode::Checkerboard,
            QcMode::Checkerboard => QcMode::Flicker,
            QcMode::Flicker => QcMode::Off,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            QcMode::Off => "QC off",
            QcMode::Checkerboard => "Checkerboard",
            QcMode::Flicker => "Flicker",
        }
    }
}

/// How the comparison's views are arranged.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Layout {
    /// Baseline, registered follow-up and change in one plane, in a row or wrapped, whichever
    /// makes the images larger.
    #[default]
    SideBySide,
    /// Baseline axial, follow-up axial, follow-up coronal, follow-up sagittal.
    Planes,
    /// One large view: the follow-up with the change overlay, in one plane.
    Single,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::SideBySide, Layout::Planes, Layout::Single];

    pub fn name(self) -> &'static str {
        match self {
            Layout::SideBySide => "Side by side",
            Layout::Planes => "Planes",
            Layout::Single => "Single",
        }
    }
}

impl Command {
    /// Button or menu text.
    pub fn text(&self) -> String {
        match self {
            Command::BrowseExam(side) => format!("Open {}…", side.title().to_lowercase()),
            Command::BrowseDicomdir(side) => {
                format!("Open {} DICOMDIR…", side.title().to_lowercase())
            }
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
            Command::Scroll(..) => "Scroll".into(),
            Command::StepSlice(n) if *n > 1 => "Ten slices on".into(),
            Command::StepSlice(n) if *n < -1 => "Ten slices back".into(),
            Command::StepSlice(n) if *n > 0 => "Next slice".into(),
            Command::StepSlice(_) => "Previous slice".into(),
            Command::ToggleCine => "Cine".into(),
            Command::ToggleFill(_) => "Fill".into(),
            Command::GoToMm(_) => "Go to (mm)".into(),
            Command::TogglePanels => "Panels".into(),
            Command::SetLayout(layout) => layout.name().into(),
            Command::SetPlane(plane) => plane.name().into(),
            Command::DragWindow(..) => "Window".into(),
            Command::WindowPreset(WindowPreset::Scanner) => "Scanner window".into(),
            Command::WindowPreset(WindowPreset::Auto) => "Auto window".into(),
            Command::WindowPreset(WindowPreset::Brain) => "Brain window".into(),
            Command::WindowPreset(WindowPreset::Flair) => "FLAIR window".into(),
            Command::WindowPreset(WindowPreset::T1) => "T1 window".into(),
            Command::Zoom(_) => "Zoom".into(),
            Command::ResetZoom => "Fit".into(),
            Command::Pan(..) => "Pan".into(),
            Command::ToggleOverlay => "Change overlay".into(),
            Command::ToggleHelp => "Help".into(),
            Command::CycleQc => "Registration check".into(),
            Command::SetThreshold(_) => "Detection threshold (z)".into(),
            Command::ToggleNative => "Original exams".into(),
            Command::SetOpacity(_) => "Overlay opacity".into(),
            Command::Mark(mark) => mark.text(),
            Command::AddMeasurement(_) => "Measure".into(),
            Command::DeleteMeasurement(n) => format!("Delete measurement {}", n + 1),
            Command::SaveSession => "Save session".into(),
            Command::SaveSessionAs => "Save session as…".into(),
            Command::SaveSessionTo(_) => "Save session".into(),
            Command::BrowseSession | Command::OpenSession(_) => "Open session…".into(),
            Command::SaveReport => "Save report…".into(),
            Command::WriteReport(..) => "Save report".into(),
            Command::SetReportFolder(_) => "Report folder".into(),
            Command::BrowseReportFolder => "Choose…".into(),
            Command::CancelReport | Command::CancelPrompt => "Cancel".into(),
            Command::SetPromptPath(_) => "Path".into(),
            Command::SubmitPath => "OK".into(),
            Command::SetReader(_) => "Reader".into(),
            Command::SetNotes(_) => "Notes".into(),
            Command::RecoverSession => "Recover".into(),
            Command::DiscardRecovery => "Discard".into(),
            Command::RelocateExam(side, _) => format!("Find {}…", side.title().to_lowercase()),
            Command::BrowsePractice | Command::OpenPractice(_) => "Practice a case…".into(),
            Command::SetAnswers(_) => "Answers".into(),
            Command::ToggleCandidates => "Show candidates".into(),
            Command::ScorePractice => "Score".into(),
            Command::JumpTo(_) => "Go there".into(),
            Command::ReplayMiss => "Replay misses".into(),
            Command::EndPractice => "End practice".into(),
            Command::MakeCase | Command::WriteCase(_) => "Make teaching case…".into(),
        }
    }

    /// Tooltip (with the shortcut, when there is one).
    pub fn tooltip(&self) -> String {
        let text = match self {
            Command::BrowseExam(_) => "Choose a folder or CD holding the exam",
            Command::BrowseDicomdir(_) => "Choose the DICOMDIR file of a CD or export",
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
            Command::Scroll(..) => "Mouse wheel over a view moves through its slices",
            Command::StepSlice(n) if n.abs() > 1 => "Ten slices on or back in the main plane",
            Command::StepSlice(_) => "The next or previous slice in the main plane",
            Command::ToggleCine => "Play through the slices of the main plane, or stop",
            Command::ToggleFill(_) => {
                "The view under the pointer fills the whole area, or gives it back (or double-click \
                 a view)"
            }
            Command::GoToMm(_) => {
                "Type a patient position, x y z in mm (LPS, as the status line shows it), and press \
                 Enter"
            }
            Command::TogglePanels => "Hide or show the side panels: the images get the room",
            Command::SetLayout(Layout::SideBySide) => "Baseline, follow-up and change side by side",
            Command::SetLayout(Layout::Planes) => {
                "Baseline axial with follow-up in all three planes"
            }
            Command::SetLayout(Layout::Single) => "One large view of the follow-up",
            Command::SetPlane(_) => "The plane of the side-by-side and single views",
            Command::DragWindow(..) => {
                "Right-drag a view: left/right width, up/down level, for both exams alike"
            }
            Command::WindowPreset(WindowPreset::Scanner) => "The window the scanner suggested",
            Command::WindowPreset(WindowPreset::Auto) => "A window from each exam's histogram",
            Command::WindowPreset(WindowPreset::Brain) => {
                "The brain's own range: grey-white contrast"
            }
            Command::WindowPreset(WindowPreset::Flair) => {
                "FLAIR: a wider window in the brain, bright plaques without clipping"
            }
            Command::WindowPreset(WindowPreset::T1) => {
                "T1: the brain's range up to bright enhancement"
            }
            Command::Zoom(_) => "Ctrl + mouse wheel zooms every view",
            Command::ResetZoom => "Fit the images to their views",
            Command::Pan(..) => "Drag a view to pan every view",
            Command::ToggleOverlay => "Show or hide the change map over the follow-up",
            Command::ToggleHelp => "Keyboard and mouse help",
            Command::CycleQc => "Check the registration: checkerboard, then flicker, then off",
            Command::ToggleNative => {
                "Each exam on its own grid, as acquired (the follow-up not registered)"
            }
            Command::SetOpacity(_) => "How strongly the change map covers the image",
            Command::SetThreshold(_) => {
                "The z-score a change must reach to be a candidate; reruns detection"
            }
            Command::Mark(mark) => mark.tooltip(),
            Command::AddMeasurement(_) => "Drag with the ruler or the ellipse tool",
            Command::DeleteMeasurement(_) => "Remove this measurement",
            Command::SaveSession => {
                "Save the whole reading (marks, decisions, notes) to come back to it later"
            }
            Command::SaveSessionAs | Command::SaveSessionTo(_) => {
                "Save the reading to a new session file"
            }
            Command::BrowseSession | Command::OpenSession(_) => {
                "Open a saved reading: its exams are loaded and compared again, then your \
                 marks and decisions are restored"
            }
            Command::SaveReport | Command::WriteReport(..) => {
                "Write the report folder: report.html and report.pdf (printable, key images), \
                 report.json, lesion labels as DICOM SEG and NIfTI"
            }
            Command::SetReportFolder(_) => {
                "The folder the report is written into (made if it does not exist)"
            }
            Command::CancelReport => "Close without writing the report",
            Command::BrowseReportFolder => "Choose the folder in the system's dialog",
            Command::SetPromptPath(_) => "The full path; ~ is your home folder",
            Command::SubmitPath => "Use this path",
            Command::CancelPrompt => "Drop the question",
            Command::SetReader(_) => "Your name, as the report states it",
            Command::SetNotes(_) => "Free-text notes for the report",
            Command::RecoverSession => "Reopen the interrupted reading with all its marks",
            Command::DiscardRecovery => "Throw the interrupted reading away",
            Command::RelocateExam(..) => "Choose the folder the exam has moved to",
            Command::BrowsePractice | Command::OpenPractice(_) => {
                "Read a teaching case blind (findings hidden), then be scored against the expert"
            }
            Command::SetAnswers(_) => "Your answers to the questions a follow-up report answers",
            Command::ToggleCandidates => {
                "Show the comparison's candidates, numbered after yours (your score will say you saw \
                 them)"
            }
            Command::ScorePractice => {
                "Score your marks and answers against the expert's (MSSEG-2 rules)"
            }
            Command::JumpTo(_) => "Show this lesion in every view",
            Command::ReplayMiss => "Walk through the lesions you missed, one by one",
            Command::EndPractice => "Leave practice mode (the case stays open)",
            Command::MakeCase | Command::WriteCase(_) => {
                "Save the session, then make a de-identified teaching case of it (your marks are \
                 the reference)"
            }
        };
        match self.shortcut() {
            Some(shortcut) => format!("{text} ({})", shortcut_name(&shortcut)),
            None => text.to_owned(),
        }
    }

    /// The keys that run this command.
    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        let plain = |key| Some(KeyboardShortcut::new(Modifiers::NONE, key));
        match self {
            Command::NextLesion => plain(Key::N),
            Command::PreviousLesion => plain(Key::P),
            Command::ConfirmSelected => plain(Key::C),
            Command::RejectSelected => plain(Key::R),
            Command::SetLayout(Layout::SideBySide) => plain(Key::Num1),
            Command::SetLayout(Layout::Planes) => plain(Key::Num2),
            Command::SetLayout(Layout::Single) => plain(Key::Num3),
            Command::ToggleOverlay => plain(Key::O),
            Command::StepSlice(1) => plain(Key::ArrowDown),
            Command::StepSlice(-1) => plain(Key::ArrowUp),
            Command::StepSlice(10) => plain(Key::PageDown),
            Command::StepSlice(-10) => plain(Key::PageUp),
            Command::ToggleCine => plain(Key::Space),
            Command::TogglePanels => plain(Key::H),
            Command::ResetZoom => plain(Key::F),
            Command::ToggleHelp => plain(Key::F1),
            Command::CycleQc => plain(Key::Q),
            Command::ToggleNative => plain(Key::E),
            Command::Mark(mark) => mark.shortcut(),
            Command::SaveSessionAs => Some(KeyboardShortcut::new(
                Modifiers::COMMAND | Modifiers::SHIFT,
                Key::S,
            )),
            Command::SaveSession => Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::S)),
            _ => None,
        }
    }

    /// The lesion-review commands, in toolbar order.
    pub fn review_commands() -> [Command; 4] {
        [
            Command::NextLesion,
            Command::PreviousLesion,
            Command::ConfirmSelected,
            Command::RejectSelected,
        ]
    }

    /// Commands reachable by keyboard, for the input loop and the help overlay.
    pub fn with_shortcuts() -> Vec<Command> {
        let mut all = Self::review_commands().to_vec();
        all.extend(Layout::ALL.map(Command::SetLayout));
        all.extend([-1, 1, -10, 10].map(Command::StepSlice));
        all.extend([
            Command::ToggleCine,
            Command::TogglePanels,
            Command::ToggleOverlay,
            Command::CycleQc,
            Command::ToggleNative,
            Command::ResetZoom,
            Command::ToggleHelp,
        ]);
        all.extend(Mark::with_shortcuts().into_iter().map(Command::Mark));
        all.extend([Command::SaveSessionAs, Command::SaveSession]);
        // Most modifiers first: egui matches Ctrl+S inside Ctrl+Shift+S.
        all.sort_by_key(|c| {
            std::cmp::Reverse(c.shortcut().map_or(0, |s| {
                u8::from(s.modifiers.command) + u8::from(s.modifiers.shift)
            }))
        });
        all
    }
}

/// "Ctrl+Z", "Ctrl+Shift+S", "N".
pub fn shortcut_name(shortcut: &KeyboardShortcut) -> String {
    let mut name = String::new();
    if shortcut.modifiers.command || shortcut.modifiers.ctrl {
        name += "Ctrl+";
    }
    if shortcut.modifiers.shift {
        name += "Shift+";
    }
    if shortcut.modifiers.alt {
        name += "Alt+";
    }
    name + shortcut.logical_key.name()
}
