//! Display windows: which values run from black to white. The scanner's suggestion, a window
//! from the histogram, and presets computed inside the brain; and the one map from a value to a
//! grey level that every view and every key image uses.

use crate::compare::PairView;
use crate::pipeline::image::Image;
use crate::pipeline::intensity::{masked_values, quantile};
use crate::pipeline::volume::Volume;

/// A display window: the value shown black and the value shown white.
pub type Window = (f32, f32);

/// Window presets a reader chooses from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowPreset {
    /// What the scanner suggested (Window Center/Width), else Auto.
    Scanner,
    /// From each exam's histogram.
    Auto,
    /// The brain's own range (1st to 99.5th percentile inside the brain): grey/white contrast.
    Brain,
    /// FLAIR: anchored on normal tissue, not on the brightest voxels: from the brain's median
    /// less 3 interquartile ranges (CSF black) to the median plus 2.5 (plaques near white).
    /// The lesions an exam holds do not move it, so two exams of one patient look alike.
    Flair,
    /// T1: 0.5th to 99.9th percentile in the brain, so enhancement is not clipped.
    T1,
}

impl WindowPreset {
    /// The percentiles (low, high) inside the brain a preset spans, for the presets that are
    /// brain percentiles.
    fn brain_percentiles(self) -> Option<(f64, f64)> {
        match self {
            WindowPreset::Brain => Some((0.01, 0.995)),
            WindowPreset::T1 => Some((0.005, 0.999)),
            WindowPreset::Scanner | WindowPreset::Auto | WindowPreset::Flair => None,
        }
    }
}

/// The window a scanner suggested as (centre, width), as (low, high).
pub fn scanner_window(suggested: Option<[f64; 2]>) -> Option<Window> {
    let [centre, width] = suggested?;
    (width.is_finite() && centre.is_finite() && width > 0.0)
        .then(|| ((centre - width / 2.0) as f32, (centre + width / 2.0) as f32))
}

/// Window from the minimum (air is black) to the 99.5th percentile of non-background voxels.
pub fn auto_window(volume: &Volume) -> Window {
    let stats = volume.stats();
    let (lo, hi) = (stats.min, stats.max);
    if hi <= lo {
        return (lo, lo + 1.0);
    }
    let bins = 1024usize;
    let mut histogram = vec![0u64; bins];
    let scale = (bins - 1) as f32 / (hi - lo);
    for v in volume.voxels() {
        let b = ((v - lo) * scale) as usize;
        if let Some(h) = histogram.get_mut(b.min(bins - 1)) {
            *h += 1;
        }
    }
    // Ignore the background (the lowest 2% of the range) when choosing the window.
    let skip = bins / 50;
    let total: u64 = histogram.iter().skip(skip).sum();
    let at = |fraction: f64| {
        let target = (total as f64 * fraction) as u64;
        let mut seen = 0;
        for (b, count) in histogram.iter().enumerate().skip(skip) {
            seen += count;
            if seen >= target {
                return lo + b as f32 / scale;
            }
        }
        hi
    };
    (lo, at(0.995).max(lo + 1.0))
}

/// The window of `preset` for one volume: `brain` is where the brain is on its grid, and
/// `suggested` the scanner's (centre, width). Falls back to [`auto_window`] when the preset
/// cannot be had (no suggestion, an empty brain).
pub fn preset_window(
    preset: WindowPreset,
    volume: &Volume,
    brain: &Image<bool>,
    suggested: Option<[f64; 2]>,
) -> Window {
    let chosen = match preset {
        WindowPreset::Scanner => scanner_window(suggested),
        WindowPreset::Auto => None,
        WindowPreset::Flair => {
            let mut values = masked_values(volume.voxels(), brain.voxels());
            let mut at = |p| quantile(&mut values, p);
            match (at(0.25), at(0.5), at(0.75)) {
                (Some(q1), Some(median), Some(q3)) if q3 > q1 => {
                    let iqr = q3 - q1;
                    Some((median - 3.0 * iqr, median + 2.5 * iqr))
                }
                _ => None,
            }
        }
        _ => preset.brain_percentiles().and_then(|(low, high)| {
            let mut values = masked_values(volume.voxels(), brain.voxels());
            match (quantile(&mut values, low), quantile(&mut values, high)) {
                (Some(a), Some(b)) if b > a => Some((a, b)),
                _ => None,
            }
        }),
    };
    chosen.unwrap_or_else(|| auto_window(volume))
}

/// Both exams' windows of `preset` for a compared pair (baseline first).
pub fn pair_windows(view: &PairView, preset: WindowPreset) -> [Window; 2] {
    let brain = view.brain();
    [
        preset_window(preset, &view.baseline, &brain, view.baseline_window),
        preset_window(preset, &view.followup, &brain, view.followup_window),
    ]
}

