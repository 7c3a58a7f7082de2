//! The voxel-difference core: brain mask, intensity normalisation between exams, difference
//! map and noise-normalised change map (z-scores), and change candidates grouped into 3D
//! components.
//!
//! Everything happens on the baseline grid, with the follow-up already resampled onto it.
//! Noise normalisation follows the subtraction literature (CLINICAL.md: z-scores against the
//! spread of the difference in unchanged tissue find new lesions far more often than plain
//! thresholds).

use ndarray::{Array3, Zip};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::pipeline::geometry::Vec3;
use crate::pipeline::image::{Image, grid_index};
use crate::pipeline::intensity::{masked_values, otsu, quantile};
use crate::pipeline::morphology::{Mask, fill_holes, label_components, largest_component, morph};

/// Settings of detection; printed in every report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeSettings {
    /// A candidate needs at least one voxel at or above this z-score...
    pub z_seed: f32,
    /// ...and grows through voxels at or above this one (hysteresis).
    pub z_grow: f32,
    /// Smallest candidate or lesion kept, mm³ (MSSEG-2 ignores lesions of a few mm³).
    pub min_volume_mm3: f64,
    /// Persistent plaques at each exam: the least NAWM z-score that seeds one (raised to 3
    /// above the exam's brightest normal tissue, `lesion_find`)...
    pub lesion_z_seed: f32,
    /// ...and the least it grows through.
    pub lesion_z_grow: f32,
    /// Enlarging: follow-up volume at least (1 + ratio) × baseline volume...
    pub enlarge_ratio: f64,
    /// ...and at least this many mm³ larger.
    pub enlarge_min_mm3: f64,
    /// A change region must be this bright at follow-up (mean z against the follow-up's
    /// normal-appearing white matter, `tissue::TissueModel`, and at least half-way to its
    /// brightest normal tissue): new lesions and new enhancement are hyperintense, resampling
    /// differences are not.
    pub hyperintense_z: f32,
    /// Width (mm) of the smoothing that removes slow gain differences (coil bias) between
    /// exams before subtraction, and each exam's own shading before its tissue is judged
    /// (`bias`).
    pub bias_sigma_mm: f64,
}

impl Default for ChangeSettings {
    fn default() -> Self {
        Self {
            z_seed: 5.0,
            z_grow: 3.0,
            min_volume_mm3: 15.0,
            lesion_z_seed: 5.0,
            lesion_z_grow: 3.0,
            enlarge_ratio: 0.5,
            enlarge_min_mm3: 20.0,
            hyperintense_z: 2.5,
            bias_sigma_mm: 15.0,
        }
    }
}

impl ChangeSettings {
    /// The enlargement rule in words, for reports.
    pub fn enlarging_rule(&self) -> String {
        format!(
            "volume increase of at least {:.0}% and at least {} mm³, with a significant change on \
             the subtraction map",
            self.enlarge_ratio * 100.0,
            self.enlarge_min_mm3
        )
    }
}

/// Change maps of one series pair, each on the baseline grid.
pub struct ChangeMaps {
    /// Brain (with ventricles) on the baseline, where both exams have data.
    pub brain: Image<bool>,
    /// Follow-up, resampled and normalised to baseline intensities.
    pub followup: Image<f32>,
    /// Difference in units of its robust spread in the brain.
    pub z: Image<f32>,
    /// Robust standard deviation of the difference in the brain.
    pub noise_sigma: f32,
}

/// A connected region of change or a lesion, measured on the baseline grid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Region {
    /// 1-based, in the order regions appear in memory (deterministic).
    pub label: u32,
    pub voxels: usize,
    pub volume_mm3: f64,
    pub centroid_mm: Vec3,
    /// Inclusive index bounds `[[i0, j0, k0], [i1, j1, k1]]`.
    pub bbox: [[usize; 3]; 2],
    pub peak: f32,
    pub mean: f32,
}

