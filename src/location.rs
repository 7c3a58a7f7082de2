//! Coarse lesion locations, as a follow-up report names them (McDonald regions: periventricular,
//! juxtacortical, infratentorial; deep white matter otherwise), told from the image itself.
//!
//! Heuristics on one exam's brain, meant to help the reader, not to replace them:
//! - **ventricles**: dark (CSF-like, below half the brain's median) voxels deep in the brain
//!   (at least 12 mm from its surface), in components of at least 1 ml;
//! - **periventricular**: the lesion comes within 3 mm of a ventricle;
//! - **juxtacortical**: within 3 mm of the brain surface or of sulcal CSF (dark voxels that are
//!   not ventricle), where the cortex lies;
//! - **infratentorial**: centre in the lowest 28% of the brain's height and behind its middle
//!   (brainstem, cerebellum).

use ndarray::{Array3, Zip};
use serde::{Deserialize, Serialize};

use crate::geometry::{Geometry, Vec3};
use crate::morphology::{Mask, label_components, label_sizes, masked_values, morph, quantile};

/// Where a lesion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Periventricular,
    Juxtacortical,
    Infratentorial,
    DeepWhiteMatter,
}

impl Location {
    pub fn name(self) -> &'static str {
        match self {
            Location::Periventricular => "periventricular",
            Location::Juxtacortical => "juxtacortical",
            Location::Infratentorial => "infratentorial",
            Location::DeepWhiteMatter => "deep white matter",
        }
    }
}

/// The landmarks the locations are told from, on one grid.
pub struct Landmarks {
    geometry: Geometry,
    /// Voxels of the lesion grid per landmark voxel, along index axes 0, 1, 2.
    factor: [usize; 3],
    /// Within 3 mm of a ventricle.
    near_ventricle: Mask,
    /// Within 3 mm of the brain surface or sulcal CSF.
    near_cortex: Mask,
    /// Brain extent along patient z (inferior, superior) and its middle along y.
    z_range: (f64, f64),
    y_middle: f64,
}

/// Depth of each brain voxel: how many 1-voxel erosions it survives, up to `max`.
fn depth(brain: &Mask, max: usize) -> Array3<u8> {
    let mut depth = Array3::<u8>::zeros(brain.dim());
    let mut current = brain.clone();
    for d in 1..=max.min(250) {
        Zip::from(&mut depth).and(&current).for_each(|out, inside| {
            if *inside {
                *out = d as u8;
            }
        });
        current = morph(&current, 1, false);
        if !current.iter().any(|v| *v) {
            break;
        }
    }
    depth
}

impl Landmarks {
    /// Finds ventricles and cortex-adjacent zones in `voxels` (any sequence with dark CSF).
    pub fn new(voxels: &Array3<f32>, brain: &Mask, geometry: &Geometry) -> Self {
        // Landmarks millimetres wide need no sub-millimetre grid: work at about 1.5 mm, so the
        // cost does not grow with the cube of the resolution.
        let factor = geometry
            .spacing
            .map(|s| ((LANDMARK_MM / s).floor() as usize).max(1));
        if factor != [1, 1, 1] {
            let (coarse_voxels, coarse_brain, coarse_geometry) =
                coarsen(voxels, brain, geometry, factor);
            let mut landmarks = Self::at_grid(&coarse_voxels, &coarse_brain, &coarse_geometry);
            landmarks.factor = factor;
            landmarks.geometry = *geometry;
            return landmarks;
        }
        Self::at_grid(voxels, brain, geometry)
    }

