//! The marking tools in the app: which tool is in hand and its settings, the `Mark` requests
//! views and panels push, and how each becomes an edit of the review's marks.
//!
//! Tools act on the exam of the view they are used in: the baseline view marks the baseline,
//! the follow-up and change views mark the follow-up (registered onto the baseline grid).

use egui::{Key, KeyboardShortcut, Modifiers};
use tandem::marks::tools::{BrushShape, brush, region_grow, threshold_box};
use tandem::marks::{Label, LesionKind, LesionRecord, Origin};

use super::review::Review;

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
}

impl Tool {
    pub const ALL: [Tool; 5] = [
        Tool::Navigate,
        Tool::Brush,
        Tool::Eraser,
        Tool::Grow,
        Tool::ThresholdBox,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tool::Navigate => "Navigate",
            Tool::Brush => "Brush",
            Tool::Eraser => "Eraser",
            Tool::Grow => "Grow",
            Tool::ThresholdBox => "Threshold box",
        }
    }

    pub fn tooltip(self) -> &'static str {
        match self {
            Tool::Navigate => "Click places the cursor, drag pans",
            Tool::Brush => "Paint the active lesion (drag); radius in mm, disc or 3D ball",
            Tool::Eraser => "Erase marks under the brush (drag)",
            Tool::Grow => "Click inside a lesion: grows in 3D through voxels within the tolerance",
            Tool::ThresholdBox => {
                "Drag a box: voxels at or above the threshold inside it join the active lesion"
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
        }
    }
}

/// Limit of region growing from its seed, mm: a larger region has leaked into normal tissue.
const GROW_LIMIT_MM: f64 = 30.0;

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
    /// The lesion the brush, growing and the box add to.
    pub active: Option<Label>,
    /// The last region grown, so moving the tolerance regrows it.
    last_grow: Option<(usize, [usize; 3], Label)>,
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
            active: None,
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
    /// Start a new lesion: the next id, active.
    NewLesion,
    /// A brush or eraser dab at a grid position of `exam`, in the plane whose through-axis
    /// is `through`; `first` starts a stroke (one undo step).
    Dab {
        exam: usize,
        at: [f64; 3],
        through: usize,
        first: bool,
    },
    EndStroke,
    Grow {
        exam: usize,
        at: [f64; 3],
    },
    Box {
        exam: usize,
        a: [f64; 3],
        b: [f64; 3],
        through: usize,
    },
    /// Take the comparison's lesion as a marked lesion (both exams).
    Accept(u32),
    Split(u32),
    Merge {
        from: u32,
        into: u32,
    },
    Relabel {
        from: u32,
        to: u32,
    },
    Delete(u32),
    SetKind(u32, LesionKind),
    SetNote(u32, String),
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

/// A grid position rounded to a voxel inside `dims`.
fn voxel(at: [f64; 3], dims: [usize; 3]) -> Option<[usize; 3]> {
    let mut v = [0usize; 3];
    for a in 0..3 {
        let r = at[a].round();
        if r < 0.0 || r >= dims[a] as f64 {
            return None;
        }
        v[a] = r as usize;
    }
    Some(v)
}

impl Review {
    /// The id new marks go to: the active lesion, else a new one (made active).
    fn active_or_new(&mut self) -> Label {
        if let Some(id) = self.marking.active {
            return id;
        }
        let id = self.marks.next_id(self.reserved_ids());
        self.marking.active = Some(id);
        self.selected = Some(u32::from(id));
        id
    }