/// Brain mask of a head volume: Otsu threshold, opened to cut the scalp off, largest
/// component, holes (ventricles) filled.
pub fn brain_mask(volume: &Image<f32>) -> Image<bool> {
    let (voxels, geometry) = (volume.voxels(), volume.geometry());
    let threshold = otsu(voxels);
    let foreground = voxels.mapv(|v| v > threshold);
    let radius = (3.0
        / geometry
            .spacing
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min))
    .round()
    .max(1.0) as usize;
    let core = largest_component(&morph(&foreground, radius, false));
    let opened = morph(&core, radius, true);
    // Ventricles are dark holes inside the brain: part of it for change detection.
    volume.derived(fill_holes(&opened))
}

/// Computes the change maps on `baseline`'s grid. `followup` is already on that grid (its
/// voxels are read as the baseline's); `covered` says where it has data.
pub fn change_maps(
    baseline_image: &Image<f32>,
    followup: &Array3<f32>,
    covered: &Mask,
    settings: &ChangeSettings,
) -> ChangeMaps {
    let (baseline, geometry) = (baseline_image.voxels(), baseline_image.geometry());
    let mut brain_image = brain_mask(baseline_image);
    let brain = brain_image.voxels_mut();
    Zip::from(&mut *brain)
        .and(covered)
        .par_for_each(|b, c| *b = *b && *c);
    let brain = &*brain;
    // Slow gain differences (coil bias, receiver gain) out: divide the follow-up by the ratio
    // of heavily smoothed exams. Lesions are too small to move a 15 mm smoothing.
    let sigma_vox = geometry.spacing.map(|s| settings.bias_sigma_mm / s);
    let ratio = smooth_ratio(baseline, followup, brain, sigma_vox);
    let mut normalised = followup.clone();
    Zip::from(&mut normalised)
        .and(&ratio)
        .and(brain)
        .par_for_each(|f, r, b| *f = if *b { *f * r } else { 0.0 });
    let mut difference = Array3::<f32>::zeros(baseline.dim());
    Zip::from(&mut difference)
        .and(&normalised)
        .and(baseline)
        .and(brain)
        .par_for_each(|d, f, b, m| *d = if *m { f - b } else { 0.0 });
    let mut inside = masked_values(&difference, brain);
    let median = quantile(&mut inside, 0.5).unwrap_or(0.0);
    let mut deviations: Vec<f32> = inside.par_iter().map(|d| (d - median).abs()).collect();
    let noise_sigma = (quantile(&mut deviations, 0.5).unwrap_or(1.0) * 1.4826).max(1e-3);
    // The difference becomes z in place: nothing needs it afterwards, and a grid less is alive.
    let mut z = difference;
    Zip::from(&mut z)
        .and(brain)
        .par_for_each(|d, m| *d = if *m { (*d - median) / noise_sigma } else { 0.0 });
    let on_grid = |voxels| baseline_image.derived(voxels);
    ChangeMaps {
        followup: on_grid(normalised),
        z: on_grid(z),
        brain: brain_image,
        noise_sigma,
    }
}

/// `smooth(baseline) / smooth(follow-up)` inside the mask, smoothing with a Gaussian of
/// `sigma_vox` (1 where neither reaches).
fn smooth_ratio(
    baseline: &Array3<f32>,
    followup: &Array3<f32>,
    mask: &Mask,
    sigma_vox: [f64; 3],
) -> Array3<f32> {
    let mut ratio = crate::pipeline::bias::local_mean(baseline, mask, sigma_vox);
    let smooth_f = crate::pipeline::bias::local_mean(followup, mask, sigma_vox);
    Zip::from(&mut ratio)
        .and(&smooth_f)
        .par_for_each(|r, f| *r = if *f > 1e-3 && *r > 0.0 { *r / f } else { 1.0 });
    ratio
}

/// Hyperintensity z-scores of an exam against its own brain: centred on the median, scaled by
/// the upper spread of normal tissue (95th percentile minus median, as 1.645 σ). Grey and white
/// matter together set that spread, so normal grey matter stays near 1–2 on FLAIR, while plaques
/// (a fraction of a percent of the brain) cannot move it.
pub fn intensity_z(voxels: &Array3<f32>, brain: &Mask) -> Array3<f32> {
    let mut inside = masked_values(voxels, brain);
    let median = quantile(&mut inside, 0.5).unwrap_or(0.0);
    let p95 = quantile(&mut inside, 0.95).unwrap_or(median);
    let sigma = ((p95 - median) / 1.645).max(1e-3);
    let mut z = Array3::<f32>::zeros(voxels.dim());
    Zip::from(&mut z)
        .and(voxels)
        .and(brain)
        .par_for_each(|z, v, m| *z = if *m { (v - median) / sigma } else { 0.0 });
    z
}