    fn at_grid(voxels: &Array3<f32>, brain: &Mask, geometry: &Geometry) -> Self {
        let min_spacing = geometry
            .spacing
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let mm = |d: f64| (d / min_spacing).round().max(1.0) as usize;
        let mut inside = masked_values(voxels, brain);
        let dark_below = 0.5 * quantile(&mut inside, 0.5).unwrap_or(0.0);
        let depth = depth(brain, mm(12.0));
        let deep = mm(12.0) as u8;
        let mut dark = Mask::from_elem(voxels.dim(), false);
        Zip::from(&mut dark)
            .and(voxels)
            .and(brain)
            .for_each(|d, v, b| *d = *b && *v < dark_below);
        let mut deep_dark = dark.clone();
        Zip::from(&mut deep_dark)
            .and(&depth)
            .for_each(|d, depth| *d = *d && *depth >= deep);
        let (labels, count) = label_components(&deep_dark);
        let sizes = label_sizes(&labels, count);
        let voxel_ml = geometry.spacing.iter().product::<f64>() / 1000.0;
        let ventricles = labels.mapv(|l| {
            l > 0
                && sizes
                    .get(l as usize)
                    .is_some_and(|s| *s as f64 * voxel_ml >= 1.0)
        });
        // Grow the ventricles through all connected dark voxels (their shallow parts too).
        let ventricles = grow_within(&ventricles, &dark, mm(12.0));
        let near_ventricle = morph(&ventricles, mm(3.0), true);
        let mut sulci = dark.clone();
        Zip::from(&mut sulci)
            .and(&ventricles)
            .for_each(|s, v| *s = *s && !*v);
        let mut surface = brain.clone();
        Zip::from(&mut surface)
            .and(&depth)
            .for_each(|s, d| *s = *s && *d <= mm(3.0) as u8);
        let mut cortex_seed = sulci;
        Zip::from(&mut cortex_seed)
            .and(&surface)
            .for_each(|c, s| *c = *c || *s);
        let near_cortex = morph(&cortex_seed, mm(3.0), true);
        let (mut z_lo, mut z_hi, mut y_sum, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0.0);
        for ((k, j, i), b) in brain.indexed_iter() {
            if *b {
                let p = geometry.index_to_mm([i as f64, j as f64, k as f64]);
                z_lo = z_lo.min(p[2]);
                z_hi = z_hi.max(p[2]);
                y_sum += p[1];
                n += 1.0;
            }
        }
        Self {
            geometry: *geometry,
            factor: [1, 1, 1],
            near_ventricle,
            near_cortex,
            z_range: (z_lo, z_hi),
            y_middle: if n > 0.0 { y_sum / n } else { 0.0 },
        }
    }

    /// The location of a lesion given its voxels (label `label` in `labels`) and centre.
    pub fn locate(&self, labels: &Array3<u32>, label: u32, centre_mm: Vec3) -> Location {
        let (lo, hi) = self.z_range;
        let height = (hi - lo).max(1.0);
        if centre_mm[2] < lo + 0.28 * height && centre_mm[1] > self.y_middle {
            return Location::Infratentorial;
        }
        let [fi, fj, fk] = self.factor;
        let touches = |zone: &Mask| {
            labels.indexed_iter().any(|((k, j, i), l)| {
                *l == label && zone.get((k / fk, j / fj, i / fi)).copied().unwrap_or(false)
            })
        };
        if touches(&self.near_ventricle) {
            Location::Periventricular
        } else if touches(&self.near_cortex) {
            Location::Juxtacortical
        } else {
            Location::DeepWhiteMatter
        }
    }

    /// The grid the landmarks are on.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }
}

/// Grid size the landmarks are found at, in mm.
const LANDMARK_MM: f64 = 1.5;

/// Block-averaged voxels and "any" brain, `factor` voxels a block, with the coarse geometry.
fn coarsen(
    voxels: &Array3<f32>,
    brain: &Mask,
    geometry: &Geometry,
    [fi, fj, fk]: [usize; 3],
) -> (Array3<f32>, Mask, Geometry) {
    let (nk, nj, ni) = voxels.dim();
    let dim = (nk.div_ceil(fk), nj.div_ceil(fj), ni.div_ceil(fi));
    let mut sum = Array3::<f32>::zeros(dim);
    let mut count = Array3::<f32>::zeros(dim);
    let mut inside = Mask::from_elem(dim, false);
    for (((k, j, i), v), b) in voxels.indexed_iter().zip(brain.iter()) {
        let c = (k / fk, j / fj, i / fi);
        if let (Some(s), Some(n), Some(m)) = (sum.get_mut(c), count.get_mut(c), inside.get_mut(c)) {
            *s += v;
            *n += 1.0;
            *m |= *b;
        }
    }
    Zip::from(&mut sum)
        .and(&count)
        .for_each(|s, n| *s /= n.max(1.0));
    let coarse = Geometry {
        origin: geometry.index_to_mm([
            (fi as f64 - 1.0) / 2.0,
            (fj as f64 - 1.0) / 2.0,
            (fk as f64 - 1.0) / 2.0,
        ]),
        spacing: [
            geometry.spacing[0] * fi as f64,
            geometry.spacing[1] * fj as f64,
            geometry.spacing[2] * fk as f64,
        ],
        direction: geometry.direction,
    };
    (sum, inside, coarse)
}

/// Dilates `seed` one voxel at a time, staying inside `within`, `steps` times.
fn grow_within(seed: &Mask, within: &Mask, steps: usize) -> Mask {
    let mut grown = seed.clone();
    for _ in 0..steps {
        let mut next = morph(&grown, 1, true);
        Zip::from(&mut next)
            .and(within)
            .for_each(|n, w| *n = *n && *w);
        Zip::from(&mut next)
            .and(seed)
            .for_each(|n, s| *n = *n || *s);
        if next == grown {
            break;
        }
        grown = next;
    }
    grown
}
