//! Coarse lesion locations, as a follow-up report names them (McDonald regions: periventricular,
//! juxtacortical, infratentorial; deep white matter otherwise), told from the image itself.
//!
//! Heuristics on one exam's brain, meant to help the reader, not to replace them:
//! - **ventricles**: dark (CSF-like, below half the brain's median) voxels deep in the brain's
//!   envelope (the mask closed by 5 mm: real CSF spaces connect the ventricles to the outside,
//!   so the mask alone leaves them out), at least 12 mm from its surface and within 30 mm of
//!   the midline, in bodies whose core (one erosion, which drops the interhemispheric
//!   fissure and thin cisterns) holds at least 0.5 ml in all; all found on an isotropic grid
//!   of about 1.5 mm (thick slices interpolated), so a millimetre is one everywhere;
//! - **periventricular**: the lesion comes within 3 mm of a ventricle;
//! - **juxtacortical**: touching the cortex (grey matter told from normal white matter by the
//!   exam's tissue model on the image lightly smoothed, no deeper than 12 mm) or within 3 mm
//!   of the envelope's surface or of sulcal CSF (inside the envelope, dark or outside the
//!   brain mask, and not ventricle);
//! - **infratentorial**: centre in the lowest 28% of the brain's height and behind its middle
//!   (brainstem, cerebellum).

use ndarray::{Array3, Zip};
use serde::{Deserialize, Serialize};

use crate::pipeline::geometry::{Geometry, Vec3};
use crate::pipeline::image::Image;
use crate::pipeline::intensity::{masked_values, quantile};
use crate::pipeline::morphology::{Mask, fill_holes, label_components, label_sizes, morph};
use crate::pipeline::resample::IndexMap;
use crate::pipeline::transform::RigidTransform;

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

/// The array indices `(k, j, i)` of the voxels labelled `label`, in one pass over the grid.
fn lesion_voxels<L: Copy + PartialEq>(
    labels: &Array3<L>,
    label: L,
) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let (_, nj, ni) = labels.dim();
    let flat: Vec<usize> = match labels.as_slice() {
        Some(values) => values
            .iter()
            .enumerate()
            .filter(|(_, l)| **l == label)
            .map(|(n, _)| n)
            .collect(),
        None => labels
            .indexed_iter()
            .filter(|(_, l)| **l == label)
            .map(|((k, j, i), _)| (k * nj + j) * ni + i)
            .collect(),
    };
    flat.into_iter().map(move |n| {
        (
            n / (nj * ni).max(1),
            n / ni.max(1) % nj.max(1),
            n % ni.max(1),
        )
    })
}

/// The landmarks the locations are told from, on one grid.
pub struct Landmarks {
    /// The grid of the lesions located (the exam's own grid, or another's: `across`).
    geometry: Geometry,
    /// The grid the zones are on.
    zone_geometry: Geometry,
    /// When the landmarks were found on another exam than the one whose grid holds the lesion
    /// labels: that grid, and the transform from its patient space to this exam's.
    across: Option<(Geometry, RigidTransform)>,
    /// Lesion-grid voxels per landmark voxel (fine axes, block-averaged), along index axes.
    factor: [usize; 3],
    /// Landmark voxels per lesion-grid voxel (thick-slice axes, interpolated), along index axes.
    refine: [usize; 3],
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
    /// Finds ventricles and cortex-adjacent zones in `image` (any sequence with dark CSF),
    /// inside `brain` (on the image's grid).
    pub fn new(image: &Image<f32>, brain: &Image<bool>) -> Self {
        let (voxels, brain, geometry) = (image.voxels(), brain.voxels(), image.geometry());
        // Landmarks are found on a grid of about 1.5 mm along every axis. Landmarks millimetres
        // wide need no sub-millimetre grid (fine axes are block-averaged, so the cost does not
        // grow with the cube of the resolution), and every distance below is counted in voxels,
        // so the grid must be isotropic: on 3 mm slices (2D FLAIR) one voxel of erosion is 3 mm
        // across slices, which ate the ventricles' cores, and every "mm" radius was doubled.
        // Thick-slice axes are therefore split by linear interpolation.
        let factor = geometry
            .spacing
            .map(|s| ((LANDMARK_MM / s).floor() as usize).max(1));
        let coarse_spacing = [0, 1, 2].map(|a| geometry.spacing[a] * factor[a] as f64);
        let refine = coarse_spacing.map(|s| ((s / LANDMARK_MM).round() as usize).max(1));
        if factor == [1, 1, 1] && refine == [1, 1, 1] {
            return Self::at_grid(voxels, brain, geometry);
        }
        let (coarse_voxels, coarse_brain, coarse_geometry) =
            coarsen(voxels, brain, geometry, factor);
        let (fine_voxels, fine_brain, fine_geometry) =
            refine_grid(&coarse_voxels, &coarse_brain, &coarse_geometry, refine);
        let mut landmarks = Self::at_grid(&fine_voxels, &fine_brain, &fine_geometry);
        landmarks.factor = factor;
        landmarks.refine = refine;
        landmarks.geometry = *geometry;
        landmarks
    }

