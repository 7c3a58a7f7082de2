//! Marks scored against a reference, lesion by lesion and voxel by voxel, by the rules of the
//! MSSEG-2 new-lesion challenge's analyser (Commowick et al., Sci Rep 2018, section 11;
//! CLINICAL.md): lesions are 26-connected components of at least a minimum volume, and a
//! reference lesion counts as detected when
//!
//! 1. the marks cover at least `min_overlap` (α) of it, and
//! 2. the marked lesions that overlap it most (taken largest overlap first, until they make up
//!    `contributors` (γ) of the overlap) each lie outside every reference lesion for no more
//!    than `max_outside` (β) of their volume (a mark that mostly covers nothing does not count).
//!
//! The same rule with the roles swapped says which marks are true: sensitivity is detected
//! reference lesions over reference lesions, PPV true marks over marks, F1 their harmonic mean.
//! (So, as in the challenge, a small mark deep inside a much larger lesion is neither: that
//! lesion lies mostly outside it.) Dice is voxel-wise over the whole volume.

use ndarray::{Array3, Zip};
use serde::{Deserialize, Serialize};

use crate::pipeline::geometry::{Geometry, Vec3};
use crate::pipeline::morphology::label_components;

/// The analyser's knobs (defaults as in the MSSEG-2 evaluation: α 10 %, β 65 %, γ 70 %,
/// lesions of 3 mm³ and more).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreSettings {
    /// α: share of a lesion the other side must cover.
    pub min_overlap: f64,
    /// β: share of a covering lesion that may lie outside.
    pub max_outside: f64,
    /// γ: share of the overlap, largest first, whose lesions are checked against β.
    pub contributors: f64,
    /// Lesions smaller than this are ignored on both sides.
    pub min_volume_mm3: f64,
}

impl Default for ScoreSettings {
    fn default() -> Self {
        Self {
            min_overlap: 0.1,
            max_outside: 0.65,
            contributors: 0.7,
            min_volume_mm3: 3.0,
        }
    }
}

/// One lesion of either side, where it is and how big.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredLesion {
    /// Centre (patient LPS mm) of the lesion on the scored grid.
    pub centroid_mm: Vec3,
    pub volume_mm3: f64,
    /// Detected reference lesions: the volume the marks give it (the marks overlapping it);
    /// the error is `marked − reference`.
    pub marked_volume_mm3: Option<f64>,
    /// A false mark that lies in an expert's lesion but covers too little of it (the β rule:
    /// the lesion lies mostly outside the marks), not one outside every expert lesion.
    #[serde(default)]
    pub inside_reference: bool,
}

/// The score of one set of marks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub lesion_sensitivity: f64,
    pub lesion_ppv: f64,
    pub lesion_f1: f64,
    pub dice: f64,
    pub reference_lesions: usize,
    pub marked_lesions: usize,
    /// Reference lesions found, with the marked volume of each.
    pub detected: Vec<ScoredLesion>,
    /// Reference lesions not found.
    pub misses: Vec<ScoredLesion>,
    /// Marks that match no reference lesion.
    pub false_marks: Vec<ScoredLesion>,
    pub settings: ScoreSettings,
}

/// Lesions of one side: component labels (0 = none) and each component's voxel count.
struct Side {
    labels: Array3<u32>,
    sizes: Vec<u64>,
}

impl Side {
    /// 26-connected components of `mask`, those below `min_voxels` dropped (renumbered 1..).
    fn new(mask: &Array3<bool>, min_voxels: u64) -> Self {
        let (labels, count) = label_components(mask);
        let mut sizes = vec![0u64; count as usize + 1];
        for l in &labels {
            if let Some(s) = sizes.get_mut(*l as usize) {
                *s += 1;
            }
        }
        let mut renumber = vec![0u32; sizes.len()];
        let mut kept = vec![0u64];
        for (old, size) in sizes.iter().enumerate().skip(1) {
            if *size >= min_voxels {
                kept.push(*size);
                if let Some(r) = renumber.get_mut(old) {
                    *r = (kept.len() - 1) as u32;
                }
            }
        }
        let labels = labels.mapv(|l| renumber.get(l as usize).copied().unwrap_or(0));
        Self {
            labels,
            sizes: kept,
        }
    }

