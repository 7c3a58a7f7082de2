//! Each exam's own intensity bias (the receive coil's slow shading, 10–30% across a head),
//! estimated on its white matter and divided out before tissue is judged.
//!
//! Why: the change map is immune to a bias both exams share, but every rule that judges one
//! exam's tissue is not. Under a ±15% bias, white matter at one side of the head is as bright as
//! grey matter at the other: the white-matter peak of the histogram widens two- to threefold
//! (`tissue::TissueModel`'s σ), the cortex can no longer be told from white matter (locations),
//! and a persistent plaque in a dark corner no longer stands out at baseline, so it is called
//! new (issue #10, the scanner class of the accuracy corpus).
//!
//! Method: white matter is the brain's one large homogeneous tissue, so its local mean *is* the
//! bias, up to a constant. The field is the Gaussian-weighted local mean of the voxels within
//! 1.5 NAWM σ of the white-matter peak, over `sigma_mm`, normalised to 1 on white matter. The
//! first band is wide because the bias has widened the peak; each pass refits the tissue model
//! on the corrected image and narrows it. N3/N4 (used in ITK and FSL-like pipelines) have the
//! same aim (a smooth multiplicative field) by sharpening the whole histogram; a tissue-class
//! local mean needs no B-spline fit and no iterations to convergence, and is enough for the slow
//! fields of a head coil.

use ndarray::{Array3, Zip};
use rayon::prelude::*;

use crate::pipeline::geometry::Geometry;
use crate::pipeline::image::Image;
use crate::pipeline::intensity::masked_values;
use crate::pipeline::morphology::{Mask, gaussian};
use crate::pipeline::tissue::TissueModel;

/// Passes of band selection and local mean (the band narrows with each).
const PASSES: usize = 3;

/// Half width of the white-matter band, in NAWM σ: wide enough to hold most of white matter
/// (87% of a Gaussian peak), narrow enough to leave out grey matter beside it.
const BAND_SIGMAS: f32 = 1.5;

/// Fewest white-matter voxels a field is estimated from.
const MIN_WHITE_VOXELS: usize = 1000;

/// The multiplicative bias field of `voxels` inside `brain` (1 on average over white matter; 1
/// outside the brain), smoothed over `sigma_mm`. `None` when no tissue model fits or too little
/// white matter is found: the caller then judges the image as it is.
pub fn white_matter_field(
    voxels: &Array3<f32>,
    brain: &Mask,
    geometry: &Geometry,
    sigma_mm: f64,
) -> Option<Array3<f32>> {
    let sigma_vox = geometry.spacing.map(|s| sigma_mm / s);
    let mut corrected = voxels.clone();
    let mut field: Option<Array3<f32>> = None;
    for pass in 0..PASSES {
        let model = TissueModel::fit(&corrected, brain)?;
        // A strong shading can flatten the white-matter peak into a plateau whose fitted σ is
        // any bump's: the first band is at least half-way to the brightest normal tissue.
        let mut half_width = BAND_SIGMAS * model.sigma;
        if pass == 0 {
            half_width = half_width.max(0.5 * (model.bright - model.nawm).abs());
        }
        let (lo, hi) = (model.nawm - half_width, model.nawm + half_width);
        let mut white = Mask::from_elem(voxels.dim(), false);
        Zip::from(&mut white)
            .and(&corrected)
            .and(brain)
            .par_for_each(|w, v, b| *w = *b && *v >= lo && *v <= hi);
        if white.iter().filter(|w| **w).count() < MIN_WHITE_VOXELS {
            break;
        }
        let mut level = local_mean(voxels, &white, sigma_vox);
        let inside = masked_values(&level, &white);
        let mean = inside.iter().map(|v| f64::from(*v)).sum::<f64>() / inside.len().max(1) as f64;
        let mean = mean as f32;
        if mean <= 0.0 {
            return None;
        }
        level.par_mapv_inplace(|l| if l > 0.0 { l / mean } else { 1.0 });
        corrected = divide(voxels, &level, brain);
        field = Some(level);
    }
    field
}

