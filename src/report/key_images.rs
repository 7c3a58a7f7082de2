//! Key images: for each lesion worth showing, the axial slice through it at baseline and at
//! follow-up (registered), side by side, cropped around the lesion, with its outline drawn.
//!
//! The outline is a 1-pixel contour (the lesion's pixels with a neighbour outside it), never a
//! fill, so the signal inside stays visible. Each panel outlines the lesion as that exam has it
//! on the slice; where that exam has none of it there (a new lesion at baseline, a resolved one
//! at follow-up), the other exam's outline is drawn dashed, to show where to look.

use image::{Rgb, RgbImage};
use ndarray::Array3;

use crate::compare::PairView;
use crate::intensity::quantile;
use crate::marks::Label;
use crate::reading::ReadLesion;

/// Field of view of each panel, mm.
const FIELD_MM: f64 = 80.0;
/// Size of each panel, pixels.
const PANEL: u32 = 256;
const GAP: u32 = 6;
/// The outline's colour (a pure orange no grey pixel has).
pub const OUTLINE: Rgb<u8> = Rgb([255, 60, 0]);

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
    let all_labels = labels;
    for (panel, ((volume, labels), (lo, hi))) in volumes.iter().zip(labels).zip(windows).enumerate()
    {
        let x0 = panel as u32 * (PANEL + GAP);
        let at = |px: u32, py: u32| panel_voxel([centre[0], centre[1]], [si, sj], [ni, nj], px, py);
        // This exam's outline, else the other exam's, dashed.
        let other = if panel == 0 {
            all_labels[1]
        } else {
            all_labels[0]
        };
        let (outline, dashed) = if on_slice(labels, k, id) {
            (Some(labels), false)
        } else if on_slice(other, k, id) {
            (Some(other), true)
        } else {
            (None, false)
        };
        let inside = |px: i64, py: i64| {
            let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py)) else {
                return false;
            };
            outline.is_some_and(|o| {
                at(px, py).and_then(|(i, j)| o.get((k, j, i)).copied()) == Some(id)
            })
        };
        for py in 0..PANEL {
            for px in 0..PANEL {
                let Some((i, j)) = at(px, py) else {
                    continue;
                };
                let v = volume.get((k, j, i)).copied().unwrap_or(0.0);
                let g = (((v - lo) / (hi - lo).max(1e-6)).clamp(0.0, 1.0) * 255.0) as u8;
                let (x, y) = (i64::from(px), i64::from(py));
                let edge = inside(x, y)
                    && [(1, 0), (-1, 0), (0, 1), (0, -1)]
                        .iter()
                        .any(|(dx, dy)| !inside(x + dx, y + dy));
                let dash_on = !dashed || (px + py) / 3 % 2 == 0;
                let colour = if edge && dash_on {
                    OUTLINE
                } else {
                    Rgb([g, g, g])
                };
                out.put_pixel(x0 + px, py, colour);
            }
        }
    }
    Some(out)
}

/// Pixel (`px`, `py`) of a panel → grid (i, j) on the slice: a square field of `FIELD_MM`
/// around `centre` (grid index), `None` off the grid.
fn panel_voxel(
    centre: [f64; 2],
    spacing: [f64; 2],
    dims: [usize; 2],
    px: u32,
    py: u32,
) -> Option<(usize, usize)> {
    let mm_x = (f64::from(px) + 0.5) / f64::from(PANEL) * FIELD_MM - FIELD_MM / 2.0;
    let mm_y = (f64::from(py) + 0.5) / f64::from(PANEL) * FIELD_MM - FIELD_MM / 2.0;
    let i = (centre[0] + mm_x / spacing[0]).round();
    let j = (centre[1] + mm_y / spacing[1]).round();
    (i >= 0.0 && j >= 0.0 && (i as usize) < dims[0] && (j as usize) < dims[1])
        .then_some((i as usize, j as usize))
}