    fn count(&self) -> usize {
        self.sizes.len().saturating_sub(1)
    }
}

/// `overlap[a][b]`: voxels in lesion `a` of one side and `b` of the other (0 = background).
fn overlaps(a: &Side, b: &Side) -> Vec<Vec<u64>> {
    let mut table = vec![vec![0u64; b.sizes.len()]; a.sizes.len()];
    Zip::from(&a.labels).and(&b.labels).for_each(|x, y| {
        if let Some(cell) = table
            .get_mut(*x as usize)
            .and_then(|r| r.get_mut(*y as usize))
        {
            *cell += 1;
        }
    });
    table
}

/// Which lesions of side A the other side detects, by the α/β/γ rule. `table[a][b]` overlaps
/// A's lesion `a` with B's `b`; `b_sizes` are B's lesion sizes.
fn detected(table: &[Vec<u64>], a_sizes: &[u64], b_sizes: &[u64], s: &ScoreSettings) -> Vec<bool> {
    let mut found = vec![false; a_sizes.len()];
    for (a, row) in table.iter().enumerate().skip(1) {
        let size = a_sizes.get(a).copied().unwrap_or(0).max(1) as f64;
        let covered: u64 = row.iter().skip(1).sum();
        if (covered as f64) / size <= s.min_overlap || covered == 0 {
            continue;
        }
        // Contributors, largest overlap first, until they make up γ of the overlap.
        let mut by_overlap: Vec<(usize, u64)> = row
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, n)| **n > 0)
            .map(|(b, n)| (b, *n))
            .collect();
        by_overlap.sort_by_key(|(b, n)| (std::cmp::Reverse(*n), *b));
        let mut share = 0.0;
        let mut ok = true;
        for (b, n) in by_overlap {
            let b_size = b_sizes.get(b).copied().unwrap_or(0).max(1) as f64;
            // Its voxels outside every lesion of side A (row 0 is A's background).
            let outside_voxels = table.first().and_then(|bg| bg.get(b)).copied().unwrap_or(0);
            let outside = outside_voxels as f64 / b_size;
            if outside > s.max_outside {
                ok = false;
                break;
            }
            share += n as f64 / covered as f64;
            if share > s.contributors {
                break;
            }
        }
        if let Some(f) = found.get_mut(a) {
            *f = ok;
        }
    }
    found
}

/// Centroid (mm) and size of every lesion of a side.
fn lesion_places(side: &Side, geometry: &Geometry) -> Vec<(Vec3, u64)> {
    let mut sums = vec![([0.0f64; 3], 0u64); side.sizes.len()];
    for ((k, j, i), l) in side.labels.indexed_iter() {
        if *l != 0
            && let Some((s, n)) = sums.get_mut(*l as usize)
        {
            s[0] += i as f64;
            s[1] += j as f64;
            s[2] += k as f64;
            *n += 1;
        }
    }
    sums.iter()
        .map(|(s, n)| {
            let n = (*n).max(1) as f64;
            (geometry.index_to_mm(s.map(|v| v / n)), 0)
        })
        .zip(&side.sizes)
        .map(|((c, _), size)| (c, *size))
        .collect()
}

