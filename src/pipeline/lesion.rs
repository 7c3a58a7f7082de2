//! Lesions across exams: plaques found at each exam are matched by overlap on the baseline
//! grid, each gets a status (new, enlarging, persistent, shrinking, resolved) and keeps one
//! identity; merges and splits are noted.
//!
//! A status that claims activity (new, enlarging) also needs significant change on the
//! subtraction map at that lesion: a plaque that crossed the detection threshold without
//! really changing stays persistent. That is what keeps persistent lesions from being flagged.
//!
//! A region of significant increase that no lesion explains is never dropped: it becomes an
//! [`Status::Unexplained`] finding of its own ([`add_unexplained`]) for the reader to confirm
//! or dismiss.

use std::collections::BTreeSet;

use ndarray::Zip;
use serde::{Deserialize, Serialize};

use crate::ids::LesionId;
use crate::pipeline::change::{ChangeSettings, Region};
use crate::pipeline::geometry::Vec3;
use crate::pipeline::image::Image;
use crate::pipeline::morphology::{Mask, morph};

/// How a lesion changed (CLINICAL.md's vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Enlarging,
    Persistent,
    Shrinking,
    Resolved,
    /// A region of significant increase, hyperintense at follow-up, that no lesion overlaps
    /// (e.g. its peak is not brighter than the brightest normal tissue). Not counted as
    /// activity; the reader confirms it (a new lesion) or dismisses it.
    Unexplained,
}

impl Status {
    /// The word a report and the lesion table use.
    pub fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Enlarging => "enlarging",
            Status::Persistent => "persistent",
            Status::Shrinking => "shrinking",
            Status::Resolved => "resolved",
            Status::Unexplained => "unexplained change",
        }
    }

    /// New and enlarging lesions make a scan radiologically active.
    pub fn is_activity(self) -> bool {
        matches!(self, Status::New | Status::Enlarging)
    }

    /// What the reader is asked to look at: activity, and changes no lesion explains.
    pub fn is_flagged(self) -> bool {
        self.is_activity() || self == Status::Unexplained
    }
}

/// One lesion's history over the two exams.
#[derive(Debug, Clone, Serialize)]
pub struct TrackedLesion {
    /// Stable id within the comparison (1.., ordered by position).
    pub id: LesionId,
    pub status: Status,
    /// New contrast enhancement at follow-up overlaps this lesion.
    pub enhancing: bool,
    /// Centroid in baseline patient LPS mm (of the follow-up lesion when present).
    pub centroid_mm: Vec3,
    pub volume_baseline_mm3: f64,
    pub volume_followup_mm3: f64,
    /// Labels of the matched regions in the baseline and follow-up lesion maps.
    pub baseline_labels: Vec<u32>,
    pub followup_labels: Vec<u32>,
    /// "merged from 2 baseline lesions", "split into 2 at follow-up".
    pub notes: Vec<String>,
    /// Coarse location, when the comparison could tell it.
    pub location: Option<crate::pipeline::location::Location>,
}