    /// Landmarks found on another exam (`image`, `brain`) than the one whose grid
    /// (`lesion_geometry`) holds the lesion labels `locate` is given; `lesion_to_exam` maps
    /// that grid's patient space into this exam's. Used when the other exam resolves anatomy
    /// better: on 3 mm slices partial volume across the slab brightens white matter next to
    /// the cortex and rings a plaque with grey-looking voxels, and both read as cortex.
    pub fn on_other_exam(
        image: &Image<f32>,
        brain: &Image<bool>,
        lesion_geometry: &Geometry,
        lesion_to_exam: &RigidTransform,
    ) -> Self {
        let mut landmarks = Self::new(image, brain);
        landmarks.across = Some((*lesion_geometry, *lesion_to_exam));
        landmarks.geometry = *lesion_geometry;
        landmarks
    }

    fn at_grid(voxels: &Array3<f32>, brain: &Mask, geometry: &Geometry) -> Self {
        let min_spacing = geometry
            .spacing
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let mm = |d: f64| (d / min_spacing).round().max(1.0) as usize;
        // The brain's envelope: the mask closed by 5 mm, holes filled. On real anatomy the CSF
        // spaces are all connected (ventricles through the aqueduct to the cisterns), so the
        // brain mask itself has the ventricles outside it; the envelope holds them again.
        let closed = morph(&morph(brain, mm(5.0), true), mm(5.0), false);
        let mut envelope = fill_holes(&closed);
        Zip::from(&mut envelope)
            .and(brain)
            .for_each(|e, b| *e = *e || *b);
        let mut inside = masked_values(voxels, brain);
        let dark_below = 0.5 * quantile(&mut inside, 0.5).unwrap_or(0.0);
        let depth = depth(&envelope, mm(12.0));
        let deep = mm(12.0) as u8;
        let mut dark = Mask::from_elem(voxels.dim(), false);
        Zip::from(&mut dark)
            .and(voxels)
            .and(&envelope)
            .for_each(|d, v, e| *d = *e && *v < dark_below);
        // Ventricles lie deep and near the midline; deep sulci (the insula's cistern) lie deep
        // too, but far to the side.
        let midline = brain_centre(brain, geometry);
        let mut deep_dark = dark.clone();
        Zip::indexed(&mut deep_dark)
            .and(&depth)
            .for_each(|(k, j, i), d, depth| {
                let p = geometry.index_to_mm([i as f64, j as f64, k as f64]);
                *d = *d && *depth >= deep && (p[0] - midline[0]).abs() <= VENTRICLE_HALF_WIDTH_MM;
            });
        // A ventricle is a body of CSF, not a sheet: one erosion removes the interhemispheric
        // fissure and the thin cisterns, which are deep and midline too. The core is summed
        // over each deep dark body, not over each piece it leaves: a lateral ventricle's body
        // is only a few millimetres high, and on thick slices its core breaks into pieces
        // (0.43 + 0.43 ml on a 3 mm 2D FLAIR) each smaller than the whole.
        let core = morph(&deep_dark, 1, false);
        let (labels, count) = label_components(&deep_dark);
        let mut core_sizes = vec![0usize; count as usize + 1];
        Zip::from(&labels).and(&core).for_each(|l, c| {
            if *c && let Some(n) = core_sizes.get_mut(*l as usize) {
                *n += 1;
            }
        });
        let voxel_ml = geometry.spacing.iter().product::<f64>() / 1000.0;
        let mut ventricles = core;
        Zip::from(&mut ventricles).and(&labels).for_each(|v, l| {
            *v = *v
                && core_sizes
                    .get(*l as usize)
                    .is_some_and(|s| *s as f64 * voxel_ml >= VENTRICLE_CORE_ML)
        });
        // Grow the ventricles through all connected dark voxels (their shallow parts too).
        let ventricles = grow_within(&ventricles, &dark, mm(8.0));
        let near_ventricle = morph(&ventricles, mm(3.0), true);
        // Sulcal CSF: inside the envelope, outside the brain or dark, and not ventricle.
        let mut sulci = dark.clone();
        Zip::from(&mut sulci)
            .and(&envelope)
            .and(brain)
            .and(&ventricles)
            .for_each(|s, e, b, v| *s = (*s || (*e && !*b)) && !*v);
        let mut surface = envelope.clone();
        Zip::from(&mut surface)
            .and(&depth)
            .for_each(|s, d| *s = *s && *d <= mm(3.0) as u8);
        let mut cortex_seed = sulci;
        Zip::from(&mut cortex_seed)
            .and(&surface)
            .for_each(|c, s| *c = *c || *s);
        let mut near_cortex = morph(&cortex_seed, mm(3.0), true);
        // The cortex itself: grey matter (off normal white matter on grey matter's side, see
        // `cortex`) no deeper than cortex goes (12 mm from the envelope, which keeps the deep
        // grey nuclei out). A lesion touching it is juxtacortical even where the sulcus beside
        // it is too thin to show as CSF.
        let ribbon_voxels =
            (CORTEX_MIN_ML * 1000.0 / geometry.spacing.iter().product::<f64>()) as usize;
        if let Some(cortex) = cortex(voxels, brain, &depth, mm(12.0) as u8, ribbon_voxels) {
            let near = morph(&cortex, mm(1.5), true);
            Zip::from(&mut near_cortex)
                .and(&near)
                .for_each(|n, c| *n = *n || *c);
        }
        let (mut z_lo, mut z_hi, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for ((k, j, i), b) in brain.indexed_iter() {
            if *b {
                let p = geometry.index_to_mm([i as f64, j as f64, k as f64]);
                z_lo = z_lo.min(p[2]);
                z_hi = z_hi.max(p[2]);
                n += 1.0;
            }
        }
        Self {
            geometry: *geometry,
            zone_geometry: *geometry,
            across: None,
            factor: [1, 1, 1],
            refine: [1, 1, 1],
            near_ventricle,
            near_cortex,
            z_range: (z_lo, z_hi),
            // The brain's centre (already found for the midline) is where its middle lies.
            y_middle: if n > 0.0 { midline[1] } else { 0.0 },
        }
    }

    /// The location of a lesion given its voxels (label `label` in `labels`) and centre.
    pub fn locate(&self, labels: &Image<u32>, label: u32, centre_mm: Vec3) -> Location {
        self.locate_labels(labels.voxels(), label, centre_mm)
    }

    /// [`Landmarks::locate`] for labels of any kind (a reader's marks) on the grid the
    /// landmarks locate lesions of.
    pub fn locate_labels<L: Copy + PartialEq>(
        &self,
        labels: &Array3<L>,
        label: L,
        centre_mm: Vec3,
    ) -> Location {
        if let Some((lesion_geometry, to_exam)) = &self.across {
            return self.locate_across(
                labels,
                label,
                to_exam.apply(centre_mm),
                lesion_geometry,
                to_exam,
            );
        }
        if self.infratentorial(centre_mm) {
            return Location::Infratentorial;
        }
        let [fi, fj, fk] = self.factor;
        let [ri, rj, rk] = self.refine;
        // The lesion's voxels, found in one pass over the grid (then each zone looks at those
        // only), as the landmark cells they fall in.
        let cells =
            lesion_voxels(labels, label).map(|(k, j, i)| (k / fk * rk, j / fj * rj, i / fi * ri));
        let cells: Vec<(usize, usize, usize)> = cells.collect();
        // A lesion voxel covers `refine` landmark voxels along a thick-slice axis: any of them.
        let touches = |zone: &Mask| {
            cells.iter().any(|&(ck, cj, ci)| {
                (0..rk).any(|a| {
                    (0..rj).any(|b| {
                        (0..ri)
                            .any(|c| zone.get((ck + a, cj + b, ci + c)).copied().unwrap_or(false))
                    })
                })
            })
        };
        self.classify(touches)
    }

    /// Whether a centre (this exam's patient mm) lies in the lowest 28% of the brain's height
    /// and behind its middle.
    fn infratentorial(&self, centre: Vec3) -> bool {
        let (lo, hi) = self.z_range;
        let height = (hi - lo).max(1.0);
        centre[2] < lo + 0.28 * height && centre[1] > self.y_middle
    }

    /// The location of a lesion above the tentorium, given whether it touches a zone.
    fn classify(&self, touches: impl Fn(&Mask) -> bool) -> Location {
        if touches(&self.near_ventricle) {
            Location::Periventricular
        } else if touches(&self.near_cortex) {
            Location::Juxtacortical
        } else {
            Location::DeepWhiteMatter
        }
    }

    /// `locate` for labels on another exam's grid: each lesion voxel is sampled at points
    /// about a landmark voxel apart and each point mapped into this exam.
    fn locate_across<L: Copy + PartialEq>(
        &self,
        labels: &Array3<L>,
        label: L,
        centre: Vec3,
        lesion_geometry: &Geometry,
        to_exam: &RigidTransform,
    ) -> Location {
        if self.infratentorial(centre) {
            return Location::Infratentorial;
        }
        let step = self
            .zone_geometry
            .spacing
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let points = lesion_geometry
            .spacing
            .map(|s| ((s / step).ceil() as usize).max(1));
        let map = IndexMap::new(lesion_geometry, &self.zone_geometry, to_exam);
        let at = |p: usize, n: usize| (p as f64 + 0.5) / n as f64 - 0.5;
        let voxels: Vec<(usize, usize, usize)> = lesion_voxels(labels, label).collect();
        let touches = |zone: &Mask| {
            voxels.iter().any(|&(k, j, i)| {
                (0..points[2]).any(|c| {
                    (0..points[1]).any(|b| {
                        (0..points[0]).any(|a| {
                            let x = map.apply(
                                i as f64 + at(a, points[0]),
                                j as f64 + at(b, points[1]),
                                k as f64 + at(c, points[2]),
                            );
                            let [xi, xj, xk] = x.map(|v| v.round());
                            xi >= 0.0
                                && xj >= 0.0
                                && xk >= 0.0
                                && zone
                                    .get((xk as usize, xj as usize, xi as usize))
                                    .copied()
                                    .unwrap_or(false)
                        })
                    })
                })
            })
        };
        self.classify(touches)
    }

    /// Near-ventricle and near-cortex zones (on the landmark grid), for checks and overlays.
    pub fn zones(&self) -> (&Mask, &Mask) {
        (&self.near_ventricle, &self.near_cortex)
    }

    /// The grid the landmarks are on.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }
}

/// Grey matter of the cortex: parenchyma off normal white matter on the side where most of the
/// rest of the parenchyma lies (above it on FLAIR and T2, by 3 NAWM σ and half the normal
/// contrast; below it on T1, by 3 σ), judged on the image smoothed over `CORTEX_SMOOTH_VOXELS`,
/// less than `max_depth` voxels deep in the envelope. `None` when no tissue model fits.
fn cortex(
    voxels: &Array3<f32>,
    brain: &Mask,
    depth: &Array3<u8>,
    max_depth: u8,
    min_voxels: usize,
) -> Option<Mask> {
    // Grey matter is told on the image lightly smoothed inside the brain (noise down about
    // fourfold, a 2–4 mm ribbon kept): on a noisy scanner (the scanner class of the accuracy
    // corpus) white matter's spread voxel by voxel reached past grey matter, 3 σ lay above the
    // brightest normal tissue, and no cortex was found at all.
    let voxels = &crate::pipeline::bias::local_mean(voxels, brain, [CORTEX_SMOOTH_VOXELS; 3]);
    let model = crate::pipeline::tissue::TissueModel::fit(voxels, brain)?;
    let mut inside = masked_values(voxels, brain);
    let median = quantile(&mut inside, 0.5)?;
    let above = median >= model.nawm;
    // Grey matter is nearer the top of normal tissue than white matter: at least half-way
    // there, and 3 σ clear of white matter's noise. The half-way rule matters once the coil's
    // shading is divided out (`bias`): σ then falls to the noise, and 3 σ alone admitted white
    // matter beside partial volume on 3 mm slices as "cortex".
    let (lo, hi) = if above {
        let half_way = 0.5 * (model.bright - model.nawm);
        (model.nawm + (3.0 * model.sigma).max(half_way), model.bright)
    } else {
        (0.5 * model.nawm, model.nawm - 3.0 * model.sigma)
    };
    let mut cortex = Mask::from_elem(voxels.dim(), false);
    Zip::from(&mut cortex)
        .and(voxels)
        .and(brain)
        .and(depth)
        .for_each(|c, v, b, d| *c = *b && *v >= lo && *v <= hi && *d <= max_depth);
    // The cortical ribbon is one large sheet; the partial-volume rim of a deep plaque is a
    // small shell on its own, and must not make the plaque juxtacortical.
    let (labels, count) = label_components(&cortex);
    let sizes = label_sizes(&labels, count);
    Some(labels.mapv(|l| l > 0 && sizes.get(l as usize).is_some_and(|s| *s >= min_voxels)))
}

/// Gaussian σ (landmark voxels) of the smoothing grey matter is told on.
const CORTEX_SMOOTH_VOXELS: f64 = 0.75;

/// Smallest connected piece (ml) of grey matter taken as cortex.
const CORTEX_MIN_ML: f64 = 5.0;

/// Smallest eroded core (ml) of a ventricle: each lateral ventricle's core is about 1 ml on a
/// normal adult brain at 1.5 mm.
const VENTRICLE_CORE_ML: f64 = 0.5;

/// How far (mm) from the brain's middle, left to right, a ventricle may lie.
const VENTRICLE_HALF_WIDTH_MM: f64 = 30.0;

/// The centre of the brain mask, patient mm.
fn brain_centre(brain: &Mask, geometry: &Geometry) -> Vec3 {
    let (mut sum, mut n) = ([0.0; 3], 0.0);
    for ((k, j, i), b) in brain.indexed_iter() {
        if *b {
            sum = [sum[0] + i as f64, sum[1] + j as f64, sum[2] + k as f64];
            n += 1.0;
        }
    }
    if n == 0.0 {
        return geometry.index_to_mm([0.0; 3]);
    }
    geometry.index_to_mm(sum.map(|s| s / n))
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

/// Splits each voxel into `refine` voxels along each axis: values linearly interpolated, the
/// brain mask copied, with the fine geometry (a fine voxel's centre inside its coarse voxel).
fn refine_grid(
    voxels: &Array3<f32>,
    brain: &Mask,
    geometry: &Geometry,
    [ri, rj, rk]: [usize; 3],
) -> (Array3<f32>, Mask, Geometry) {
    let (nk, nj, ni) = voxels.dim();
    let dim = (nk * rk, nj * rj, ni * ri);
    // Fine index p along an axis split by r sits at coarse position (p + 0.5) / r - 0.5.
    let at = |p: usize, r: usize| (p as f64 + 0.5) / r as f64 - 0.5;
    let view = voxels.view();
    let mut fine = Array3::<f32>::zeros(dim);
    Zip::indexed(&mut fine).par_for_each(|(k, j, i), v| {
        *v = crate::pipeline::resample::trilinear(&view, at(i, ri), at(j, rj), at(k, rk))
            .unwrap_or(0.0);
    });
    let fine_brain = Mask::from_shape_fn(dim, |(k, j, i)| {
        brain
            .get((k / rk, j / rj, i / ri))
            .copied()
            .unwrap_or(false)
    });
    let fine_geometry = Geometry {
        origin: geometry.index_to_mm([at(0, ri), at(0, rj), at(0, rk)]),
        spacing: [
            geometry.spacing[0] / ri as f64,
            geometry.spacing[1] / rj as f64,
            geometry.spacing[2] / rk as f64,
        ],
        direction: geometry.direction,
    };
    (fine, fine_brain, fine_geometry)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A brain phantom on 2D-FLAIR-like voxels (1.5 × 1.5 × 3 mm): an ellipsoid of white matter
    /// (100) with two lateral ventricles (10) two slices (6 mm) high, as a lateral ventricle's
    /// body is.
    /// Returns the image, its brain mask (without the ventricles, as on real anatomy) and its
    /// geometry.
    fn thick_slice_phantom() -> (Image<f32>, Image<bool>, Geometry) {
        let geometry = Geometry::axis_aligned([-82.5, -97.5, -66.0], [1.5, 1.5, 3.0]);
        let dim = (45, 130, 110);
        let mut voxels = Array3::<f32>::zeros(dim);
        let mut brain = Mask::from_elem(dim, false);
        for ((k, j, i), v) in voxels.indexed_iter_mut() {
            let p = geometry.index_to_mm([i as f64, j as f64, k as f64]);
            let inside =
                (p[0] / 70.0).powi(2) + (p[1] / 85.0).powi(2) + (p[2] / 60.0).powi(2) < 1.0;
            let ventricle = (3.0..=15.0).contains(&p[0].abs())
                && p[1].abs() <= 20.0
                && (-0.5..=3.5).contains(&p[2]);
            if inside {
                *v = if ventricle { 10.0 } else { 100.0 };
                brain[(k, j, i)] = !ventricle;
            }
        }
        let image = Image::new(voxels, geometry, "phantom").unwrap();
        let brain = image.derived(brain);
        (image, brain, geometry)
    }

    /// Labels (value 1) of a small lesion centred at `centre_mm` on the phantom's grid.
    fn lesion_at(geometry: &Geometry, dim: (usize, usize, usize), centre_mm: Vec3) -> Image<u32> {
        let voxels = Array3::from_shape_fn(dim, |(k, j, i)| {
            let p = geometry.index_to_mm([i as f64, j as f64, k as f64]);
            let d = crate::pipeline::geometry::norm(crate::pipeline::geometry::sub(p, centre_mm));
            u32::from(d <= 1.6)
        });
        Image::new(voxels, *geometry, "lesion").unwrap()
    }

    #[test]
    fn thick_slices_keep_the_ventricles_and_their_periventricular_lesions() {
        let (voxels, brain, geometry) = thick_slice_phantom();
        let landmarks = Landmarks::new(&voxels, &brain);
        // The landmarks are on an isotropic grid: 3 mm slices are split in two.
        assert_eq!(landmarks.refine, [1, 1, 2]);
        // One erosion of 3 mm across slices left no core of these ventricles: none was found,
        // and a lesion at their side was not periventricular.
        let beside = [18.0, 0.0, 1.5];
        let labels = lesion_at(&geometry, voxels.voxels().dim(), beside);
        assert_eq!(
            landmarks.locate(&labels, 1, beside),
            Location::Periventricular
        );
        // A lesion deep in white matter, far from both ventricles and surface, is not.
        let deep = [40.0, 30.0, 10.0];
        let labels = lesion_at(&geometry, voxels.voxels().dim(), deep);
        assert_eq!(
            landmarks.locate(&labels, 1, deep),
            Location::DeepWhiteMatter
        );
    }

    #[test]
    fn lesions_on_another_exams_grid_are_located_through_the_transform() {
        let (voxels, brain, _) = thick_slice_phantom();
        // The lesions' exam: 1 mm voxels, its patient space shifted by 10 mm (so without the
        // transform the lesions would be looked up 10 mm off).
        let lesion_geometry = Geometry::axis_aligned([-70.0, -80.0, -40.0], [1.0, 1.0, 1.0]);
        let dim = (80, 160, 140);
        let shift = [-10.0, 3.0, 2.0];
        let to_exam = RigidTransform::from_euler_deg([0.0; 3], shift);
        let landmarks = Landmarks::on_other_exam(&voxels, &brain, &lesion_geometry, &to_exam);
        // Where the lesion lies in the landmarks' exam, and where that is on the lesions' grid.
        let in_lesion_space = |p: Vec3| crate::pipeline::geometry::sub(p, shift);
        for (at_exam, expected) in [
            ([18.0, 0.0, 1.5], Location::Periventricular),
            ([40.0, 30.0, 10.0], Location::DeepWhiteMatter),
        ] {
            let centre = in_lesion_space(at_exam);
            let labels = lesion_at(&lesion_geometry, dim, centre);
            assert!(labels.voxels().iter().any(|l| *l == 1));
            assert_eq!(
                landmarks.locate(&labels, 1, centre),
                expected,
                "{at_exam:?}"
            );
        }
        // Looked up without the transform, the periventricular lesion lands 10 mm farther from
        // the ventricle and is not periventricular: the transform is what places it.
        let centre = in_lesion_space([18.0, 0.0, 1.5]);
        let labels = lesion_at(&lesion_geometry, dim, centre);
        let untransformed = Landmarks::on_other_exam(
            &voxels,
            &brain,
            &lesion_geometry,
            &RigidTransform::from_euler_deg([0.0; 3], [0.0; 3]),
        );
        assert_ne!(
            untransformed.locate(&labels, 1, centre),
            Location::Periventricular
        );
    }
}
