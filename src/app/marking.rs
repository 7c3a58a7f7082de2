//! The marking tools in the app: which tool is in hand and its settings, and the `Mark`
//! requests views and panels push (`mark_edits` turns each into an edit of the review's marks).
//!
//! Tools act on the exam of the view they are used in: the baseline view marks the baseline,
//! the follow-up and change views mark the follow-up (registered onto the baseline grid).

use egui::{Key, KeyboardShortcut, Modifiers};
use tandem::ids::{ExamId, LesionId};
use tandem::marks::{Label, LesionKind};

/// The tool in the reader's hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tool {
    /// Click moves the cursor, drag pans.
    #[default]
    Navigate,
    Brush,
    Eraser,
    /// Click a seed: 3D region growing within the tolerance.
    Grow,
    /// Drag a box: voxels above the threshold inside it.
    ThresholdBox,
    /// Drag a line: its length in mm, on every exam at that place.
    Ruler,
    /// Drag a box: the ellipse in it, its area and each exam's mean and SD inside.
    Ellipse,
}

impl Tool {
    pub const ALL: [Tool; 7] = [
        Tool::Navigate,
        Tool::Brush,
        Tool::Eraser,
        Tool::Grow,
        Tool::ThresholdBox,
        Tool::Ruler,
        Tool::Ellipse,
    ];

    /// Whether the tool edits the marks (else it navigates or measures).
    pub fn marks(self) -> bool {
        !matches!(self, Tool::Navigate | Tool::Ruler | Tool::Ellipse)
    }

    pub fn name(self) -> &'static str {
        match self {
            Tool::Navigate => "Navigate",
            Tool::Brush => "Brush",
            Tool::Eraser => "Eraser",
            Tool::Grow => "Grow",
            Tool::ThresholdBox => "Threshold box",
            Tool::Ruler => "Ruler",
            Tool::Ellipse => "Ellipse ROI",
        }
    }

    pub fn tooltip(self) -> &'static str {
        match self {
            Tool::Navigate => "Click places the cursor, drag pans",
            Tool::Brush => "Paint the selected lesion (drag); radius in mm, disc or 3D ball",
            Tool::Eraser => "Erase marks under the brush (drag)",
            Tool::Grow => "Click inside a lesion: grows in 3D through voxels within the tolerance",
            Tool::ThresholdBox => {
                "Drag a box: voxels at or above the threshold inside it join the selected lesion"
            }
            Tool::Ruler => "Drag a line: its length in mm, shown on both exams at that place",
            Tool::Ellipse => {
                "Drag a box: the ellipse inside it, its area and each exam's mean and SD"
            }
        }
    }

    fn key(self) -> Key {
        match self {
            Tool::Navigate => Key::V,
            Tool::Brush => Key::B,
            Tool::Eraser => Key::X,
            Tool::Grow => Key::G,
            Tool::ThresholdBox => Key::T,
            Tool::Ruler => Key::D,
            Tool::Ellipse => Key::A,
        }
    }
}

/// Limit of region growing from its seed, mm: a larger region has leaked into normal tissue.
pub(super) const GROW_LIMIT_MM: f64 = 30.0;

/// The tools' settings and what the last gesture left to adjust.
#[derive(Debug, Clone)]
pub struct Marking {
    pub tool: Tool,
    pub radius_mm: f32,
    /// Brush as a 3D ball (else a disc in the view's plane).
    pub sphere: bool,
    /// Region growing: how far (in image units) a voxel may be from the seed value.
    pub tolerance: f32,
    /// Threshold box: the lowest value taken.
    pub threshold: f32,
    /// Threshold box: depth through the view's plane, mm.
    pub box_depth_mm: f32,
    /// The last region grown, so moving the tolerance regrows it.
    pub(super) last_grow: Option<(ExamId, [usize; 3], Label)>,
    /// What the last tool use has to say ("the region reached the 30 mm limit").
    pub message: Option<String>,
}

impl Default for Marking {
    fn default() -> Self {
        Self {
            tool: Tool::Navigate,
            radius_mm: 2.0,
            sphere: false,
            tolerance: 0.0,
            threshold: 0.0,
            box_depth_mm: 6.0,
            last_grow: None,
            message: None,
        }
    }
}