/// Where a region's edge is drawn, as a fraction of its peak above typical tissue: a little
/// below half-maximum, because partial volume with dark CSF beside periventricular plaques pulls
/// their edge voxels down.
const EDGE_FRACTION: f32 = 0.4;

/// Regions of `score` (z-scores, 0 = typical tissue): components of `score ≥ grow` that hold a
/// voxel `≥ seed`, cut near half their peak (about the half-maximum boundary, which measures a blurred
/// blob's true extent and keeps a bright plaque from spreading into slightly bright tissue
/// around it), then kept when at least `min_volume_mm3`. Returns the label volume (regions
/// numbered 1.. in memory order) and the regions.
pub fn regions(
    score: &Image<f32>,
    seed: f32,
    grow: f32,
    min_volume_mm3: f64,
) -> (Image<u32>, Vec<Region>) {
    regions_seeded_by_size(score, (&|_| seed, grow), EDGE_FRACTION, min_volume_mm3)
}

/// As `regions`, cut at `edge_fraction` of each region's peak, with the seed a component must
/// reach depending on its size in voxels (at `grow`): the larger a piece of tissue, the further
/// its noise alone reaches.
pub fn regions_seeded_by_size(
    score_image: &Image<f32>,
    (seed, grow): (&dyn Fn(usize) -> f32, f32),
    edge_fraction: f32,
    min_volume_mm3: f64,
) -> (Image<u32>, Vec<Region>) {
    let score = score_image.voxels();
    let (labels, count) = label_components(&score.mapv(|z| z >= grow));
    let mut peaks = vec![f32::NEG_INFINITY; count as usize + 1];
    for (l, z) in labels.iter().zip(score.iter()) {
        if let Some(p) = peaks.get_mut(*l as usize) {
            *p = p.max(*z);
        }
    }
    let sizes = crate::pipeline::morphology::label_sizes(&labels, count);
    let seeded: Vec<bool> = peaks
        .iter()
        .zip(&sizes)
        .map(|(peak, size)| *peak >= seed(*size))
        .collect();
    let mut kept = Mask::from_elem(score.dim(), false);
    Zip::from(&mut kept)
        .and(&labels)
        .and(score)
        .for_each(|k, l, z| {
            let peak = peaks.get(*l as usize).copied().unwrap_or(f32::NEG_INFINITY);
            *k = *l > 0
                && seeded.get(*l as usize) == Some(&true)
                && *z >= grow.max(edge_fraction * peak);
        });
    // A piece the cut split off keeps only if it reaches the least seed of all.
    measure(score_image, &kept, seed(1), min_volume_mm3)
}

/// Components of `mask` measured on `score`, kept when at least `min_volume_mm3`; labels
/// 1.. in memory order.
pub fn measure_components(
    score: &Image<f32>,
    mask: &Mask,
    min_volume_mm3: f64,
) -> (Image<u32>, Vec<Region>) {
    measure(score, mask, f32::NEG_INFINITY, min_volume_mm3)
}

