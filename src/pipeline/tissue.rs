//! The intensity model of one exam: where normal-appearing white matter sits and how much it
//! varies, whatever the contrast (FLAIR, T2, T1 before or after gadolinium).
//!
//! A lesion is judged against normal-appearing white matter (NAWM), not against the whole
//! brain: on FLAIR the cortex is brighter than white matter and CSF darker, so the whole
//! brain's spread is several times NAWM's, and a plaque at 1.5× NAWM sits near z = 2 on that
//! scale (issue #10). White matter is the brain's most homogeneous large tissue, so it makes the
//! sharpest peak of the histogram of parenchyma (the brain without its dark CSF). Its spread is
//! read on the narrower side of that peak: the other side is widened by grey matter (brighter on
//! FLAIR, darker on T1) and by lesions.

use ndarray::Array3;

use crate::pipeline::intensity::{masked_values, otsu, quantile};
use crate::pipeline::morphology::Mask;

/// NAWM level and spread of one exam, and how bright its brightest normal tissue is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TissueModel {
    /// The white-matter peak of the parenchyma histogram.
    pub nawm: f32,
    /// Robust standard deviation of NAWM (from the peak's half width on its narrower side).
    pub sigma: f32,
    /// The 98th percentile of parenchyma: the top of normal tissue (cortex on FLAIR).
    pub bright: f32,
}

impl TissueModel {
    /// Fits the model to the voxels inside `brain`. `None` when the brain is empty or flat.
    pub fn fit(voxels: &Array3<f32>, brain: &Mask) -> Option<TissueModel> {
        let inside = masked_values(voxels, brain);
        if inside.len() < 64 {
            return None;
        }
        // Parenchyma: above the Otsu split of the brain's values (CSF is the dark class on FLAIR,
        // T2-FLAIR and T1 alike; on T2, where CSF is bright, the split keeps CSF out too because
        // the peak search below ignores the upper class when it is the smaller one).
        let brain_values = ndarray::Array3::from_shape_vec((inside.len(), 1, 1), inside).ok()?;
        let split = otsu(&brain_values);
        let mut parenchyma: Vec<f32> = brain_values
            .iter()
            .copied()
            .filter(|v| *v > split)
            .collect();
        if parenchyma.len() < 64 {
            return None;
        }
        let lo = quantile(&mut parenchyma, 0.005)?;
        let hi = quantile(&mut parenchyma, 0.995)?;
        let bright = quantile(&mut parenchyma, 0.98)?;
        if hi <= lo {
            return None;
        }
        const BINS: usize = 200;
        let width = (hi - lo) / BINS as f32;
        let mut histogram = vec![0f64; BINS];
        for v in &parenchyma {
            let b = ((v - lo) / width) as isize;
            if let Some(h) = usize::try_from(b).ok().and_then(|b| histogram.get_mut(b)) {
                *h += 1.0;
            }
        }
        let smooth = smooth_histogram(&histogram, 2.0);
        let (peak_bin, peak) =
            smooth
                .iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |best, (b, h)| {
                    if *h > best.1 { (b, *h) } else { best }
                });
        let half = peak / 2.0;
        let below = (0..peak_bin)
            .rev()
            .find(|b| smooth.get(*b).is_some_and(|h| *h < half))
            .map_or(peak_bin as f64, |b| (peak_bin - b) as f64);
        let above = (peak_bin + 1..BINS)
            .find(|b| smooth.get(*b).is_some_and(|h| *h < half))
            .map_or((BINS - peak_bin) as f64, |b| (b - peak_bin) as f64);
        let nawm = lo + (peak_bin as f32 + 0.5) * width;
        let hwhm = below.min(above) as f32 * width;
        // HWHM = 1.1774 σ for a Gaussian; never below 1% of the level (a noiseless volume).
        let sigma = (hwhm / 1.1774).max(0.01 * nawm.abs()).max(1e-3);
        Some(TissueModel {
            nawm,
            sigma,
            bright,
        })
    }

    /// `v` in NAWM standard deviations above NAWM.
    pub fn z(&self, v: f32) -> f32 {
        (v - self.nawm) / self.sigma
    }

    /// NAWM z-scores of a volume inside `brain` (0 outside).
    pub fn z_map(&self, voxels: &Array3<f32>, brain: &Mask) -> Array3<f32> {
        let mut z = Array3::<f32>::zeros(voxels.dim());
        ndarray::Zip::from(&mut z)
            .and(voxels)
            .and(brain)
            .par_for_each(|z, v, m| *z = if *m { self.z(*v) } else { 0.0 });
        z
    }
}