/// A window as a map from values to grey levels: the one place values become pixels, for
/// every view and every key image.
#[derive(Debug, Clone, Copy)]
pub struct Greyscale {
    lo: f32,
    scale: f32,
}

impl Greyscale {
    pub fn new((lo, hi): Window) -> Self {
        Self {
            lo,
            scale: 255.0 / (hi - lo).max(f32::EPSILON),
        }
    }

    /// Grey level 0..=255 of `value`.
    #[inline]
    pub fn level(self, value: f32) -> u8 {
        ((value - self.lo) * self.scale).clamp(0.0, 255.0) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::geometry::Geometry;
    use ndarray::Array3;

    fn ramp() -> Volume {
        let voxels = Array3::from_shape_fn((4, 10, 10), |(k, j, i)| (k * 100 + j * 10 + i) as f32);
        Volume::new(voxels, Geometry::axis_aligned([0.0; 3], [1.0; 3]), "ramp").unwrap()
    }

    #[test]
    fn the_scanner_window_is_centre_and_width_and_refuses_nonsense() {
        assert_eq!(scanner_window(Some([100.0, 50.0])), Some((75.0, 125.0)));
        assert_eq!(scanner_window(Some([100.0, 0.0])), None);
        assert_eq!(scanner_window(Some([f64::NAN, 10.0])), None);
        assert_eq!(scanner_window(None), None);
    }

    #[test]
    fn the_flair_preset_follows_the_tissue_not_the_lesion_load() {
        // Tissue from 400 to 599 (a ramp); a second exam with 2% of its voxels bright plaques
        // at twice the tissue, and a third with 10% more gain.
        let tissue = |n: usize| 400.0 + (n % 200) as f32;
        let exam = |gain: f32, plaques: usize| {
            let voxels = Array3::from_shape_fn((4, 10, 25), |(k, j, i)| {
                let n = (k * 10 + j) * 25 + i;
                if n < plaques {
                    1200.0
                } else {
                    gain * tissue(n)
                }
            });
            Volume::new(voxels, Geometry::axis_aligned([0.0; 3], [1.0; 3]), "exam").unwrap()
        };
        let window = |v: &Volume| preset_window(WindowPreset::Flair, v, &v.filled(true), None);
        let clean = window(&exam(1.0, 0));
        let loaded = window(&exam(1.0, 20));
        let brighter = window(&exam(1.1, 0));
        // Normal tissue sits inside the window, the median a little below its middle.
        assert!(clean.0 < 400.0 && clean.1 > 600.0, "{clean:?}");
        // Plaques move it by less than 2% of its width; gain scales it.
        let width = clean.1 - clean.0;
        assert!(
            (loaded.0 - clean.0).abs() < 0.02 * width,
            "{loaded:?} vs {clean:?}"
        );
        assert!(
            (loaded.1 - clean.1).abs() < 0.02 * width,
            "{loaded:?} vs {clean:?}"
        );
        assert!(
            (brighter.1 / clean.1 - 1.1).abs() < 0.01,
            "{brighter:?} vs {clean:?}"
        );
    }

    #[test]
    fn a_brain_preset_spans_its_percentiles_inside_the_brain_only() {
        let volume = ramp();
        // The brain: slice 1 only (values 100..=199).
        let brain = volume.derived(Array3::from_shape_fn((4, 10, 10), |(k, _, _)| k == 1));
        let (lo, hi) = preset_window(WindowPreset::Brain, &volume, &brain, None);
        assert!((100.0..=102.0).contains(&lo), "{lo}");
        assert!((198.0..=199.0).contains(&hi), "{hi}");
        // No brain: the histogram's window.
        let none = volume.filled(false);
        assert_eq!(
            preset_window(WindowPreset::Flair, &volume, &none, None),
            auto_window(&volume)
        );
        // The scanner's window wins when asked for, else Auto.
        let scanner = preset_window(WindowPreset::Scanner, &volume, &brain, Some([50.0, 20.0]));
        assert_eq!(scanner, (40.0, 60.0));
        assert_eq!(
            preset_window(WindowPreset::Scanner, &volume, &brain, None),
            auto_window(&volume)
        );
    }

    #[test]
    fn greyscale_maps_the_window_onto_black_to_white() {
        let grey = Greyscale::new((100.0, 200.0));
        assert_eq!(grey.level(50.0), 0);
        assert_eq!(grey.level(100.0), 0);
        assert_eq!(grey.level(150.0), 127);
        assert_eq!(grey.level(200.0), 255);
        assert_eq!(grey.level(1e9), 255);
        // A zero-width window does not divide by zero.
        assert_eq!(Greyscale::new((5.0, 5.0)).level(6.0), 255);
    }
}
