//! Each `Mark` request applied to the review's marks: the brush and eraser, region growing, the
//! threshold box, accepting, splitting, merging and deleting lesions, undo and redo.
//!
//! Tools act on the exam of the view they are used in: the baseline view marks the baseline,
//! the follow-up and change views mark the follow-up (registered onto the baseline grid).

use tandem::ids::{ExamId, LesionId};
use tandem::marks::tools::{BrushShape, brush, region_grow, threshold_box};
use tandem::marks::{Label, LesionKind, LesionRecord, Origin};

use super::marking::{GROW_LIMIT_MM, Mark, Tool};
use super::review::Review;

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
    /// The lesion a tool adds to: the selected one, else a new one (then selected). A
    /// comparison's lesion the reader has not marked yet is taken as a mark first, so the tool
    /// edits its outline instead of starting a second lesion under its number.
    fn target_lesion(&mut self) -> LesionId {
        let Some(id) = self.selected else {
            let id = self.reading.marks.next_id(self.reserved_ids());
            self.selected = Some(id);
            return id;
        };
        if self.found_by_comparison(id) && !self.reading.marks.ids().contains(&id) {
            self.accept(id);
        }
        id
    }

    /// Applies one marking request.
    pub fn apply_mark(&mut self, mark: Mark) {
        self.marking.message = None;
        let dims = self.reading.marks.dims();
        let spacing = self.reading.marks.geometry().spacing;
        match mark {
            Mark::SetTool(tool) => {
                self.marking.tool = tool;
                // Starting values from the follow-up's window: a fifth of it for growing, its
                // upper third for the box.
                let (lo, hi) = self.viewport.window(ExamId::FOLLOWUP);
                if tool == Tool::Grow && self.marking.tolerance <= 0.0 {
                    self.marking.tolerance = self.default_tolerance(ExamId::FOLLOWUP);
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
                    self.reading.marks.undo();
                    self.grow(exam, seed, label);
                }
            }
            Mark::SetThreshold(t) => self.marking.threshold = t,
            Mark::SetBoxDepth(d) => self.marking.box_depth_mm = d.clamp(0.0, 100.0),
            Mark::NewLesion => {
                let id = self.reading.marks.next_id(self.reserved_ids());
                self.selected = Some(id);
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
                let label = if erase {
                    0
                } else {
                    self.target_lesion().label()
                };
                if first {
                    self.reading.marks.begin_stroke();
                }
                self.reading.marks.paint(exam, &voxels, label, true);
                self.marking.last_grow = None;
            }
            Mark::EndStroke => self.reading.marks.end_stroke(),
            Mark::Grow { exam, at } => {
                if let Some(seed) = voxel(at, dims) {
                    let label = self.target_lesion().label();
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
                let label = self.target_lesion().label();
                if let Some(values) = self.exam_values(exam) {
                    let voxels = threshold_box(values, a, b, self.marking.threshold);
                    let n = self.reading.marks.paint(exam, &voxels, label, true);
                    self.marking.message = Some(format!("{n} voxels taken"));
                }
                self.marking.last_grow = None;
            }
            Mark::Accept(id) => self.accept(id),
            Mark::Split(id) => {
                let parts = self.reading.marks.split(id, self.reserved_ids());
                self.marking.message = Some(format!("{} part(s)", parts.len()));
            }
            Mark::Merge { from, into } => {
                self.reading.marks.merge(from, into);
                self.selected = Some(into);
            }
            Mark::Relabel { from, to } => {
                self.reading.marks.relabel(from, to);
                self.selected = Some(to);
            }
            Mark::Delete(id) => {
                self.reading.marks.delete(id);
                // A reader's own lesion is gone; a comparison's stays, unmarked.
                if self.selected == Some(id) && !self.found_by_comparison(id) {
                    self.selected = None;
                }
            }
            Mark::SetKind(id, kind) => self.edit_record(id, |r| r.kind = kind),
            Mark::SetNote(id, note) => self.edit_record(id, |r| r.note = note),
            Mark::Undo => {
                self.marking.last_grow = None;
                if !self.reading.marks.undo() {
                    self.marking.message = Some("nothing to undo".into());
                }
            }
            Mark::Redo => {
                self.marking.last_grow = None;
                if !self.reading.marks.redo() {
                    self.marking.message = Some("nothing to redo".into());
                }
            }
        }
    }

    fn edit_record(&mut self, id: LesionId, change: impl FnOnce(&mut LesionRecord)) {
        let mut record = self
            .reading
            .marks
            .record(id)
            .cloned()
            .unwrap_or(LesionRecord {
                origin: if self.found_by_comparison(id) {
                    Origin::Candidate
                } else {
                    Origin::Reader
                },
                ..LesionRecord::default()
            });
        change(&mut record);
        self.reading.marks.set_record(id, Some(record));
    }

    fn grow(&mut self, exam: ExamId, seed: [usize; 3], label: Label) {
        let spacing = self.reading.marks.geometry().spacing;
        let tolerance = self.marking.tolerance;
        let Some(values) = self.exam_values(exam) else {
            return;
        };
        let grown = region_grow(values, spacing, seed, tolerance, GROW_LIMIT_MM);
        let n = self.reading.marks.paint(exam, &grown.voxels, label, true);
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
    fn default_tolerance(&self, exam: ExamId) -> f32 {
        let (lo, hi) = self.viewport.window(exam);
        ((hi - lo) / 5.0).max(1e-3)
    }

    /// Takes the comparison's lesion `id` as a marked lesion.
    fn accept(&mut self, id: LesionId) {
        let Some(lesion) = self.report().lesions.iter().find(|l| l.id == id).cloned() else {
            return;
        };
        let Some(view) = tandem::compare::primary_view(&self.reading.comparison.views) else {
            return;
        };
        let kind = if lesion.enhancing && lesion.status == tandem::pipeline::lesion::Status::New {
            LesionKind::Enhancing
        } else {
            LesionKind::T2Flair
        };
        let sources = [
            Some((&view.baseline_lesions, lesion.baseline_labels.as_slice())),
            Some((&view.followup_lesions, lesion.followup_labels.as_slice())),
        ];
        self.reading.marks.accept_candidate(id, kind, &sources);
        self.selected = Some(id);
    }
}