/// Whether `labels` holds `id` on slice `k`.
fn on_slice(labels: &Array3<Label>, k: usize, id: Label) -> bool {
    k < labels.dim().0
        && labels
            .index_axis(ndarray::Axis(0), k)
            .iter()
            .any(|l| *l == id)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{SequenceKind, Volumes};
    use crate::geometry::Geometry;
    use crate::lesion::Status;
    use crate::marks::LesionKind;
    use crate::reading::{Decision, Source};
    use crate::volume::Volume;

    const N: usize = 48;

    fn geometry() -> Geometry {
        Geometry {
            origin: [0.0; 3],
            spacing: [1.0, 1.0, 2.0],
            direction: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        }
    }

    /// A flat grey 48 × 48 × 5 pair on one grid.
    fn view() -> PairView {
        let volume = || Volume::new(Array3::from_elem((5, N, N), 100.0), geometry(), "test");
        PairView {
            kind: SequenceKind::Flair,
            baseline: volume().unwrap(),
            followup: volume().unwrap(),
            z: Array3::zeros((5, N, N)),
            followup_lesions: Array3::zeros((5, N, N)),
            baseline_lesions: Array3::zeros((5, N, N)),
            baseline_series: crate::dicom::Series {
                id: "test".into(),
                facts: Default::default(),
                pixel: None,
                transfer_syntaxes: Vec::new(),
                files: Vec::new(),
                stack: Err("none".into()),
                warnings: Vec::new(),
            },
            baseline_window: None,
            followup_window: None,
        }
    }

    /// Label 3 on a disc of `radius` voxels around (24, 24) on slice 2.
    fn disc(radius: f64) -> Array3<Label> {
        Array3::from_shape_fn((5, N, N), |(k, j, i)| {
            let (x, y) = (i as f64 - 24.0, j as f64 - 24.0);
            if k == 2 && x * x + y * y <= radius * radius {
                3
            } else {
                0
            }
        })
    }

    fn lesion() -> ReadLesion {
        ReadLesion {
            id: 3,
            status: Status::Enlarging,
            kind: LesionKind::T2Flair,
            enhancing: false,
            source: Source::Algorithm,
            decision: Decision::Pending,
            location: None,
            centroid_mm: [24.0, 24.0, 4.0],
            volume_mm3: Volumes {
                baseline: 1.0,
                followup: 2.0,
            },
            note: String::new(),
        }
    }

    /// Per pixel of `panel`: whether it lies in `labels`' lesion, and whether on its boundary.
    fn expected(labels: &Array3<Label>, px: u32, py: u32) -> (bool, bool) {
        let inside = |x: i64, y: i64| {
            let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
                return false;
            };
            panel_voxel([24.0, 24.0], [1.0, 1.0], [N, N], x, y)
                .is_some_and(|(i, j)| labels[[2, j, i]] == 3)
        };
        let (x, y) = (i64::from(px), i64::from(py));
        let here = inside(x, y);
        let boundary = here
            && [(1, 0), (-1, 0), (0, 1), (0, -1)]
                .iter()
                .any(|(dx, dy)| !inside(x + dx, y + dy));
        (here, boundary)
    }

    #[test]
    fn the_outline_is_the_boundary_at_both_exams_never_a_fill() {
        let view = view();
        let (baseline, followup) = (disc(4.0), disc(7.0));
        let image = key_image(&view, [&baseline, &followup], [(0.0, 200.0); 2], &lesion()).unwrap();
        for (panel, labels) in [(0u32, &baseline), (1, &followup)] {
            let (mut outline, mut interior) = (0, 0);
            for py in 0..PANEL {
                for px in 0..PANEL {
                    let colour = *image.get_pixel(panel * (PANEL + GAP) + px, py);
                    let (inside, boundary) = expected(labels, px, py);
                    assert_eq!(colour == OUTLINE, boundary, "panel {panel} ({px}, {py})");
                    outline += usize::from(boundary);
                    interior += usize::from(inside && !boundary);
                }
            }
            assert!(outline > 50 && interior > outline, "{outline} {interior}");
        }
    }

    #[test]
    fn a_new_lesion_is_outlined_dashed_at_baseline_where_it_appears() {
        let view = view();
        let (none, followup) = (Array3::zeros((5, N, N)), disc(6.0));
        let new = ReadLesion {
            status: Status::New,
            ..lesion()
        };
        let image = key_image(&view, [&none, &followup], [(0.0, 200.0); 2], &new).unwrap();
        let (mut on, mut boundary_pixels) = (0, 0);
        for py in 0..PANEL {
            for px in 0..PANEL {
                let (_, boundary) = expected(&followup, px, py);
                let outlined = *image.get_pixel(px, py) == OUTLINE;
                assert!(!outlined || boundary, "only the boundary, at ({px}, {py})");
                on += usize::from(outlined);
                boundary_pixels += usize::from(boundary);
            }
        }
        // Dashed: about half of the follow-up's boundary.
        assert!(
            on * 4 > boundary_pixels && on * 4 < boundary_pixels * 3,
            "{on} of {boundary_pixels}"
        );
    }
}