/// Scores `marks` against `reference` (both masks on `geometry`'s grid).
pub fn score(
    reference: &Array3<bool>,
    marks: &Array3<bool>,
    geometry: &Geometry,
    settings: &ScoreSettings,
) -> Score {
    let voxel_mm3: f64 = geometry.spacing.iter().product();
    // At least the minimum volume (as the analyser rounds: strictly more than it).
    let min_voxels = (settings.min_volume_mm3 / voxel_mm3.max(1e-9)).floor() as u64 + 1;
    let reference_side = Side::new(reference, min_voxels);
    let marks_side = Side::new(marks, min_voxels);
    let table = overlaps(&reference_side, &marks_side);
    let transposed: Vec<Vec<u64>> = (0..marks_side.sizes.len())
        .map(|b| {
            table
                .iter()
                .map(|row| row.get(b).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    let found = detected(&table, &reference_side.sizes, &marks_side.sizes, settings);
    let true_marks = detected(
        &transposed,
        &marks_side.sizes,
        &reference_side.sizes,
        settings,
    );

    let reference_places = lesion_places(&reference_side, geometry);
    let mark_places = lesion_places(&marks_side, geometry);
    let mut detected_list = Vec::new();
    let mut misses = Vec::new();
    for (a, (centroid, size)) in reference_places.iter().enumerate().skip(1) {
        let marked: u64 = table
            .get(a)
            .map(|row| {
                row.iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(_, n)| **n > 0)
                    .map(|(b, _)| marks_side.sizes.get(b).copied().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0);
        let lesion = ScoredLesion {
            centroid_mm: *centroid,
            volume_mm3: *size as f64 * voxel_mm3,
            marked_volume_mm3: None,
            inside_reference: false,
        };
        if found.get(a).copied().unwrap_or(false) {
            detected_list.push(ScoredLesion {
                marked_volume_mm3: Some(marked as f64 * voxel_mm3),
                ..lesion
            });
        } else {
            misses.push(lesion);
        }
    }
    let false_marks: Vec<ScoredLesion> = mark_places
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(b, _)| !true_marks.get(*b).copied().unwrap_or(false))
        .map(|(b, (centroid, size))| ScoredLesion {
            centroid_mm: *centroid,
            volume_mm3: *size as f64 * voxel_mm3,
            marked_volume_mm3: None,
            // Row b of the transposed table: its overlap with each reference lesion (0: none).
            inside_reference: transposed
                .get(b)
                .is_some_and(|row| row.iter().skip(1).any(|n| *n > 0)),
        })
        .collect();

    let n_ref = reference_side.count();
    let n_marks = marks_side.count();
    let ratio = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    let sensitivity = ratio(detected_list.len(), n_ref);
    let ppv = ratio(n_marks - false_marks.len(), n_marks);
    let f1 = if sensitivity + ppv > 0.0 {
        2.0 * sensitivity * ppv / (sensitivity + ppv)
    } else {
        0.0
    };
    let (mut both, mut total) = (0u64, 0u64);
    Zip::from(reference).and(marks).for_each(|r, m| {
        both += u64::from(*r && *m);
        total += u64::from(*r) + u64::from(*m);
    });
    let dice = if total == 0 {
        1.0
    } else {
        2.0 * both as f64 / total as f64
    };
    Score {
        lesion_sensitivity: sensitivity,
        lesion_ppv: ppv,
        lesion_f1: f1,
        dice,
        reference_lesions: n_ref,
        marked_lesions: n_marks,
        detected: detected_list,
        misses,
        false_marks,
        settings: *settings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Geometry {
        Geometry::axis_aligned([0.0; 3], [1.0; 3])
    }

    /// A cube of side `n` voxels with its low corner at `at` (`[i, j, k]`).
    fn cube(mask: &mut Array3<bool>, at: [usize; 3], n: usize) {
        for k in at[2]..at[2] + n {
            for j in at[1]..at[1] + n {
                for i in at[0]..at[0] + n {
                    mask[(k, j, i)] = true;
                }
            }
        }
    }

    fn empty() -> Array3<bool> {
        Array3::from_elem((40, 40, 40), false)
    }

    fn three_lesions() -> Array3<bool> {
        let mut m = empty();
        cube(&mut m, [2, 2, 2], 4);
        cube(&mut m, [20, 20, 20], 5);
        cube(&mut m, [30, 5, 10], 3);
        m
    }

    #[test]
    fn a_perfect_match() {
        let r = three_lesions();
        let s = score(&r, &r, &grid(), &ScoreSettings::default());
        assert_eq!(
            (s.lesion_sensitivity, s.lesion_ppv, s.lesion_f1, s.dice),
            (1.0, 1.0, 1.0, 1.0)
        );
        assert_eq!((s.reference_lesions, s.marked_lesions), (3, 3));
        assert!(s.misses.is_empty() && s.false_marks.is_empty());
        assert!(
            s.detected
                .iter()
                .all(|d| d.marked_volume_mm3 == Some(d.volume_mm3))
        );
    }

    #[test]
    fn one_miss_and_one_false_mark() {
        let r = three_lesions();
        let mut m = empty();
        cube(&mut m, [2, 2, 2], 4);
        cube(&mut m, [20, 20, 20], 5);
        cube(&mut m, [10, 30, 30], 3); // nowhere near a reference lesion
        let s = score(&r, &m, &grid(), &ScoreSettings::default());
        assert!((s.lesion_sensitivity - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.lesion_ppv - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.lesion_f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.misses.len(), 1);
        assert_eq!(s.misses[0].centroid_mm, [31.0, 6.0, 11.0]);
        assert_eq!(s.false_marks.len(), 1);
        assert_eq!(s.false_marks[0].centroid_mm, [11.0, 31.0, 31.0]);
        assert!(
            !s.false_marks[0].inside_reference,
            "outside every expert lesion"
        );
        // Dice: 64 + 125 shared of 216 + 216 voxels.
        assert!((s.dice - 2.0 * 189.0 / 432.0).abs() < 1e-12);
    }

    #[test]
    fn a_split_lesion_is_detected_once_and_both_parts_are_true() {
        // An 8 × 8 × 4 reference lesion the trainee marked as two halves with a one-voxel gap.
        let mut r = empty();
        for k in 10..14 {
            for j in 10..18 {
                for i in 10..18 {
                    r[(k, j, i)] = true;
                }
            }
        }
        let mut m = r.clone();
        for k in 10..14 {
            for j in 10..18 {
                m[(k, j, 14)] = false;
            }
        }
        let s = score(&r, &m, &grid(), &ScoreSettings::default());
        assert_eq!((s.reference_lesions, s.marked_lesions), (1, 2));
        assert_eq!((s.lesion_sensitivity, s.lesion_ppv), (1.0, 1.0));
        assert_eq!(s.detected[0].marked_volume_mm3, Some(256.0 - 32.0));
        // A sliver inside a large lesion is not a true mark (the lesion lies 95 % outside it).
        let mut sliver = empty();
        cube(&mut sliver, [10, 10, 10], 2);
        let s = score(&r, &sliver, &grid(), &ScoreSettings::default());
        assert_eq!((s.lesion_sensitivity, s.lesion_ppv), (0.0, 0.0));
    }

    #[test]
    fn small_lesions_are_ignored_and_overlap_must_pass_alpha() {
        let mut r = empty();
        cube(&mut r, [5, 5, 5], 1); // 1 mm³: below the 3 mm³ minimum
        cube(&mut r, [20, 20, 20], 10); // 1000 voxels
        let mut m = empty();
        cube(&mut m, [5, 5, 5], 1);
        // Covers 4 × 4 × 4 = 64 of 1000 (6.4 % < α): not detected, and the mark lies inside.
        cube(&mut m, [20, 20, 20], 4);
        let s = score(&r, &m, &grid(), &ScoreSettings::default());
        assert_eq!((s.reference_lesions, s.marked_lesions), (1, 1));
        assert_eq!(s.lesion_sensitivity, 0.0);
        // The mark lies inside the lesion, but the lesion lies 94 % outside the mark (> β):
        // under the MSSEG-2 rule it is no true mark either.
        assert_eq!(s.lesion_ppv, 0.0);
        assert_eq!((s.misses.len(), s.false_marks.len()), (1, 1));
        assert!(
            s.false_marks[0].inside_reference,
            "false for being too small, not misplaced"
        );
    }

    #[test]
    fn a_mark_mostly_outside_does_not_detect() {
        let mut r = empty();
        cube(&mut r, [10, 10, 10], 3); // 27 voxels
        let mut m = empty();
        cube(&mut m, [9, 9, 9], 8); // 512 voxels covering all of it, 95 % outside
        let s = score(&r, &m, &grid(), &ScoreSettings::default());
        assert_eq!(
            s.lesion_sensitivity, 0.0,
            "β: a blob swallowing the lesion is not a detection"
        );
        assert_eq!(s.lesion_ppv, 0.0);
        // Empty reference and empty marks: nothing to find, nothing wrong.
        let none = score(&empty(), &empty(), &grid(), &ScoreSettings::default());
        assert_eq!(
            (none.reference_lesions, none.marked_lesions, none.dice),
            (0, 0, 1.0)
        );
    }
}
