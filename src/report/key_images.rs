//! Key images: for each lesion worth showing, the axial slice through it at baseline and at
//! follow-up (registered), side by side, cropped around the lesion, with its outline drawn.

use image::{Rgb, RgbImage};
use ndarray::Array3;

use crate::compare::PairView;
use crate::marks::Label;
use crate::morphology::quantile;
use crate::reading::ReadLesion;

/// Field of view of each panel, mm.
const FIELD_MM: f64 = 80.0;
/// Size of each panel, pixels.
const PANEL: u32 = 256;
const GAP: u32 = 6;
const OUTLINE: Rgb<u8> = Rgb([255, 60, 0]);

/// Display window (low, high) of a volume over the brain (`brain` is where the change map is
/// defined): 2nd to 99.9th percentile, so plaques stand out from white matter.
pub fn window(volume: &Array3<f32>, brain: &Array3<f32>) -> (f32, f32) {
    let step = (volume.len() / 400_000).max(1);
    let mut values: Vec<f32> = volume
        .iter()
        .zip(brain)
        .step_by(step)
        .filter(|(v, b)| **b != 0.0 && v.is_finite())
        .map(|(v, _)| *v)
        .collect();
    match (quantile(&mut values, 0.02), quantile(&mut values, 0.999)) {
        (Some(lo), Some(hi)) if hi > lo => (lo, hi),
        _ => (0.0, 1.0),
    }
}

/// The side-by-side image of one lesion, or `None` when its centroid is off the grid.
pub fn key_image(
    view: &PairView,
    labels: [&Array3<Label>; 2],
    windows: [(f32, f32); 2],
    lesion: &ReadLesion,
) -> Option<RgbImage> {
    let geometry = view.baseline.geometry();
    let [ni, nj, nk] = view.baseline.dims();
    let centre = geometry.mm_to_index(lesion.centroid_mm);
    let k = centre[2].round();
    if !(0.0..nk as f64).contains(&k) {
        return None;
    }
    let k = k as usize;
    let id = Label::try_from(lesion.id).ok()?;
    let (si, sj) = (geometry.spacing[0], geometry.spacing[1]);
    let mut out = RgbImage::from_pixel(2 * PANEL + GAP, PANEL, Rgb([0, 0, 0]));
    let volumes = [view.baseline.voxels(), view.followup.voxels()];
    for (panel, ((volume, labels), (lo, hi))) in volumes.iter().zip(labels).zip(windows).enumerate()
    {
        let x0 = panel as u32 * (PANEL + GAP);
        // Pixel (px, py) → grid (i, j): a square field of FIELD_MM around the centroid.
        let at = |px: u32, py: u32| -> Option<(usize, usize)> {
            let mm_x = (f64::from(px) + 0.5) / f64::from(PANEL) * FIELD_MM - FIELD_MM / 2.0;
            let mm_y = (f64::from(py) + 0.5) / f64::from(PANEL) * FIELD_MM - FIELD_MM / 2.0;
            let i = (centre[0] + mm_x / si).round();
            let j = (centre[1] + mm_y / sj).round();
            (i >= 0.0 && j >= 0.0 && (i as usize) < ni && (j as usize) < nj)
                .then_some((i as usize, j as usize))
        };
        let label = |px: u32, py: u32| {
            at(px, py)
                .and_then(|(i, j)| labels.get((k, j, i)).copied())
                .unwrap_or(0)
        };
        for py in 0..PANEL {
            for px in 0..PANEL {
                let Some((i, j)) = at(px, py) else {
                    continue;
                };
                let v = volume.get((k, j, i)).copied().unwrap_or(0.0);
                let g = (((v - lo) / (hi - lo).max(1e-6)).clamp(0.0, 1.0) * 255.0) as u8;
                let mut colour = Rgb([g, g, g]);
                if label(px, py) == id {
                    let edge = [(1i64, 0i64), (-1, 0), (0, 1), (0, -1)]
                        .iter()
                        .any(|(dx, dy)| {
                            let (x, y) = (i64::from(px) + dx, i64::from(py) + dy);
                            x < 0 || y < 0 || label(x as u32, y as u32) != id
                        });
                    if edge {
                        colour = OUTLINE;
                    }
                }
                out.put_pixel(x0 + px, py, colour);
            }
        }
    }
    Some(out)
}

/// PNG bytes of an image.
pub fn png_bytes(image: &RgbImage) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .ok()?;
    Some(bytes)
}