/// Matches lesion regions of both exams and assigns statuses.
///
/// `baseline_labels`/`followup_labels` are label volumes on the baseline grid (0 = none);
/// `change_labels` the labels of significant increase, `decrease_labels` of significant
/// decrease. Shrinking and resolved need a significant decrease, as new and enlarging need an
/// increase: a baseline plaque that no follow-up plaque overlaps, without a decrease there,
/// was never confirmed as a plaque and is left out.
pub fn match_lesions(
    baseline: (&Image<u32>, &[Region]),
    followup: (&Image<u32>, &[Region]),
    change_labels: &Image<u32>,
    decrease_labels: &Image<u32>,
    settings: &ChangeSettings,
) -> Vec<TrackedLesion> {
    let (b_labels, b_regions) = (baseline.0.voxels(), baseline.1);
    let (f_labels, f_regions) = (followup.0.voxels(), followup.1);
    let (change_labels, decrease_labels) = (change_labels.voxels(), decrease_labels.voxels());
    let nb = b_regions.len();
    let nf = f_regions.len();
    // Overlap pairs and whether each follow-up lesion touches significant change.
    let mut pairs: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut changed = vec![false; nf + 1];
    for ((b, f), c) in b_labels
        .iter()
        .zip(f_labels.iter())
        .zip(change_labels.iter())
    {
        if *f > 0 {
            if *b > 0 {
                pairs.insert((*b, *f));
            }
            if *c > 0
                && let Some(flag) = changed.get_mut(*f as usize)
            {
                *flag = true;
            }
        }
    }
    // Which baseline lesions touch a significant decrease.
    let mut decreased = vec![false; nb + 1];
    for (b, d) in b_labels.iter().zip(decrease_labels.iter()) {
        if *b > 0
            && *d > 0
            && let Some(flag) = decreased.get_mut(*b as usize)
        {
            *flag = true;
        }
    }
    let volume = |regions: &[Region], label: u32| {
        regions
            .get(label as usize - 1)
            .map_or(0.0, |r| r.volume_mm3)
    };
    let mut lesions = Vec::new();
    let mut used_baseline = BTreeSet::new();
    for f in 1..=nf as u32 {
        let matched: Vec<u32> = pairs
            .iter()
            .filter(|(_, pf)| *pf == f)
            .map(|(b, _)| *b)
            .collect();
        let Some(region) = f_regions.get(f as usize - 1) else {
            continue;
        };
        let vol_f = region.volume_mm3;
        // A fold, not `sum()`: an empty float sum is −0.0, which prints as "-0".
        let vol_b = matched
            .iter()
            .fold(0.0, |acc, b| acc + volume(b_regions, *b));
        let significant = changed.get(f as usize).copied().unwrap_or(false);
        let status = if matched.is_empty() {
            if significant {
                Status::New
            } else {
                Status::Persistent
            }
        } else if vol_f >= (1.0 + settings.enlarge_ratio) * vol_b
            && vol_f - vol_b >= settings.enlarge_min_mm3
            && significant
        {
            Status::Enlarging
        } else if vol_b >= (1.0 + settings.enlarge_ratio) * vol_f
            && vol_b - vol_f >= settings.enlarge_min_mm3
            && !significant
            && matched
                .iter()
                .any(|b| decreased.get(*b as usize).copied().unwrap_or(false))
        {
            Status::Shrinking
        } else {
            Status::Persistent
        };
        let mut notes = Vec::new();
        if matched.len() > 1 {
            notes.push(format!("merged from {} baseline lesions", matched.len()));
        }
        used_baseline.extend(matched.iter().copied());
        lesions.push(TrackedLesion {
            id: LesionId::MAX, // numbered by position below
            status,
            enhancing: false,
            centroid_mm: region.centroid_mm,
            volume_baseline_mm3: vol_b,
            volume_followup_mm3: vol_f,
            baseline_labels: matched,
            followup_labels: vec![f],
            notes,
            location: None,
        });
    }
    // A baseline lesion overlapped by several follow-up lesions split.
    for b in 1..=nb as u32 {
        let parts = pairs.iter().filter(|(pb, _)| *pb == b).count();
        if parts > 1 {
            for lesion in lesions
                .iter_mut()
                .filter(|l| l.baseline_labels.contains(&b))
            {
                lesion
                    .notes
                    .push(format!("split from one baseline lesion into {parts}"));
            }
        }
        if !used_baseline.contains(&b)
            && decreased.get(b as usize).copied().unwrap_or(false)
            && let Some(region) = b_regions.get(b as usize - 1)
        {
            lesions.push(TrackedLesion {
                id: LesionId::MAX, // numbered by position below
                status: Status::Resolved,
                enhancing: false,
                centroid_mm: region.centroid_mm,
                volume_baseline_mm3: region.volume_mm3,
                volume_followup_mm3: 0.0,
                baseline_labels: vec![b],
                followup_labels: Vec::new(),
                notes: Vec::new(),
                location: None,
            });
        }
    }
    number_by_position(&mut lesions);
    lesions
}

/// Ids by position (superior to inferior, then right to left, anterior to posterior), so the
/// same exams always give the same numbering.
fn number_by_position(lesions: &mut [TrackedLesion]) {
    lesions.sort_by(|a, b| {
        let key = |l: &TrackedLesion| (-l.centroid_mm[2], l.centroid_mm[0], l.centroid_mm[1]);
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(ka.2.total_cmp(&kb.2))
    });
    // Past the label volumes' range (65,535 lesions) the rest share the last id.
    for (n, lesion) in lesions.iter_mut().enumerate() {
        lesion.id = LesionId::nth(n + 1).unwrap_or(LesionId::MAX);
    }
}

