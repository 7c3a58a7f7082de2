//! The extent of one region of significant increase at both exams of a pair (see
//! `lesion_find`): grown from the change through voxels above one level at either exam, the
//! level half-way from the tissue around the plaque to the plaque's plateau at follow-up, and
//! never below the brightest normal tissue.
//!
//! Two yardsticks make a half-maximum, and each has its own bias to avoid:
//! - **the plateau**: the brightest voxel of a box is the plateau plus the largest of many
//!   noise draws (2–3 σ); at that level lesions measured a median 9% small in every class of the
//!   corpus (session 6). The upper quartile of the plaque's own voxels at a first cut is its
//!   plateau: the core inside the fading rim holds about 60% of them, so noise averages out.
//! - **the background**: the exam's NAWM is the peak of its parenchyma histogram, one number
//!   for the whole brain. On 3 mm FLAIR slices white and grey matter blend into a plateau and
//!   that peak sat 12% above the deep white matter round the lesions (484 against 430 on the
//!   corpus' flair-2d-3d-03, whose 277 mm³ plaque measured 0.68). A plaque fades into the tissue
//!   round it, so its half-maximum is judged on that tissue: the median of the brain round the
//!   lesion, the lesion and the voxel next to it left out.

use std::collections::HashSet;

use ndarray::Array3;

use crate::pipeline::change::Region;
use crate::pipeline::intensity::quantile;
use crate::pipeline::morphology::Mask;
use crate::pipeline::tissue::{Models, plaque_seed_z};

/// A voxel index, (k, j, i).
type Voxel = (usize, usize, usize);

/// Where the plateau is read: this quantile of the plaque's voxels at the first cut.
const PLATEAU_QUANTILE: f64 = 0.75;

/// The fewest voxels round a lesion whose median stands for its background; fewer (a lesion at
/// the brain's edge), and the exam's NAWM does.
const MIN_BACKGROUND_VOXELS: usize = 27;

/// An inclusive box of voxel indices, (k, j, i).
#[derive(Debug, Clone, Copy)]
struct VoxelBox {
    lo: Voxel,
    hi: Voxel,
}

impl VoxelBox {
    /// A region's bounding box (`[[i0, j0, k0], [i1, j1, k1]]`) grown by `margin` voxels per
    /// axis (i, j, k) and clipped to a volume of `dim`.
    fn around(bbox: [[usize; 3]; 2], margin: [usize; 3], (nk, nj, ni): Voxel) -> VoxelBox {
        let [[i0, j0, k0], [i1, j1, k1]] = bbox;
        VoxelBox {
            lo: (
                k0.saturating_sub(margin[2]),
                j0.saturating_sub(margin[1]),
                i0.saturating_sub(margin[0]),
            ),
            hi: (
                (k1 + margin[2]).min(nk.saturating_sub(1)),
                (j1 + margin[1]).min(nj.saturating_sub(1)),
                (i1 + margin[0]).min(ni.saturating_sub(1)),
            ),
        }
    }

    fn contains(&self, (k, j, i): Voxel) -> bool {
        (self.lo.0..=self.hi.0).contains(&k)
            && (self.lo.1..=self.hi.1).contains(&j)
            && (self.lo.2..=self.hi.2).contains(&i)
    }

    fn voxels(&self) -> impl Iterator<Item = Voxel> + '_ {
        (self.lo.0..=self.hi.0).flat_map(move |k| {
            (self.lo.1..=self.hi.1)
                .flat_map(move |j| (self.lo.2..=self.hi.2).map(move |i| (k, j, i)))
        })
    }
}