/// One exam with its own shading divided out (`white_matter_field`); the image unchanged when
/// no field can be estimated.
pub fn flatten(image: &Image<f32>, brain: &Image<bool>, sigma_mm: f64) -> Image<f32> {
    let (voxels, brain) = (image.voxels(), brain.voxels());
    match white_matter_field(voxels, brain, image.geometry(), sigma_mm) {
        Some(field) => image.derived(divide(voxels, &field, brain)),
        None => image.clone(),
    }
}

/// Both exams of a pair with the baseline's shading divided out. One field, the baseline's,
/// serves both: the follow-up has been normalised to the baseline's intensities (`change`),
/// shading included. The images unchanged when no field can be estimated.
pub fn flatten_pair(
    (baseline, followup): (&Image<f32>, &Image<f32>),
    brain: &Image<bool>,
    sigma_mm: f64,
) -> (Image<f32>, Image<f32>) {
    let mask = brain.voxels();
    match white_matter_field(baseline.voxels(), mask, baseline.geometry(), sigma_mm) {
        Some(field) => (
            baseline.derived(divide(baseline.voxels(), &field, mask)),
            baseline.derived(divide(followup.voxels(), &field, mask)),
        ),
        None => (baseline.clone(), followup.clone()),
    }
}

/// `voxels / field` inside `brain`, the voxels unchanged outside it.
pub fn divide(voxels: &Array3<f32>, field: &Array3<f32>, brain: &Mask) -> Array3<f32> {
    let mut out = voxels.clone();
    Zip::from(&mut out)
        .and(field)
        .and(brain)
        .par_for_each(|v, f, b| {
            if *b && *f > 0.0 {
                *v /= f;
            }
        });
    out
}

/// The Gaussian-weighted mean of `values` over `mask` around every voxel (0 where no masked
/// voxel lies within reach), smoothing with `sigma_vox` per index axis. A field this smooth is
/// computed on a coarser grid (block sums, about three blocks per σ) and interpolated back: the
/// same result for a fraction of the work.
pub fn local_mean(values: &Array3<f32>, mask: &Mask, sigma_vox: [f64; 3]) -> Array3<f32> {
    let factor = sigma_vox.map(|s| ((s / 3.0).floor() as usize).max(1));
    let coarse_sigma = [
        sigma_vox[0] / factor[0] as f64,
        sigma_vox[1] / factor[1] as f64,
        sigma_vox[2] / factor[2] as f64,
    ];
    let (sums, counts) = block_sums(values, mask, factor);
    let sums = gaussian(&sums, coarse_sigma);
    let counts = gaussian(&counts, coarse_sigma);
    let mut mean = sums;
    Zip::from(&mut mean)
        .and(&counts)
        .for_each(|m, c| *m = if *c > 1e-3 { *m / c } else { 0.0 });
    upsample(&mean, factor, values.dim())
}

/// Sums of `values` and counts of voxels over `mask`, per block of `factor` voxels.
fn block_sums(
    values: &Array3<f32>,
    mask: &Mask,
    [fi, fj, fk]: [usize; 3],
) -> (Array3<f32>, Array3<f32>) {
    let (nk, nj, ni) = values.dim();
    let dim = (nk.div_ceil(fk), nj.div_ceil(fj), ni.div_ceil(fi));
    let mut sums = Array3::<f32>::zeros(dim);
    let mut counts = Array3::<f32>::zeros(dim);
    for (((k, j, i), m), v) in mask.indexed_iter().zip(values.iter()) {
        if *m && let Some(s) = sums.get_mut((k / fk, j / fj, i / fi)) {
            *s += v;
            if let Some(c) = counts.get_mut((k / fk, j / fj, i / fi)) {
                *c += 1.0;
            }
        }
    }
    (sums, counts)
}

