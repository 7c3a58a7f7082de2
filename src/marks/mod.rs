//! The reader's marks: one label volume per exam on the comparison (baseline) grid, one label
//! per lesion, and what the reader says of each lesion. Every change is an [`Edit`] kept in an
//! undo history, so any edit can be undone and redone.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | `Marks`: label volumes, lesion records, voxel counts, undo/redo |
//! | `tools.rs` | brush, eraser, region growing, threshold in a box: voxel sets from a gesture |
//! | `ops.rs` | lesion operations: accept a candidate, split, merge, relabel, delete |
//! | `encode.rs` | label volumes ↔ compact text (run lengths, deflate, base64) for sessions |
//!
//! A lesion's label value is its id, the same in every exam: identity across exams is the
//! label, which is what lets a third exam (or a SEG object's tracking id) follow it.

mod encode;
mod label;
mod ops;
pub mod tools;

use std::collections::BTreeMap;

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::ids::{ExamId, LesionId};
use crate::pipeline::geometry::Geometry;
use crate::pipeline::image::{array_shape, grid_dims};

pub use encode::{LabelDataProblem, decode_labels, encode_labels};
pub use label::Label;

/// What kind of finding a lesion is (the types a follow-up report counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LesionKind {
    /// A T2/FLAIR hyperintense lesion.
    #[default]
    T2Flair,
    /// A gadolinium-enhancing lesion.
    Enhancing,
    /// Anything else the reader wants to point out.
    Other,
}

impl LesionKind {
    pub const ALL: [LesionKind; 3] = [
        LesionKind::T2Flair,
        LesionKind::Enhancing,
        LesionKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LesionKind::T2Flair => "T2/FLAIR lesion",
            LesionKind::Enhancing => "Enhancing lesion",
            LesionKind::Other => "Other finding",
        }
    }
}

/// Where a marked lesion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Drawn by the reader.
    #[default]
    Reader,
    /// An algorithm candidate the reader accepted (same id as in the comparison report).
    Candidate,
}

/// What the reader says of one marked lesion.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LesionRecord {
    pub kind: LesionKind,
    pub note: String,
    pub origin: Origin,
}

/// One exam's labels on the comparison grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamLabels {
    /// Study Instance UID of the exam the labels describe.
    pub study_uid: String,
    pub labels: Array3<Label>,
}

/// One voxel's change: flat index, label before, label after.
pub type VoxelChange = (usize, Label, Label);
/// One lesion record's change: id, before, after.
pub type RecordChange = (LesionId, Option<LesionRecord>, Option<LesionRecord>);

/// One undoable change: voxels per exam, and lesion records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Edit {
    pub exam_voxels: Vec<(ExamId, Vec<VoxelChange>)>,
    pub records: Vec<RecordChange>,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        self.exam_voxels.iter().all(|(_, v)| v.is_empty()) && self.records.is_empty()
    }
}

/// All of the reader's marks for one comparison.
#[derive(Debug, Clone)]
pub struct Marks {
    geometry: Geometry,
    exams: Vec<ExamLabels>,
    records: BTreeMap<LesionId, LesionRecord>,
    /// Voxel count and index sum of each label in each exam, kept up to date by every edit
    /// (so volumes and centres never need a pass over the volume).
    counts: Vec<BTreeMap<Label, Tally>>,
    undo: Vec<Edit>,
    redo: Vec<Edit>,
    /// Changes with every edit, and differs between any two `Marks` (caches and autosave
    /// watch it: marks restored from a file never look like the ones they replace).
    revision: u64,
    /// Whether the next voxel change joins the last edit (one brush drag is one undo step).
    stroke_open: bool,
}