/// A request about marks.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    SetTool(Tool),
    SetRadius(f32),
    ToggleSphere,
    SetTolerance(f32),
    SetThreshold(f32),
    SetBoxDepth(f32),
    /// Start a new lesion: the next id, selected.
    NewLesion,
    /// A brush or eraser dab at a grid position of `exam`, in the plane whose through-axis
    /// is `through`; `first` starts a stroke (one undo step).
    Dab {
        exam: ExamId,
        at: [f64; 3],
        through: usize,
        first: bool,
    },
    EndStroke,
    Grow {
        exam: ExamId,
        at: [f64; 3],
    },
    Box {
        exam: ExamId,
        a: [f64; 3],
        b: [f64; 3],
        through: usize,
    },
    /// Take the comparison's lesion as a marked lesion (both exams).
    Accept(LesionId),
    Split(LesionId),
    Merge {
        from: LesionId,
        into: LesionId,
    },
    Relabel {
        from: LesionId,
        to: LesionId,
    },
    Delete(LesionId),
    SetKind(LesionId, LesionKind),
    SetNote(LesionId, String),
    Undo,
    Redo,
}

impl Mark {
    pub fn text(&self) -> String {
        match self {
            Mark::SetTool(tool) => tool.name().into(),
            Mark::SetRadius(_) => "Radius (mm)".into(),
            Mark::ToggleSphere => "3D ball".into(),
            Mark::SetTolerance(_) => "Tolerance".into(),
            Mark::SetThreshold(_) => "Threshold".into(),
            Mark::SetBoxDepth(_) => "Box depth (mm)".into(),
            Mark::NewLesion => "New lesion".into(),
            Mark::Dab { .. } | Mark::EndStroke => "Paint".into(),
            Mark::Grow { .. } => "Grow".into(),
            Mark::Box { .. } => "Threshold box".into(),
            Mark::Accept(_) => "Mark as lesion".into(),
            Mark::Split(_) => "Split".into(),
            Mark::Merge { .. } => "Merge into".into(),
            Mark::Relabel { .. } => "Renumber to".into(),
            Mark::Delete(_) => "Delete marks".into(),
            Mark::SetKind(..) => "Type".into(),
            Mark::SetNote(..) => "Note".into(),
            Mark::Undo => "Undo".into(),
            Mark::Redo => "Redo".into(),
        }
    }

    pub fn tooltip(&self) -> &'static str {
        match self {
            Mark::SetTool(tool) => tool.tooltip(),
            Mark::SetRadius(_) => "Brush and eraser radius, mm",
            Mark::ToggleSphere => "Brush as a 3D ball instead of a disc in the view's plane",
            Mark::SetTolerance(_) => {
                "How far from the seed value a voxel may be; moving it regrows the last region"
            }
            Mark::SetThreshold(_) => "Threshold box: voxels at or above this value are taken",
            Mark::SetBoxDepth(_) => "Threshold box: depth through the view's plane, mm",
            Mark::NewLesion => "Start marking a new lesion (the next free number)",
            Mark::Dab { .. } | Mark::EndStroke => "Drag to paint",
            Mark::Grow { .. } => "Click a seed to grow a region",
            Mark::Box { .. } => "Drag a box",
            Mark::Accept(_) => {
                "Take the comparison's outline of this lesion as your mark (both exams); \
                 then edit it"
            }
            Mark::Split(_) => "Split this lesion's marks into its connected parts",
            Mark::Merge { .. } => "Merge this lesion's marks into another lesion",
            Mark::Relabel { .. } => "Give this lesion another number (merges if it is taken)",
            Mark::Delete(_) => "Remove this lesion's marks in both exams",
            Mark::SetKind(..) => "T2/FLAIR lesion, enhancing lesion or other finding",
            Mark::SetNote(..) => "A note on this lesion for the report",
            Mark::Undo => "Undo the last edit of the marks",
            Mark::Redo => "Redo the last undone edit",
        }
    }

    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        match self {
            Mark::SetTool(tool) => Some(KeyboardShortcut::new(Modifiers::NONE, tool.key())),
            Mark::NewLesion => Some(KeyboardShortcut::new(Modifiers::NONE, Key::L)),
            Mark::Undo => Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Z)),
            Mark::Redo => Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Y)),
            _ => None,
        }
    }

    /// The marking requests with shortcuts.
    pub fn with_shortcuts() -> Vec<Mark> {
        let mut all: Vec<Mark> = Tool::ALL.into_iter().map(Mark::SetTool).collect();
        all.extend([Mark::NewLesion, Mark::Undo, Mark::Redo]);
        all
    }
}
