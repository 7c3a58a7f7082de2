//! Lesions across exams: plaques found at each exam are matched by overlap on the baseline
//! grid, each gets a status (new, enlarging, persistent, shrinking, resolved) and keeps one
//! identity; merges and splits are noted.
//!
//! A status that claims activity (new, enlarging) also needs significant change on the
//! subtraction map at that lesion: a plaque that crossed the detection threshold without
//! really changing stays persistent. That is what keeps persistent lesions from being flagged.

use std::collections::BTreeSet;

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::change::{ChangeSettings, Region};
use crate::geometry::Vec3;

/// How a lesion changed (CLINICAL.md's vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Enlarging,
    Persistent,
    Shrinking,
    Resolved,
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
        }
    }

    /// New and enlarging lesions make a scan radiologically active.
    pub fn is_activity(self) -> bool {
        matches!(self, Status::New | Status::Enlarging)
    }
}

/// One lesion's history over the two exams.
#[derive(Debug, Clone, Serialize)]
pub struct TrackedLesion {
    /// Stable id within the comparison (1.., ordered by position).
    pub id: u32,
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
    pub location: Option<crate::location::Location>,
}

/// Matches lesion regions of both exams and assigns statuses.
///
/// `baseline_labels`/`followup_labels` are label volumes on the baseline grid (0 = none);
/// `change_labels` the labels of significant increase, `decrease_labels` of significant
/// decrease. Shrinking and resolved need a significant decrease, as new and enlarging need an
/// increase: a baseline plaque that no follow-up plaque overlaps, without a decrease there,
/// was never confirmed as a plaque and is left out.
pub fn match_lesions(
    baseline: (&Array3<u32>, &[Region]),
    followup: (&Array3<u32>, &[Region]),
    change_labels: &Array3<u32>,
    decrease_labels: &Array3<u32>,
    settings: &ChangeSettings,
) -> Vec<TrackedLesion> {
    let (b_labels, b_regions) = baseline;
    let (f_labels, f_regions) = followup;
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
            id: 0,
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
                id: 0,
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
    // Ids by position (superior to inferior, then right to left, anterior to posterior), so
    // the same exams always give the same numbering.
    lesions.sort_by(|a, b| {
        let key = |l: &TrackedLesion| (-l.centroid_mm[2], l.centroid_mm[0], l.centroid_mm[1]);
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(ka.2.total_cmp(&kb.2))
    });
    for (n, lesion) in lesions.iter_mut().enumerate() {
        lesion.id = n as u32 + 1;
    }
    lesions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::regions;
    use crate::geometry::Geometry;

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
        let ids: Vec<u32> = lesions.iter().map(|l| l.id).collect();
        assert_eq!(ids, (1..=5).collect::<Vec<_>>());
    }
}