/// Measures one region of change at both exams, marking its extent in `out` (baseline,
/// follow-up). `reach` (voxels per axis i, j, k) bounds how far the extent may grow beyond the
/// region; `min_voxels` is the smallest lesion.
pub(crate) fn grow_from_change(
    images: (&Array3<f32>, &Array3<f32>, &Mask),
    change: (&Array3<u32>, &Region),
    models: &Models,
    (reach, min_voxels): ([usize; 3], usize),
    out: (&mut Mask, &mut Mask),
) {
    let (baseline, followup, brain) = images;
    let (labels, region) = change;
    let (at_baseline, at_followup) = out;
    let dim = baseline.dim();
    // One pass over the region's box: its voxels at follow-up (their 90th percentile is the
    // region's peak, robust to a single noisy voxel), the flood's seeds, and the box's
    // brightest brain voxel. A change at a plaque's edge (a little motion) covers only its rim,
    // whose values would put the half-maximum too low; the brightest voxel of the box is the
    // plaque's centre.
    let mut inside: Vec<f32> = Vec::new();
    let mut seeds: Vec<Voxel> = Vec::new();
    let mut box_peak = f32::NEG_INFINITY;
    for p in VoxelBox::around(region.bbox, [0; 3], dim).voxels() {
        let Some(v) = followup.get(p) else {
            continue;
        };
        if labels.get(p) == Some(&region.label) {
            inside.push(*v);
            seeds.push(p);
        }
        if brain.get(p) == Some(&true) {
            box_peak = box_peak.max(*v);
        }
    }
    let Some(region_peak) = quantile(&mut inside, 0.9) else {
        return;
    };
    let peak = region_peak.max(box_peak);
    // A lesion is brighter than any normal tissue (the cortex on FLAIR): a change whose peak
    // stays below the top of normal parenchyma (a fold or a bias residue) makes no lesion.
    let nawm = models.followup.nawm;
    let bright = models.followup.bright;
    if region_peak <= nawm || region_peak < bright {
        return;
    }
    // One level for both exams, so an unchanged plaque measures the same at both, never below
    // the top of normal tissue (or a faint plaque's extent would run into the cortex beside it).
    // A first cut half-way from NAWM to the box's brightest voxel finds the plaque; the second,
    // on the plaque's own plateau and background (module doc), measures it.
    let reach_box = VoxelBox::around(region.bbox, reach, dim);
    let first = half_way(nawm, peak);
    let (mut before, mut now) = flood(images, change, reach_box, &seeds, first.max(bright));
    let mut half_max = first;
    if now.len() >= min_voxels {
        let mut values: Vec<f32> = now
            .iter()
            .filter_map(|p| followup.get(*p).copied())
            .collect();
        let plateau = quantile(&mut values, PLATEAU_QUANTILE).map_or(peak, |q| q.min(peak));
        let lesion: HashSet<Voxel> = now.iter().chain(&before).chain(&seeds).copied().collect();
        let wide = VoxelBox::around(region.bbox, reach.map(|r| 2 * r), dim);
        let background = surroundings(followup, brain, wide, &lesion).unwrap_or(nawm);
        half_max = half_way(background, plateau);
        (before, now) = flood(images, change, reach_box, &seeds, half_max.max(bright));
    }
    let level = half_max.max(bright);
    for p in &now {
        if let Some(m) = at_followup.get_mut(*p) {
            *m = true;
        }
    }
    // A plaque was there before only if its core stood out as a plaque does (the persistent
    // plaques' seed): the cortex beside a new juxtacortical plaque reaches the level at both
    // exams, and must not make the plaque "enlarging" or "persistent".
    let plaque_seed = plaque_seed_z(&models.baseline, before.len());
    let was_a_plaque = before.iter().any(|p| {
        baseline
            .get(*p)
            .is_some_and(|v| models.baseline.z(*v) >= plaque_seed)
    });
    // A faint plaque's half-maximum lies below the top of normal tissue, where the flood
    // stopped: its partial-volume rim (one voxel, between half-maximum and the level) is added
    // at each exam, or a plaque at 1.3x NAWM measured a third small. One voxel only, so the
    // rim cannot run on into the cortex; and only round a core that is a lesion by itself
    // (`min_voxels`): the rim measures a plaque, it never makes one (round scattered noise
    // peaks it made a 1.16x patch no brighter than the cortex a 756 mm³ "new lesion").
    let rim = |core: &[Voxel], image: &Array3<f32>, out: &mut Mask| {
        if half_max >= level || core.len() < min_voxels {
            return;
        }
        for q in core.iter().flat_map(|p| neighbours(*p)) {
            let above = image.get(q).is_some_and(|v| *v >= half_max);
            if above
                && brain.get(q) == Some(&true)
                && let Some(m) = out.get_mut(q)
            {
                *m = true;
            }
        }
    };
    rim(&now, followup, at_followup);
    if was_a_plaque {
        rim(&before, baseline, at_baseline);
        for p in before {
            if let Some(m) = at_baseline.get_mut(p) {
                *m = true;
            }
        }
    }
}

