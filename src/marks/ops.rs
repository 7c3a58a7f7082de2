//! Operations on whole lesions, each one undoable step: accept an algorithm candidate as a
//! marked lesion, split a lesion into its connected parts, merge two, give one another id,
//! delete one.

use ndarray::Array3;

use super::{Edit, Label, LesionKind, LesionRecord, Marks, Origin};
use crate::ids::{ExamId, LesionId};
use crate::pipeline::image::Image;
use crate::pipeline::morphology::label_components;

impl Marks {
    /// The changes that set each voxel of `exam` for which `new_label(old)` says so.
    fn changes_where(
        &self,
        exam: ExamId,
        mut new_label: impl FnMut(usize, Label) -> Option<Label>,
    ) -> Vec<super::VoxelChange> {
        let Some(flat) = self.labels(exam).and_then(|l| l.as_slice()) else {
            return Vec::new();
        };
        flat.iter()
            .enumerate()
            .filter_map(|(n, &old)| {
                new_label(n, old)
                    .filter(|new| *new != old)
                    .map(|new| (n, old, new))
            })
            .collect()
    }

    /// Marks an algorithm lesion as the reader's: in each exam, the voxels whose `source`
    /// label is one of `source_labels` get label `id` (other marked lesions are kept).
    /// `sources[exam]` is that exam's label map on the comparison grid, if any.
    pub fn accept_candidate(
        &mut self,
        id: LesionId,
        kind: LesionKind,
        sources: &[Option<(&Image<u32>, &[u32])>],
    ) {
        let label = id.label();
        let mut edit = Edit::default();
        for (exam, source) in self.exam_ids().zip(sources) {
            let Some((map, wanted)) = source else {
                continue;
            };
            let Some(src) = map.voxels().as_slice() else {
                continue;
            };
            if src.len() != self.labels(exam).map_or(0, |l| l.len()) {
                continue;
            }
            let changes = self.changes_where(exam, |n, old| {
                let hit = src.get(n).is_some_and(|s| *s != 0 && wanted.contains(s));
                (hit && (old == 0 || old == label)).then_some(label)
            });
            edit.exam_voxels.push((exam, changes));
        }
        let record = LesionRecord {
            kind,
            note: self.record(id).map(|r| r.note.clone()).unwrap_or_default(),
            origin: Origin::Candidate,
        };
        let before = self.record(id).cloned();
        if before.as_ref() != Some(&record) {
            edit.records.push((id, before, Some(record)));
        }
        self.commit(edit);
    }

    /// Splits lesion `id` into its 26-connected parts (over all exams together, so a part
    /// keeps one identity across exams). The largest part keeps `id`; the others get new ids
    /// from `next_id`. Returns the ids of the parts.
    pub fn split(&mut self, id: LesionId, reserved: Option<LesionId>) -> Vec<LesionId> {
        let label = id.label();
        let Some(first) = self.labels(ExamId::BASELINE) else {
            return Vec::new();
        };
        let mut union = Array3::from_elem(first.dim(), false);
        for exam in self.exams() {
            ndarray::Zip::from(&mut union)
                .and(&exam.labels)
                .for_each(|u, l| *u |= *l == label);
        }
        let (parts, count) = label_components(&union);
        if count < 2 {
            return vec![id];
        }
        let mut sizes = vec![0usize; count as usize + 1];
        for p in &parts {
            if let Some(s) = sizes.get_mut(*p as usize) {
                *s += 1;
            }
        }
        let largest = (1..=count as usize)
            .max_by_key(|p| (sizes.get(*p).copied().unwrap_or(0), std::cmp::Reverse(*p)))
            .unwrap_or(1);
        let mut next = self.next_id(reserved);
        let mut new_labels = vec![0 as Label; count as usize + 1];
        let mut ids = vec![id];
        for p in 1..=count as usize {
            let slot = if p == largest {
                id
            } else {
                let fresh = next;
                next = next.next().unwrap_or(LesionId::MAX);
                ids.push(fresh);
                fresh
            };
            if let Some(s) = new_labels.get_mut(p) {
                *s = slot.label();
            }
        }
        let Some(parts_flat) = parts.as_slice() else {
            return vec![id];
        };
        let mut edit = Edit::default();
        for exam in self.exam_ids() {
            let changes = self.changes_where(exam, |n, old| {
                (old == label)
                    .then(|| {
                        parts_flat
                            .get(n)
                            .and_then(|p| new_labels.get(*p as usize))
                            .copied()
                    })
                    .flatten()
            });
            edit.exam_voxels.push((exam, changes));
        }
        let record = self.record(id).cloned().unwrap_or_default();
        for fresh in ids.iter().skip(1) {
            edit.records.push((*fresh, None, Some(record.clone())));
        }
        self.commit(edit);
        ids.sort_unstable();
        ids
    }

    /// Merges lesion `from` into `into` in every exam; `from`'s record goes.
    pub fn merge(&mut self, from: LesionId, into: LesionId) {
        if from == into {
            return;
        }
        let (from_label, into_label) = (from.label(), into.label());
        let mut edit = Edit::default();
        for exam in self.exam_ids() {
            let changes =
                self.changes_where(exam, |_, old| (old == from_label).then_some(into_label));
            edit.exam_voxels.push((exam, changes));
        }
        if let Some(before) = self.record(from).cloned() {
            edit.records.push((from, Some(before.clone()), None));
            if self.record(into).is_none() {
                edit.records.push((into, None, Some(before)));
            }
        }
        self.commit(edit);
    }

    /// Gives lesion `from` the id `to`: a rename when `to` is free, a merge when it is taken.
    pub fn relabel(&mut self, from: LesionId, to: LesionId) {
        if self.ids().contains(&to) {
            self.merge(from, to);
            return;
        }
        if from == to {
            return;
        }
        let (from_label, to_label) = (from.label(), to.label());
        let mut edit = Edit::default();
        for exam in self.exam_ids() {
            let changes =
                self.changes_where(exam, |_, old| (old == from_label).then_some(to_label));
            edit.exam_voxels.push((exam, changes));
        }
        if let Some(before) = self.record(from).cloned() {
            edit.records.push((from, Some(before.clone()), None));
            edit.records.push((to, None, Some(before)));
        }
        self.commit(edit);
    }

    /// Deletes lesion `id`: its voxels in every exam and its record.
    pub fn delete(&mut self, id: LesionId) {
        let label = id.label();
        let mut edit = Edit::default();
        for exam in self.exam_ids() {
            let changes = self.changes_where(exam, |_, old| (old == label).then_some(0));
            edit.exam_voxels.push((exam, changes));
        }
        if let Some(before) = self.record(id).cloned() {
            edit.records.push((id, Some(before), None));
        }
        self.commit(edit);
    }
}