/// Components of `mask` measured on `score`, kept when they reach `seed` and the volume.
fn measure(
    score_image: &Image<f32>,
    mask: &Mask,
    seed: f32,
    min_volume_mm3: f64,
) -> (Image<u32>, Vec<Region>) {
    let (score, geometry) = (score_image.voxels(), score_image.geometry());
    let (labels, count) = label_components(mask);
    let voxel_mm3 = geometry.spacing.iter().product::<f64>();
    let mut acc: Vec<RegionAcc> = vec![RegionAcc::default(); count as usize + 1];
    for ((index, &l), &z) in labels.indexed_iter().zip(score.iter()) {
        if l == 0 {
            continue;
        }
        if let Some(a) = acc.get_mut(l as usize) {
            a.add(grid_index(index), z);
        }
    }
    let mut renumber = vec![0u32; count as usize + 1];
    let mut out = Vec::new();
    for (l, a) in acc.iter().enumerate().skip(1) {
        let volume = a.voxels as f64 * voxel_mm3;
        if a.peak < seed || volume < min_volume_mm3 {
            continue;
        }
        let label = out.len() as u32 + 1;
        if let Some(r) = renumber.get_mut(l) {
            *r = label;
        }
        let n = a.voxels as f64;
        out.push(Region {
            label,
            voxels: a.voxels,
            volume_mm3: volume,
            centroid_mm: geometry.index_to_mm([a.sum[0] / n, a.sum[1] / n, a.sum[2] / n]),
            bbox: [a.min, a.max],
            peak: a.peak,
            mean: (a.score_sum / n) as f32,
        });
    }
    let labels = labels.mapv(|l| renumber.get(l as usize).copied().unwrap_or(0));
    (score_image.derived(labels), out)
}

/// Keeps the regions whose mean of `score` reaches `threshold`, renumbering them.
pub fn keep_regions_reaching(
    labels: &Image<u32>,
    regions: Vec<Region>,
    score: &Array3<f32>,
    threshold: f32,
) -> (Image<u32>, Vec<Region>) {
    let mut sums = vec![(0.0f64, 0usize); regions.len() + 1];
    for (l, z) in labels.voxels().iter().zip(score.iter()) {
        if let Some((sum, n)) = sums.get_mut(*l as usize) {
            *sum += f64::from(*z);
            *n += 1;
        }
    }
    let best: Vec<f32> = sums
        .iter()
        .map(|(sum, n)| {
            if *n > 0 {
                (*sum / *n as f64) as f32
            } else {
                f32::NEG_INFINITY
            }
        })
        .collect();
    let mut renumber = vec![0u32; regions.len() + 1];
    let mut kept = Vec::new();
    for mut region in regions {
        if best
            .get(region.label as usize)
            .copied()
            .unwrap_or(f32::NEG_INFINITY)
            >= threshold
        {
            let label = kept.len() as u32 + 1;
            if let Some(r) = renumber.get_mut(region.label as usize) {
                *r = label;
            }
            region.label = label;
            kept.push(region);
        }
    }
    let labels = labels.map(|l| renumber.get(*l as usize).copied().unwrap_or(0));
    (labels, kept)
}

#[derive(Debug, Clone)]
struct RegionAcc {
    voxels: usize,
    sum: [f64; 3],
    score_sum: f64,
    peak: f32,
    min: [usize; 3],
    max: [usize; 3],
}

impl Default for RegionAcc {
    fn default() -> Self {
        Self {
            voxels: 0,
            sum: [0.0; 3],
            score_sum: 0.0,
            peak: f32::NEG_INFINITY,
            min: [usize::MAX; 3],
            max: [0; 3],
        }
    }
}

impl RegionAcc {
    fn add(&mut self, p: [usize; 3], score: f32) {
        self.voxels += 1;
        for (a, &v) in p.iter().enumerate() {
            self.sum[a] += v as f64;
            self.min[a] = self.min[a].min(v);
            self.max[a] = self.max[a].max(v);
        }
        self.score_sum += f64::from(score);
        self.peak = self.peak.max(score);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hysteresis_keeps_seeded_regions_only() {
        let mut z = Array3::<f32>::zeros((10, 10, 10));
        for i in 1..4 {
            z[[5, 5, i]] = 3.5;
        }
        z[[5, 5, 2]] = 6.0;
        z[[2, 2, 8]] = 3.5; // grows but never seeds
        let g = crate::pipeline::geometry::Geometry::axis_aligned([0.0; 3], [2.0, 2.0, 2.0]);
        let (labels, found) = regions(&Image::new(z, g, "test").unwrap(), 5.0, 3.0, 1.0);
        let labels = labels.voxels();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].voxels, 3);
        assert!((found[0].volume_mm3 - 24.0).abs() < 1e-9);
        assert_eq!(found[0].centroid_mm, [4.0, 10.0, 10.0]);
        assert_eq!(labels[[2, 2, 8]], 0);
        assert_eq!(labels[[5, 5, 3]], 1);
    }
}
