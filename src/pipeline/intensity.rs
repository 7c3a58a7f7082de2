//! Intensity statistics of a volume: Otsu's threshold, values under a mask, quantiles. Shared
//! by the brain mask, the tissue model, bias correction and lesion measurement.

use ndarray::{Array3, Axis};
use rayon::prelude::*;

use crate::pipeline::morphology::Mask;

/// Otsu's threshold over a 256-bin histogram.
pub fn otsu(voxels: &Array3<f32>) -> f32 {
    let (lo, hi) = voxels
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if hi <= lo {
        return lo;
    }
    let bins = 256usize;
    let scale = (bins - 1) as f32 / (hi - lo);
    let mut histogram = vec![0f64; bins];
    for v in voxels {
        if let Some(h) = histogram.get_mut(((v - lo) * scale) as usize) {
            *h += 1.0;
        }
    }
    let total: f64 = histogram.iter().sum();
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(b, c)| b as f64 * c)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_bin) = (0.0, 0.0, 0.0, 0usize);
    for (b, c) in histogram.iter().enumerate() {
        w0 += c;
        sum0 += b as f64 * c;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_bin = b;
        }
    }
    lo + (best_bin as f32 + 0.5) / scale
}

/// Values of `values` where `mask` is set, in parallel.
pub fn masked_values(values: &Array3<f32>, mask: &Mask) -> Vec<f32> {
    values
        .axis_iter(Axis(0))
        .into_par_iter()
        .zip(mask.axis_iter(Axis(0)))
        .flat_map_iter(|(v, m)| {
            v.iter()
                .zip(m.iter())
                .filter(|(_, m)| **m)
                .map(|(v, _)| *v)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `q`-quantile (0..=1) of `values` (reorders them).
pub fn quantile(values: &mut [f32], q: f64) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    let at = ((values.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(at, f32::total_cmp);
    Some(*v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otsu_splits_two_populations() {
        let v = Array3::from_shape_fn((4, 4, 4), |(k, _, _)| if k < 2 { 10.0 } else { 100.0 });
        let t = otsu(&v);
        assert!(t > 10.0 && t < 100.0, "{t}");
    }

    #[test]
    fn the_median_of_five_and_the_values_under_a_mask() {
        let mut q = vec![3.0, 1.0, 2.0, 5.0, 4.0];
        assert_eq!(quantile(&mut q, 0.5), Some(3.0));
        assert_eq!(quantile(&mut [], 0.5), None);
        let v = Array3::from_shape_fn((2, 2, 2), |(k, j, i)| (k * 4 + j * 2 + i) as f32);
        let m = Mask::from_shape_fn((2, 2, 2), |(k, _, i)| k == 1 && i == 0);
        assert_eq!(masked_values(&v, &m), vec![4.0, 6.0]);
    }
}