/// Half-way from `background` to `peak`.
fn half_way(background: f32, peak: f32) -> f32 {
    background + 0.5 * (peak - background)
}

/// The median of `image` over the brain voxels of `within` that are neither in `lesion` nor
/// next to it (its partial-volume rim is neither lesion nor background); `None` when fewer
/// than `MIN_BACKGROUND_VOXELS` remain.
fn surroundings(
    image: &Array3<f32>,
    brain: &Mask,
    within: VoxelBox,
    lesion: &HashSet<Voxel>,
) -> Option<f32> {
    let near = |p: Voxel| lesion.contains(&p) || neighbours(p).any(|q| lesion.contains(&q));
    let mut values: Vec<f32> = within
        .voxels()
        .filter(|p| brain.get(*p) == Some(&true) && !near(*p))
        .filter_map(|p| image.get(p).copied())
        .collect();
    if values.len() < MIN_BACKGROUND_VOXELS {
        return None;
    }
    quantile(&mut values, 0.5)
}

/// The voxels of one region's extent (26-connected, within `bounds`, in the brain) that reach
/// `level`: grown from the region's voxels `seeds` through voxels above it at either exam.
/// Returns those above it at baseline and those above it at follow-up.
fn flood(
    (baseline, followup, brain): (&Array3<f32>, &Array3<f32>, &Mask),
    (labels, region): (&Array3<u32>, &Region),
    bounds: VoxelBox,
    seeds: &[Voxel],
    level: f32,
) -> (Vec<Voxel>, Vec<Voxel>) {
    let mut stack = seeds.to_vec();
    let mut seen = HashSet::new();
    let mut before = Vec::new();
    let mut now = Vec::new();
    while let Some(p) = stack.pop() {
        if !seen.insert(p) {
            continue;
        }
        let bright_now = followup.get(p).is_some_and(|v| *v >= level);
        let bright_before = baseline.get(p).is_some_and(|v| *v >= level);
        let in_region = labels.get(p) == Some(&region.label);
        if !(bright_now || bright_before || in_region) || brain.get(p) != Some(&true) {
            continue;
        }
        if bright_now {
            now.push(p);
        }
        if bright_before {
            before.push(p);
        }
        stack.extend(neighbours(p).filter(|q| bounds.contains(*q)));
    }
    (before, now)
}

/// A voxel's 26 neighbours (those with non-negative indices; the volume's far edges are left
/// to `Array3::get`).
fn neighbours((k, j, i): Voxel) -> impl Iterator<Item = Voxel> {
    NEIGHBOURS_26.into_iter().filter_map(move |(dk, dj, di)| {
        Some((
            k.checked_add_signed(dk)?,
            j.checked_add_signed(dj)?,
            i.checked_add_signed(di)?,
        ))
    })
}