/// A block grid back on the full grid `dim`, trilinearly: block `c` covers voxels `c·f ..
/// c·f + f − 1` and is centred at `c·f + (f − 1)/2`. Separably: each plane interpolates the two
/// coarse planes around it along columns once per coarse row, then every voxel blends four of
/// those rows; the same operations, in the same order, as [`Corners::interpolate`] at each
/// voxel, so the field is bit for bit the trilinear one, at a few flops a voxel instead of the
/// corners found again for each.
///
/// [`Corners::interpolate`]: crate::pipeline::resample::Corners::interpolate
fn upsample(
    coarse: &Array3<f32>,
    [fi, fj, fk]: [usize; 3],
    dim: (usize, usize, usize),
) -> Array3<f32> {
    let (ck, cj, ci) = coarse.dim();
    let mut out = Array3::<f32>::zeros(dim);
    let (Some(values), true) = (coarse.as_slice(), ck * cj * ci > 0) else {
        return out;
    };
    let (ni, nj, nk) = (dim.2, dim.1, dim.0);
    let (along_i, along_j, along_k) = (
        blend_weights(ni, fi, ci),
        blend_weights(nj, fj, cj),
        blend_weights(nk, fk, ck),
    );
    out.axis_iter_mut(ndarray::Axis(0))
        .into_par_iter()
        .zip(along_k.par_iter())
        .for_each(|(mut plane, &(z0, z1, fz))| {
            // Coarse rows of planes z0 and z1 interpolated along columns onto the full width.
            let rows_of = |z: usize| -> Vec<f32> {
                let mut rows = Vec::with_capacity(cj * ni);
                for y in 0..cj {
                    let row = &values[(z * cj + y) * ci..(z * cj + y + 1) * ci];
                    rows.extend(along_i.iter().map(|&(x0, x1, fx)| {
                        row.get(x0).copied().unwrap_or(0.0) * (1.0 - fx)
                            + row.get(x1).copied().unwrap_or(0.0) * fx
                    }));
                }
                rows
            };
            let (low, high) = (rows_of(z0), rows_of(z1));
            for (mut line, &(y0, y1, fy)) in plane.outer_iter_mut().zip(&along_j) {
                let (a, b, c, d) = (
                    coarse_row(&low, y0, ni),
                    coarse_row(&low, y1, ni),
                    coarse_row(&high, y0, ni),
                    coarse_row(&high, y1, ni),
                );
                for ((((out, a), b), c), d) in line.iter_mut().zip(a).zip(b).zip(c).zip(d) {
                    let c0 = a * (1.0 - fy) + b * fy;
                    let c1 = c * (1.0 - fy) + d * fy;
                    *out = c0 * (1.0 - fz) + c1 * fz;
                }
            }
        });
    out
}

/// Row `y` of rows `n` long laid end to end (empty past the end).
fn coarse_row(rows: &[f32], y: usize, n: usize) -> &[f32] {
    rows.get(y * n..(y + 1) * n).unwrap_or(&[])
}