/// Adds an [`Status::Unexplained`] finding for every region of significant increase
/// (`change_labels`, `candidates`) that no tracked lesion overlaps or touches, at follow-up or
/// at baseline, so nothing the change map shows is silently dropped. Each one's voxels are
/// labelled in `followup_labels` (after its highest label) so viewers outline it and jumps
/// find it; its centroid and follow-up volume are the candidate's. Ids are renumbered by
/// position over all lesions.
pub fn add_unexplained(
    lesions: &mut Vec<TrackedLesion>,
    followup_labels: &mut Image<u32>,
    baseline_labels: &Image<u32>,
    change: (&Image<u32>, &[Region]),
) {
    let (change_labels, candidates) = (change.0.voxels(), change.1);
    let baseline_labels = baseline_labels.voxels();
    let followup_labels = followup_labels.voxels_mut();
    let tracked_followup: BTreeSet<u32> = lesions
        .iter()
        .flat_map(|l| l.followup_labels.iter().copied())
        .collect();
    let tracked_baseline: BTreeSet<u32> = lesions
        .iter()
        .flat_map(|l| l.baseline_labels.iter().copied())
        .collect();
    // A change touching a lesion (its rim: the lesion moved or blurred a little) is that
    // lesion's; the table already lists it.
    let mut at_lesions = Mask::from_elem(change_labels.dim(), false);
    Zip::from(&mut at_lesions)
        .and(&*followup_labels)
        .and(baseline_labels)
        .for_each(|m, f, b| {
            *m = tracked_followup.contains(f) || tracked_baseline.contains(b);
        });
    let near_lesions = morph(&at_lesions, 1, true);
    let mut explained: BTreeSet<u32> = BTreeSet::new();
    for (c, near) in change_labels.iter().zip(near_lesions.iter()) {
        if *c > 0 && *near {
            explained.insert(*c);
        }
    }
    let mut next = followup_labels.iter().copied().max().unwrap_or(0);
    let mut relabel: Vec<u32> = Vec::new();
    for candidate in candidates {
        if explained.contains(&candidate.label) {
            continue;
        }
        next += 1;
        let label = candidate.label as usize;
        if relabel.len() <= label {
            relabel.resize(label + 1, 0);
        }
        if let Some(slot) = relabel.get_mut(label) {
            *slot = next;
        }
        lesions.push(TrackedLesion {
            id: LesionId::MAX, // numbered by position below
            status: Status::Unexplained,
            enhancing: false,
            centroid_mm: candidate.centroid_mm,
            volume_baseline_mm3: 0.0,
            volume_followup_mm3: candidate.volume_mm3,
            baseline_labels: Vec::new(),
            followup_labels: vec![next],
            notes: vec![
                "significant increase that no lesion explains: confirm as a lesion or dismiss"
                    .into(),
            ],
            location: None,
        });
    }
    if relabel.is_empty() {
        return;
    }
    for (f, c) in followup_labels.iter_mut().zip(change_labels.iter()) {
        if *f == 0
            && let Some(&label) = relabel.get(*c as usize)
            && label > 0
        {
            *f = label;
        }
    }
    number_by_position(lesions);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::geometry::Geometry;
    use ndarray::Array3;

    /// `change::regions` of a score map on grid `g`.
    fn regions(
        score: &Array3<f32>,
        g: &Geometry,
        seed: f32,
        grow: f32,
        min_volume_mm3: f64,
    ) -> (Image<u32>, Vec<Region>) {
        let score = Image::new(score.clone(), *g, "test").unwrap();
        crate::pipeline::change::regions(&score, seed, grow, min_volume_mm3)
    }

    fn ball(labels: &mut Array3<f32>, c: [usize; 3], r: f64) {
        for ((k, j, i), v) in labels.indexed_iter_mut() {
            let d = ((i as f64 - c[0] as f64).powi(2)
                + (j as f64 - c[1] as f64).powi(2)
                + (k as f64 - c[2] as f64).powi(2))
            .sqrt();
            if d <= r {
                *v = 10.0;
            }
        }
    }

    #[test]
    fn statuses_from_overlap_and_change() {
        let g = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        let dim = (40, 40, 60);
        let mut base = Array3::<f32>::zeros(dim);
        let mut follow = Array3::<f32>::zeros(dim);
        let mut change = Array3::<f32>::zeros(dim);
        ball(&mut base, [10, 10, 10], 3.0); // persistent
        ball(&mut follow, [10, 10, 10], 3.0);
        ball(&mut base, [30, 10, 10], 3.0); // enlarging
        ball(&mut follow, [30, 10, 10], 5.0);
        ball(&mut change, [30, 10, 10], 5.0);
        ball(&mut follow, [50, 30, 30], 3.0); // new
        ball(&mut change, [50, 30, 30], 3.0);
        ball(&mut base, [10, 30, 30], 3.0); // resolved
        ball(&mut follow, [30, 30, 10], 3.0); // crossed the threshold, no real change
        let s = ChangeSettings::default();
        let (fl, fr) = regions(&follow, &g, 5.0, 3.0, 1.0);
        let (cl, _) = regions(&change, &g, 5.0, 3.0, 1.0);
        let mut decrease = Array3::<f32>::zeros(dim);
        ball(&mut decrease, [10, 30, 30], 3.0); // the resolved plaque's signal fell
        ball(&mut base, [50, 10, 30], 3.0); // unconfirmed: bright at baseline, no decrease
        let (bl, br) = regions(&base, &g, 5.0, 3.0, 1.0);
        let (dl, _) = regions(&decrease, &g, 5.0, 3.0, 1.0);
        let lesions = match_lesions((&bl, &br), (&fl, &fr), &cl, &dl, &s);
        let status_at = |x: f64, y: f64| {
            lesions
                .iter()
                .find(|l| (l.centroid_mm[0] - x).abs() < 1.0 && (l.centroid_mm[1] - y).abs() < 1.0)
                .map(|l| l.status)
        };
        assert_eq!(status_at(10.0, 10.0), Some(Status::Persistent));
        assert_eq!(status_at(30.0, 10.0), Some(Status::Enlarging));
        assert_eq!(status_at(50.0, 30.0), Some(Status::New));
        assert_eq!(status_at(10.0, 30.0), Some(Status::Resolved));
        assert_eq!(status_at(30.0, 30.0), Some(Status::Persistent));
        let ids: Vec<u16> = lesions.iter().map(|l| l.id.label()).collect();
        assert_eq!(ids, (1..=5).collect::<Vec<_>>());
    }

    #[test]
    fn a_change_no_lesion_explains_is_unexplained() {
        let g = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        let dim = (30, 30, 40);
        let mut follow = Array3::<f32>::zeros(dim);
        let mut change = Array3::<f32>::zeros(dim);
        ball(&mut follow, [10, 10, 10], 3.0); // new: a lesion grew from this change
        ball(&mut change, [10, 10, 10], 3.0);
        ball(&mut change, [30, 20, 20], 3.0); // change with no lesion at either exam
        let s = ChangeSettings::default();
        let base = Array3::<f32>::zeros(dim);
        let (bl, br) = regions(&base, &g, 5.0, 3.0, 1.0);
        let (mut fl, fr) = regions(&follow, &g, 5.0, 3.0, 1.0);
        let (cl, cr) = regions(&change, &g, 5.0, 3.0, 1.0);
        let (dl, _) = regions(&base, &g, 5.0, 3.0, 1.0);
        let mut lesions = match_lesions((&bl, &br), (&fl, &fr), &cl, &dl, &s);
        assert_eq!(lesions.len(), 1, "the change without a lesion makes none");
        add_unexplained(&mut lesions, &mut fl, &bl, (&cl, &cr));
        assert_eq!(lesions.len(), 2);
        let unexplained = lesions
            .iter()
            .find(|l| l.status == Status::Unexplained)
            .unwrap();
        assert!((unexplained.centroid_mm[0] - 30.0).abs() < 0.5);
        assert!(unexplained.volume_followup_mm3 > 50.0);
        assert_eq!(unexplained.volume_baseline_mm3, 0.0);
        // Its voxels are labelled at follow-up, so it is outlined and jumped to.
        let label = unexplained.followup_labels[0];
        assert_eq!(fl.voxels()[[20, 20, 30]], label);
        assert!(!Status::Unexplained.is_activity() && Status::Unexplained.is_flagged());
        assert!(lesions.iter().any(|l| l.status == Status::New));
        let mut ids: Vec<u16> = lesions.iter().map(|l| l.id.label()).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, 2]);
    }

    #[test]
    fn a_change_at_a_lesions_rim_is_that_lesions() {
        let g = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        let dim = (30, 30, 40);
        // A persistent plaque at both exams, and a change just outside its edge (the plaque
        // moved a little): touching, not overlapping.
        let mut plaque = Array3::<f32>::zeros(dim);
        ball(&mut plaque, [10, 10, 10], 3.0);
        let mut change = Array3::<f32>::zeros(dim);
        change
            .slice_mut(ndarray::s![9..12, 9..12, 14..17])
            .fill(10.0);
        let s = ChangeSettings::default();
        let (bl, br) = regions(&plaque, &g, 5.0, 3.0, 1.0);
        let (mut fl, fr) = regions(&plaque, &g, 5.0, 3.0, 1.0);
        let (cl, cr) = regions(&change, &g, 5.0, 3.0, 1.0);
        assert_eq!(cr.len(), 1);
        assert!(
            cl.voxels()
                .iter()
                .zip(fl.voxels().iter())
                .all(|(c, f)| *c == 0 || *f == 0),
            "the change lies outside the plaque"
        );
        let (dl, _) = regions(&Array3::zeros(dim), &g, 5.0, 3.0, 1.0);
        let mut lesions = match_lesions((&bl, &br), (&fl, &fr), &cl, &dl, &s);
        add_unexplained(&mut lesions, &mut fl, &bl, (&cl, &cr));
        assert_eq!(lesions.len(), 1, "{lesions:?}");
        // Two voxels further out it is a finding of its own.
        let mut apart = Array3::<f32>::zeros(dim);
        apart
            .slice_mut(ndarray::s![9..12, 9..12, 16..19])
            .fill(10.0);
        let (al, ar) = regions(&apart, &g, 5.0, 3.0, 1.0);
        add_unexplained(&mut lesions, &mut fl, &bl, (&al, &ar));
        assert_eq!(lesions.len(), 2, "{lesions:?}");
    }
}