/// Gaussian smoothing of a histogram (σ in bins), edges clamped.
fn smooth_histogram(h: &[f64], sigma: f64) -> Vec<f64> {
    let r = (3.0 * sigma).ceil() as isize;
    let weights: Vec<f64> = (-r..=r)
        .map(|d| (-(d * d) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let n = h.len() as isize;
    (0..n)
        .map(|i| {
            (-r..=r)
                .zip(&weights)
                .map(|(d, w)| {
                    w * h
                        .get((i + d).clamp(0, n - 1) as usize)
                        .copied()
                        .unwrap_or(0.0)
                })
                .sum()
        })
        .collect()
}

/// The two exams' intensity models.
pub struct Models {
    pub baseline: TissueModel,
    pub followup: TissueModel,
}

/// How far above the brightest normal tissue (the 98th percentile of parenchyma) a plaque's
/// core stands, at least: this many NAWM σ (noise)...
const PLAQUE_MARGIN_Z: f32 = 3.0;

/// ...and this fraction of the normal contrast (brightest normal tissue over NAWM). White
/// matter's σ measures noise, not how far grey matter's own brightest parts (deep nuclei, a
/// fold of cortex) reach above its 98th percentile; once the coil's shading is divided out
/// (`bias`), and on a resampled follow-up whose noise interpolation has halved, 3 σ fell inside
/// that tail and whole nuclei became "plaques" (peaks at 1.21–1.25× NAWM on the corpus; the
/// faintest true plaques peak at 1.26–1.35×).
const PLAQUE_MARGIN_CONTRAST: f32 = 0.5;

/// The NAWM z a plaque's core reaches at least, in an exam of model `model`, for a bright
/// region of `voxels` voxels: above the brightest normal tissue by the larger of a fraction of
/// the normal contrast and how far noise alone takes the largest of that many voxels
/// (σ·√(2 ln n), about 4 σ for a nucleus of 3,000 voxels), and never by less than 3 σ.
pub(crate) fn plaque_seed_z(model: &TissueModel, voxels: usize) -> f32 {
    let bright = model.z(model.bright);
    let noise = (2.0 * (voxels.max(1) as f32).ln()).sqrt();
    bright
        + PLAQUE_MARGIN_Z
            .max(PLAQUE_MARGIN_CONTRAST * bright)
            .max(noise)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FLAIR-like brain: 40% white matter at 100 ± 3, 45% cortex spread over 105–135, 10%
    /// CSF at 10, 1% plaques at 160. The model must find white matter, not the whole brain.
    #[test]
    fn finds_white_matter_under_brighter_cortex_and_plaques() {
        let n = 20_000usize;
        let values: Vec<f32> = (0..n)
            .map(|i| {
                let u = (i as f32 * 0.618_034).fract();
                let noise = ((i as f32 * 12.9898).sin() * 43_758.547).rem_euclid(1.0) - 0.5;
                match i % 100 {
                    0..40 => 100.0 + 6.0 * noise * 1.7,
                    40..85 => 105.0 + 30.0 * u,
                    85..95 => 10.0 + 4.0 * noise,
                    95..99 => 60.0 + 30.0 * u,
                    _ => 160.0,
                }
            })
            .collect();
        let volume = Array3::from_shape_vec((n, 1, 1), values).unwrap();
        let brain = Mask::from_elem((n, 1, 1), true);
        let m = TissueModel::fit(&volume, &brain).unwrap();
        assert!((m.nawm - 100.0).abs() < 3.0, "{m:?}");
        assert!(m.sigma > 1.0 && m.sigma < 6.0, "{m:?}");
        assert!(
            m.z(160.0) > 10.0,
            "a plaque at 1.6× NAWM is far above it: {m:?}"
        );
    }
}