/// For each of `n` voxels along an axis of blocks of `f`: the two coarse indices around its
/// centre (of `coarse`, clamped at the ends) and the fraction between them.
fn blend_weights(n: usize, f: usize, coarse: usize) -> Vec<(usize, usize, f32)> {
    let last = coarse.saturating_sub(1);
    (0..n)
        .map(|v| {
            let at = ((v as f64 - (f as f64 - 1.0) / 2.0) / f as f64).clamp(0.0, last as f64);
            let lower = at as usize;
            (lower, (lower + 1).min(last), (at - lower as f64) as f32)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field, voxel by voxel through the generic trilinear interpolation: what `upsample`
    /// must equal bit for bit.
    fn upsample_by_trilinear(
        coarse: &Array3<f32>,
        [fi, fj, fk]: [usize; 3],
        (nk, nj, ni): (usize, usize, usize),
    ) -> Array3<f32> {
        let (ck, cj, ci) = coarse.dim();
        let at = |v: usize, f: usize, c: usize| {
            ((v as f64 - (f as f64 - 1.0) / 2.0) / f as f64).clamp(0.0, c.saturating_sub(1) as f64)
        };
        Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| {
            crate::pipeline::resample::trilinear(
                &coarse.view(),
                at(i, fi, ci),
                at(j, fj, cj),
                at(k, fk, ck),
            )
            .unwrap()
        })
    }

    #[test]
    fn the_separable_upsampling_is_the_trilinear_one_bit_for_bit() {
        for (factor, dim) in [
            ([4usize, 4, 4], (17usize, 23usize, 30usize)),
            ([3, 5, 2], (9, 10, 11)),
            ([1, 1, 1], (3, 4, 5)),
            ([8, 8, 8], (5, 6, 7)),
        ] {
            let coarse_dim = (
                dim.0.div_ceil(factor[2]),
                dim.1.div_ceil(factor[1]),
                dim.2.div_ceil(factor[0]),
            );
            let coarse = Array3::from_shape_fn(coarse_dim, |(k, j, i)| {
                ((k * 31 + j * 17 + i * 7) % 13) as f32 * 0.37 + 0.9
            });
            let fast = upsample(&coarse, factor, dim);
            let slow = upsample_by_trilinear(&coarse, factor, dim);
            assert_eq!(fast.dim(), slow.dim());
            assert!(
                fast.iter()
                    .zip(&slow)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "factor {factor:?}, dim {dim:?}"
            );
        }
    }

    /// A FLAIR-like brain (white matter 100, cortex 120 in stripes, CSF 20, a few plaques at
    /// 160, Gaussian noise σ 3) under a ±12% left-to-right shading: corrected, white matter is
    /// level again from one side to the other, the tissues keep their ratios, and the tissue
    /// model's σ falls back towards the noise.
    #[test]
    fn removes_a_slow_bias_and_keeps_contrast() {
        let (nk, nj, ni) = (24usize, 48usize, 64usize);
        let geometry = Geometry::axis_aligned([0.0; 3], [2.0, 2.0, 2.0]);
        let bias = |i: usize| 0.88 + 0.24 * i as f32 / (ni - 1) as f32;
        let clean = |k: usize, j: usize, i: usize| -> f32 {
            if k >= 20 {
                20.0
            } else if (k / 4 + j / 4 + i / 4).is_multiple_of(11) {
                160.0
            } else if (j + i) % 6 < 2 {
                120.0
            } else {
                100.0
            }
        };
        let voxels = Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| {
            clean(k, j, i) * bias(i)
                + 3.0
                    * crate::synth::noise::gaussian(crate::synth::noise::voxel_key(1, i, j, k))
                        as f32
        });
        let brain = Mask::from_elem((nk, nj, ni), true);
        let before = TissueModel::fit(&voxels, &brain).unwrap();
        let field = white_matter_field(&voxels, &brain, &geometry, 15.0).unwrap();
        let corrected = divide(&voxels, &field, &brain);
        let after = TissueModel::fit(&corrected, &brain).unwrap();
        assert!(
            after.sigma < 0.6 * before.sigma,
            "σ {} → {}",
            before.sigma,
            after.sigma
        );
        // White matter on either side of the head (10% apart before), over a few voxels
        // against the noise. (At the very border a Gaussian's one-sided mean lags a ramp.)
        let white_at = |i0: usize| {
            let cells: Vec<f32> = (4..16)
                .flat_map(|k| (0..nj).map(move |j| (k, j)))
                .flat_map(|(k, j)| (i0..i0 + 4).map(move |i| (k, j, i)))
                .filter(|(k, j, i)| clean(*k, *j, *i) == 100.0)
                .map(|p| corrected[p])
                .collect();
            cells.iter().sum::<f32>() / cells.len() as f32
        };
        let (left, right) = (white_at(14), white_at(46));
        assert!((left / right - 1.0).abs() < 0.02, "{left} {right}");
        let cortex = corrected[(10, 0, 0)] / left; // (j + i) % 6 == 0: cortex
        assert!((cortex - 1.2).abs() < 0.1, "{cortex}");
    }

    #[test]
    fn no_field_without_a_brain() {
        let voxels = Array3::<f32>::zeros((4, 4, 4));
        let brain = Mask::from_elem((4, 4, 4), false);
        let geometry = Geometry::axis_aligned([0.0; 3], [1.0, 1.0, 1.0]);
        assert!(white_matter_field(&voxels, &brain, &geometry, 15.0).is_none());
    }

    #[test]
    fn local_mean_of_a_constant_is_that_constant_wherever_the_mask_reaches() {
        let values = Array3::from_elem((10, 20, 30), 7.0f32);
        let mut mask = Mask::from_elem((10, 20, 30), false);
        mask.slice_mut(ndarray::s![.., .., ..15]).fill(true);
        let mean = local_mean(&values, &mask, [6.0, 6.0, 6.0]);
        assert!((mean[(5, 10, 2)] - 7.0).abs() < 1e-3);
        assert!((mean[(5, 10, 20)] - 7.0).abs() < 1e-3, "extrapolated");
    }
}