    /// Applies one marking request.
    pub fn apply_mark(&mut self, mark: Mark) {
        self.marking.message = None;
        let dims = self.marks.dims();
        let spacing = self.marks.geometry().spacing;
        match mark {
            Mark::SetTool(tool) => {
                self.marking.tool = tool;
                // Starting values from the follow-up's window: a fifth of it for growing, its
                // upper third for the box.
                let (lo, hi) = self.windows.get(1).copied().unwrap_or((0.0, 1.0));
                if tool == Tool::Grow && self.marking.tolerance <= 0.0 {
                    self.marking.tolerance = self.default_tolerance(1);
                }
                if tool == Tool::ThresholdBox && self.marking.threshold <= lo {
                    self.marking.threshold = lo + 0.7 * (hi - lo);
                }
            }
            Mark::SetRadius(r) => self.marking.radius_mm = r.clamp(0.5, 20.0),
            Mark::ToggleSphere => self.marking.sphere = !self.marking.sphere,
            Mark::SetTolerance(t) => {
                self.marking.tolerance = t.max(0.0);
                if let Some((exam, seed, label)) = self.marking.last_grow {
                    // Regrow: the last region is replaced by one at the new tolerance.
                    self.marks.undo();
                    self.grow(exam, seed, label);
                }
            }
            Mark::SetThreshold(t) => self.marking.threshold = t,
            Mark::SetBoxDepth(d) => self.marking.box_depth_mm = d.clamp(0.0, 100.0),
            Mark::NewLesion => {
                let id = self.marks.next_id(self.reserved_ids());
                self.marking.active = Some(id);
                self.selected = Some(u32::from(id));
                if self.marking.tool == Tool::Navigate {
                    self.marking.tool = Tool::Brush;
                }
            }
            Mark::Dab {
                exam,
                at,
                through,
                first,
            } => {
                let shape = if self.marking.sphere {
                    BrushShape::Sphere
                } else {
                    BrushShape::Disc { through }
                };
                let voxels = brush(dims, spacing, at, f64::from(self.marking.radius_mm), shape);
                let erase = self.marking.tool == Tool::Eraser;
                let label = if erase { 0 } else { self.active_or_new() };
                if first {
                    self.marks.begin_stroke();
                }
                self.marks.paint(exam, &voxels, label, true);
                self.marking.last_grow = None;
            }
            Mark::EndStroke => self.marks.end_stroke(),
            Mark::Grow { exam, at } => {
                if let Some(seed) = voxel(at, dims) {
                    let label = self.active_or_new();
                    if self.marking.tolerance <= 0.0 {
                        self.marking.tolerance = self.default_tolerance(exam);
                    }
                    self.grow(exam, seed, label);
                }
            }
            Mark::Box {
                exam,
                a,
                b,
                through,
            } => {
                let (Some(mut a), Some(mut b)) = (voxel(a, dims), voxel(b, dims)) else {
                    return;
                };
                let half = (f64::from(self.marking.box_depth_mm) / 2.0 / spacing[through].max(1e-6))
                    .round() as usize;
                a[through] = a[through].saturating_sub(half);
                b[through] = (b[through] + half).min(dims[through].saturating_sub(1));
                let label = self.active_or_new();
                if let Some(values) = self.exam_values(exam) {
                    let voxels = threshold_box(values, a, b, self.marking.threshold);
                    let n = self.marks.paint(exam, &voxels, label, true);
                    self.marking.message = Some(format!("{n} voxels taken"));
                }
                self.marking.last_grow = None;
            }
            Mark::Accept(id) => self.accept(id),
            Mark::Split(id) => {
                if let Ok(id) = Label::try_from(id) {
                    let parts = self.marks.split(id, self.reserved_ids());
                    self.marking.message = Some(format!("{} part(s)", parts.len()));
                }
            }
            Mark::Merge { from, into } => {
                if let (Ok(from), Ok(into)) = (Label::try_from(from), Label::try_from(into)) {
                    self.marks.merge(from, into);
                    self.selected = Some(u32::from(into));
                }
            }
            Mark::Relabel { from, to } => {
                if let (Ok(from), Ok(to)) = (Label::try_from(from), Label::try_from(to)) {
                    self.marks.relabel(from, to);
                    self.selected = Some(u32::from(to));
                    if self.marking.active == Some(from) {
                        self.marking.active = Some(to);
                    }
                }
            }
            Mark::Delete(id) => {
                if let Ok(id) = Label::try_from(id) {
                    self.marks.delete(id);
                    if self.marking.active == Some(id) {
                        self.marking.active = None;
                    }
                }
            }
            Mark::SetKind(id, kind) => self.edit_record(id, |r| r.kind = kind),
            Mark::SetNote(id, note) => self.edit_record(id, |r| r.note = note),
            Mark::Undo => {
                self.marking.last_grow = None;
                if !self.marks.undo() {
                    self.marking.message = Some("nothing to undo".into());
                }
            }
            Mark::Redo => {
                self.marking.last_grow = None;
                if !self.marks.redo() {
                    self.marking.message = Some("nothing to redo".into());
                }
            }
        }
    }

    fn edit_record(&mut self, id: u32, change: impl FnOnce(&mut LesionRecord)) {
        let Ok(id) = Label::try_from(id) else {
            return;
        };
        let mut record = self.marks.record(id).cloned().unwrap_or(LesionRecord {
            origin: if self.report().lesions.iter().any(|l| l.id == u32::from(id)) {
                Origin::Candidate
            } else {
                Origin::Reader
            },
            ..LesionRecord::default()
        });
        change(&mut record);
        self.marks.set_record(id, Some(record));
    }

    fn grow(&mut self, exam: usize, seed: [usize; 3], label: Label) {
        let spacing = self.marks.geometry().spacing;
        let tolerance = self.marking.tolerance;
        let Some(values) = self.exam_values(exam) else {
            return;
        };
        let grown = region_grow(values, spacing, seed, tolerance, GROW_LIMIT_MM);
        let n = self.marks.paint(exam, &grown.voxels, label, true);
        self.marking.last_grow = Some((exam, seed, label));
        self.marking.message = Some(if grown.hit_limit {
            format!(
                "{n} voxels; the region reached the {GROW_LIMIT_MM:.0} mm limit: lower the tolerance"
            )
        } else {
            format!("{n} voxels grown")
        });
    }

    /// A starting tolerance: a fifth of the exam's display window.
    fn default_tolerance(&self, exam: usize) -> f32 {
        let (lo, hi) = self.windows.get(exam).copied().unwrap_or((0.0, 1.0));
        ((hi - lo) / 5.0).max(1e-3)
    }

    /// Takes the comparison's lesion `id` as a marked lesion.
    fn accept(&mut self, id: u32) {
        let Ok(label) = Label::try_from(id) else {
            return;
        };
        let Some(lesion) = self.report().lesions.iter().find(|l| l.id == id).cloned() else {
            return;
        };
        let Some(view) = tandem::report::labels::primary_view(&self.comparison.views) else {
            return;
        };
        let kind = if lesion.enhancing && lesion.status == tandem::lesion::Status::New {
            LesionKind::Enhancing
        } else {
            LesionKind::T2Flair
        };
        let sources = [
            Some((&view.baseline_lesions, lesion.baseline_labels.as_slice())),
            Some((&view.followup_lesions, lesion.followup_labels.as_slice())),
        ];
        self.marks.accept_candidate(label, kind, &sources);
        self.marking.active = Some(label);
    }
}