/// A revision number never handed out before in this process.
fn next_revision() -> u64 {
    static REVISIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    REVISIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Longest undo history kept (older steps are dropped).
const MAX_UNDO: usize = 200;

impl Marks {
    /// Empty marks for the given exams (study UIDs, baseline first) on a grid.
    pub fn new(geometry: Geometry, dims: [usize; 3], study_uids: &[String]) -> Self {
        let shape = array_shape(dims);
        let exams = study_uids
            .iter()
            .map(|uid| ExamLabels {
                study_uid: uid.clone(),
                labels: Array3::zeros(shape),
            })
            .collect::<Vec<_>>();
        let counts = vec![BTreeMap::new(); exams.len()];
        Self {
            geometry,
            exams,
            records: BTreeMap::new(),
            counts,
            undo: Vec::new(),
            redo: Vec::new(),
            revision: next_revision(),
            stroke_open: false,
        }
    }

    /// Marks restored from a session: labels and records as saved, an empty history.
    pub fn from_parts(
        geometry: Geometry,
        exams: Vec<ExamLabels>,
        records: BTreeMap<LesionId, LesionRecord>,
    ) -> Self {
        let counts = exams.iter().map(|e| tally_labels(&e.labels)).collect();
        Self {
            geometry,
            exams,
            records,
            counts,
            undo: Vec::new(),
            redo: Vec::new(),
            revision: next_revision(),
            stroke_open: false,
        }
    }

    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Grid size `[i, j, k]`.
    pub fn dims(&self) -> [usize; 3] {
        self.exams
            .first()
            .map_or([0; 3], |e| grid_dims(e.labels.dim()))
    }

    pub fn exams(&self) -> &[ExamLabels] {
        &self.exams
    }

    /// The exams the marks hold labels for, in time order.
    pub fn exam_ids(&self) -> impl Iterator<Item = ExamId> + use<> {
        ExamId::first(self.exams.len())
    }

    pub fn labels(&self, exam: ExamId) -> Option<&Array3<Label>> {
        self.exams.get(exam.index()).map(|e| &e.labels)
    }

    pub fn records(&self) -> &BTreeMap<LesionId, LesionRecord> {
        &self.records
    }

    pub fn record(&self, id: LesionId) -> Option<&LesionRecord> {
        self.records.get(&id)
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Voxels of lesion `id` in `exam`.
    pub fn voxel_count(&self, exam: ExamId, id: LesionId) -> u64 {
        self.counts
            .get(exam.index())
            .and_then(|c| c.get(&id.label()))
            .map_or(0, |t| t.voxels)
    }

    /// Centre of lesion `id` in `exam` as a grid index `[i, j, k]`, if it has voxels there.
    pub fn centre_index(&self, exam: ExamId, id: LesionId) -> Option<[f64; 3]> {
        let t = self.counts.get(exam.index())?.get(&id.label())?;
        (t.voxels > 0).then(|| t.sum.map(|v| v / t.voxels as f64))
    }

    /// Volume of lesion `id` in `exam`, mm³.
    pub fn volume_mm3(&self, exam: ExamId, id: LesionId) -> f64 {
        self.voxel_count(exam, id) as f64 * self.geometry.spacing.iter().product::<f64>()
    }

    /// Ids with a record or any voxel, ascending.
    pub fn ids(&self) -> Vec<LesionId> {
        let mut ids: Vec<LesionId> = self.records.keys().copied().collect();
        for counts in &self.counts {
            ids.extend(
                counts
                    .iter()
                    .filter(|(_, t)| t.voxels > 0)
                    .filter_map(|(label, _)| LesionId::from_label(*label)),
            );
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The smallest id above every id in use and above `reserved` (the comparison's own
    /// ids); the last id when none is left.
    pub fn next_id(&self, reserved: Option<LesionId>) -> LesionId {
        match self.ids().last().copied().max(reserved) {
            Some(top) => top.next().unwrap_or(LesionId::MAX),
            None => LesionId::FIRST,
        }
    }

    /// Flat index of voxel `[i, j, k]`, if inside the grid.
    pub fn flat_index(&self, ijk: [usize; 3]) -> Option<usize> {
        let [ni, nj, nk] = self.dims();
        (ijk[0] < ni && ijk[1] < nj && ijk[2] < nk).then_some((ijk[2] * nj + ijk[1]) * ni + ijk[0])
    }

    /// Label at voxel `[i, j, k]` of `exam`.
    pub fn label_at(&self, exam: ExamId, ijk: [usize; 3]) -> Label {
        self.labels(exam)
            .and_then(|l| l.get((ijk[2], ijk[1], ijk[0])))
            .copied()
            .unwrap_or(0)
    }

    /// Sets `voxels` (flat indices) of `exam` to `label`. With `keep_others`, voxels of other
    /// lesions are left alone (painting never eats a neighbour); label 0 erases. The change
    /// joins the open stroke, if any. Returns the number of voxels changed.
    pub fn paint(
        &mut self,
        exam: ExamId,
        voxels: &[usize],
        label: Label,
        keep_others: bool,
    ) -> usize {
        let Some(labels) = self.exams.get(exam.index()).map(|e| &e.labels) else {
            return 0;
        };
        let Some(flat) = labels.as_slice() else {
            return 0;
        };
        let changes: Vec<VoxelChange> = voxels
            .iter()
            .filter_map(|&n| {
                let old = *flat.get(n)?;
                let blocked = keep_others && old != 0 && label != 0 && old != label;
                (old != label && !blocked).then_some((n, old, label))
            })
            .collect();
        let changed = changes.len();
        let mut edit = Edit {
            exam_voxels: vec![(exam, changes)],
            records: Vec::new(),
        };
        if let Some(id) = LesionId::from_label(label)
            && !self.records.contains_key(&id)
            && changed > 0
        {
            edit.records.push((id, None, Some(LesionRecord::default())));
        }
        self.commit(edit);
        changed
    }

    /// Starts a stroke: voxel edits until [`Marks::end_stroke`] undo as one step.
    pub fn begin_stroke(&mut self) {
        self.stroke_open = true;
        self.undo.push(Edit::default());
        self.redo.clear();
    }

    pub fn end_stroke(&mut self) {
        self.stroke_open = false;
        if self.undo.last().is_some_and(Edit::is_empty) {
            self.undo.pop();
        }
    }

    /// Sets (or removes, with `None`) the record of lesion `id`, undoably.
    pub fn set_record(&mut self, id: LesionId, record: Option<LesionRecord>) {
        let before = self.records.get(&id).cloned();
        if before != record {
            self.commit(Edit {
                exam_voxels: Vec::new(),
                records: vec![(id, before, record)],
            });
        }
    }

    /// Applies an edit and records it for undo.
    pub(crate) fn commit(&mut self, edit: Edit) {
        if edit.is_empty() {
            return;
        }
        self.apply(&edit, true);
        self.redo.clear();
        match self.undo.last_mut() {
            Some(open) if self.stroke_open => {
                open.exam_voxels.extend(edit.exam_voxels);
                open.records.extend(edit.records);
            }
            _ => {
                self.undo.push(edit);
                if self.undo.len() > MAX_UNDO {
                    self.undo.remove(0);
                }
            }
        }
    }

    /// Writes an edit's "after" (forward) or "before" (backward) values.
    fn apply(&mut self, edit: &Edit, forward: bool) {
        self.revision = next_revision();
        let dims = self.dims();
        let mut exam_changes: Vec<&(ExamId, Vec<VoxelChange>)> = edit.exam_voxels.iter().collect();
        if !forward {
            exam_changes.reverse();
        }
        for (exam, changes) in exam_changes {
            let (Some(labels), Some(counts)) = (
                self.exams
                    .get_mut(exam.index())
                    .and_then(|e| e.labels.as_slice_mut()),
                self.counts.get_mut(exam.index()),
            ) else {
                continue;
            };
            let [ni, nj, _] = dims;
            let ijk = |n: usize| {
                let (i, rest) = (n % ni.max(1), n / ni.max(1));
                [
                    i as f64,
                    (rest % nj.max(1)) as f64,
                    (rest / nj.max(1)) as f64,
                ]
            };
            let mut write = |&(n, before, after): &VoxelChange| {
                let (from, to) = if forward {
                    (before, after)
                } else {
                    (after, before)
                };
                if let Some(v) = labels.get_mut(n) {
                    *v = to;
                    let at = ijk(n);
                    if from != 0
                        && let Some(c) = counts.get_mut(&from)
                    {
                        c.voxels = c.voxels.saturating_sub(1);
                        for (s, v) in c.sum.iter_mut().zip(at) {
                            *s -= v;
                        }
                        if c.voxels == 0 {
                            counts.remove(&from);
                        }
                    }
                    if to != 0 {
                        let c = counts.entry(to).or_default();
                        c.voxels += 1;
                        for (s, v) in c.sum.iter_mut().zip(at) {
                            *s += v;
                        }
                    }
                }
            };
            if forward {
                changes.iter().for_each(&mut write);
            } else {
                changes.iter().rev().for_each(&mut write);
            }
        }
        let mut records: Vec<&RecordChange> = edit.records.iter().collect();
        if !forward {
            records.reverse();
        }
        for (id, before, after) in records {
            match if forward { after } else { before } {
                Some(r) => {
                    self.records.insert(*id, r.clone());
                }
                None => {
                    self.records.remove(id);
                }
            }
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Undoes the last edit; false when there is none.
    pub fn undo(&mut self) -> bool {
        self.stroke_open = false;
        let Some(edit) = self.undo.pop() else {
            return false;
        };
        self.apply(&edit, false);
        self.redo.push(edit);
        true
    }

    /// Redoes the last undone edit; false when there is none.
    pub fn redo(&mut self) -> bool {
        self.stroke_open = false;
        let Some(edit) = self.redo.pop() else {
            return false;
        };
        self.apply(&edit, true);
        self.undo.push(edit);
        true
    }
}

/// One label's voxel count and the sum of its voxels' indices.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    voxels: u64,
    sum: [f64; 3],
}

/// The tally of each non-zero label.
fn tally_labels(labels: &Array3<Label>) -> BTreeMap<Label, Tally> {
    let mut tallies: BTreeMap<Label, Tally> = BTreeMap::new();
    for ((k, j, i), &l) in labels.indexed_iter() {
        if l != 0 {
            let t = tallies.entry(l).or_default();
            t.voxels += 1;
            t.sum[0] += i as f64;
            t.sum[1] += j as f64;
            t.sum[2] += k as f64;
        }
    }
    tallies
}

#[cfg(test)]
mod tests;