/// Offsets of a voxel's 26 neighbours, (k, j, i).
const NEIGHBOURS_26: [(isize, isize, isize); 26] = {
    let mut out = [(0, 0, 0); 26];
    let mut n = 0;
    let mut d = 0;
    while d < 27 {
        if d != 13 {
            out[n] = (
                d as isize / 9 - 1,
                (d as isize / 3) % 3 - 1,
                d as isize % 3 - 1,
            );
            n += 1;
        }
        d += 1;
    }
    out
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_round_a_region_is_clipped_to_the_volume() {
        let b = VoxelBox::around([[1, 2, 0], [3, 4, 1]], [2, 2, 2], (3, 10, 4));
        assert_eq!((b.lo, b.hi), ((0, 0, 0), (2, 6, 3)));
        assert_eq!(b.voxels().count(), 3 * 7 * 4);
        assert!(b.contains((2, 6, 3)) && !b.contains((3, 6, 3)));
    }

    #[test]
    fn a_corner_voxel_has_seven_neighbours_inside() {
        assert_eq!(neighbours((0, 0, 0)).count(), 7);
        assert_eq!(neighbours((1, 1, 1)).count(), 26);
    }

    /// White matter at 100 round a lesion whose partial-volume rim is at 200: the background is
    /// the white matter, the rim left out; a box that holds only the rim has none.
    #[test]
    fn the_background_is_the_tissue_round_the_lesion() {
        let image = Array3::from_shape_fn((9, 9, 9), |(k, j, i)| match (k, j, i) {
            (4, 4, 4) => 300.0,
            (3..=5, 3..=5, 3..=5) => 200.0,
            _ => 100.0,
        });
        let brain = Mask::from_elem(image.dim(), true);
        let lesion = HashSet::from([(4, 4, 4)]);
        let all = VoxelBox {
            lo: (0, 0, 0),
            hi: (8, 8, 8),
        };
        assert_eq!(surroundings(&image, &brain, all, &lesion), Some(100.0));
        let tiny = VoxelBox {
            lo: (3, 3, 3),
            hi: (5, 5, 5),
        };
        assert_eq!(surroundings(&image, &brain, tiny, &lesion), None);
    }

    /// A plaque at 1.5x the white matter round it, in a brain where grey matter (1.18x) has
    /// more voxels than white matter, so the exam's NAWM is grey matter's level, as on the thick
    /// slices of a 2D FLAIR. Measured half-way from that NAWM to the brightest voxel (the rule
    /// before session 7) the plaque came out 0.78 of its volume; from the tissue round it to
    /// its plateau, within 15%.
    #[test]
    fn a_plaque_is_measured_against_the_tissue_round_it() {
        let dim = (32, 32, 40);
        let radius = 4.0f32;
        let distance = |k: usize, j: usize, i: usize| {
            let d2 = |a: usize| (a as f32 - 16.0).powi(2);
            (d2(k) + d2(j) + d2(i)).sqrt()
        };
        let noise = |seed: u64, (k, j, i): Voxel| {
            3.0 * crate::synth::noise::gaussian(crate::synth::noise::voxel_key(seed, i, j, k))
                as f32
        };
        let normal = |(k, j, i): Voxel| {
            let white = (8..24).contains(&k) && (8..24).contains(&j) && (8..24).contains(&i);
            if white { 100.0 } else { 118.0 }
        };
        let baseline = Array3::from_shape_fn(dim, |p| normal(p) + noise(1, p));
        let followup = Array3::from_shape_fn(dim, |(k, j, i)| {
            let fade = ((1.15 * radius - distance(k, j, i)) / (0.3 * radius)).clamp(0.0, 1.0);
            normal((k, j, i)) + 50.0 * fade + noise(2, (k, j, i))
        });
        let brain = Mask::from_elem(dim, true);
        let fit = |image| crate::pipeline::tissue::TissueModel::fit(image, &brain).unwrap();
        let models = Models {
            baseline: fit(&baseline),
            followup: fit(&followup),
        };
        assert!(models.followup.nawm > 110.0, "{:?}", models.followup);
        let change = Array3::from_shape_fn(dim, |(k, j, i)| u32::from(distance(k, j, i) <= 3.0));
        let region = Region {
            label: 1,
            voxels: change.iter().filter(|l| **l == 1).count(),
            volume_mm3: 0.0,
            centroid_mm: [16.0; 3],
            bbox: [[13, 13, 13], [19, 19, 19]],
            peak: 150.0,
            mean: 150.0,
        };
        let mut at_baseline = Mask::from_elem(dim, false);
        let mut at_followup = Mask::from_elem(dim, false);
        grow_from_change(
            (&baseline, &followup, &brain),
            (&change, &region),
            &models,
            ([3, 3, 3], 3),
            (&mut at_baseline, &mut at_followup),
        );
        let volume = at_followup.iter().filter(|m| **m).count();
        let ratio = volume as f32 / (4.0 / 3.0 * std::f32::consts::PI * radius.powi(3));
        assert!(
            (0.85..=1.15).contains(&ratio),
            "{volume} voxels, {ratio:.2}"
        );
        assert_eq!(
            at_baseline.iter().filter(|m| **m).count(),
            0,
            "a new plaque"
        );
    }
}
