//! Key images: for each lesion worth showing, the axial plane through it at baseline and at
//! follow-up (registered), side by side, cropped around the lesion, with its outline drawn.
//! The plane and the grey levels come from [`crate::display`], as on screen.
//!
//! The outline is a 1-pixel contour (the lesion's pixels with a neighbour outside it), never a
//! fill, so the signal inside stays visible. Each panel outlines the lesion as that exam has it
//! on the slice; where that exam has none of it there (a new lesion at baseline, a resolved one
//! at follow-up), the other exam's outline is drawn dashed, to show where to look.

use image::{Rgb, RgbImage};

use crate::compare::PairView;
use crate::display::plane::{extract, image_size, pixel_mm, to_screen};
use crate::display::{Greyscale, Plane, Window, plane_axes};
use crate::marks::Label;
use crate::pipeline::image::Image;
use crate::reading::ReadLesion;

/// Field of view of each panel, mm.
const FIELD_MM: f64 = 80.0;
/// Size of each panel, pixels.
const PANEL: u32 = 256;
const GAP: u32 = 6;
/// The outline's colour (a pure orange no grey pixel has).
pub const OUTLINE: Rgb<u8> = Rgb([255, 60, 0]);

/// The side-by-side image of one lesion, or `None` when its centroid is off the grid.
///
/// Each panel is the axial plane through the lesion's centre exactly as the viewer shows it
/// (the same reformat, radiological orientation, and the reader's `windows`), cropped to a
/// square field of [`FIELD_MM`] around the lesion.
pub fn key_image(
    view: &PairView,
    labels: [&Image<Label>; 2],
    windows: [Window; 2],
    lesion: &ReadLesion,
) -> Option<RgbImage> {
    let geometry = view.baseline.geometry();
    let dims = view.baseline.dims();
    let axes = plane_axes(geometry, Plane::Axial);
    let centre = geometry.mm_to_index(lesion.centroid_mm);
    let through = centre[axes.through].round();
    if !(0.0..dims[axes.through] as f64).contains(&through) {
        return None;
    }
    let through = through as usize;
    let id = lesion.id.label();
    let size = image_size(&axes, dims);
    let (cx, cy) = to_screen(&axes, dims, centre);
    let pixel = pixel_mm(&axes, geometry);
    let at = |px: u32, py: u32| panel_voxel((cx, cy), pixel, size, px, py);
    let slice_labels = labels.map(|l| extract(l.voxels(), &axes, through));
    let holds = |slice: &[Label]| slice.contains(&id);
    let mut out = RgbImage::from_pixel(2 * PANEL + GAP, PANEL, Rgb([0, 0, 0]));
    let volumes = [view.baseline.voxels(), view.followup.voxels()];
    for (panel, (volume, window)) in volumes.into_iter().zip(windows).enumerate() {
        let x0 = panel as u32 * (PANEL + GAP);
        let grey = Greyscale::new(window);
        let values = extract(volume, &axes, through);
        // This exam's outline, else the other exam's, dashed.
        let (own, other) = (&slice_labels[panel], &slice_labels[1 - panel]);
        let (outline, dashed) = if holds(own) {
            (Some(own), false)
        } else if holds(other) {
            (Some(other), true)
        } else {
            (None, false)
        };
        let index = |(x, y): (usize, usize)| y * size[0] + x;
        let inside = |px: i64, py: i64| {
            let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py)) else {
                return false;
            };
            outline.is_some_and(|o| at(px, py).and_then(|p| o.get(index(p)).copied()) == Some(id))
        };
        for py in 0..PANEL {
            for px in 0..PANEL {
                let Some(p) = at(px, py) else {
                    continue;
                };
                let g = grey.level(values.get(index(p)).copied().unwrap_or(0.0));
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

/// Pixel (`px`, `py`) of a panel → pixel (x, y) of the plane's image: a square field of
/// `FIELD_MM` around `centre` (a pixel of that image, `pixel` mm in size), `None` off the image.
fn panel_voxel(
    centre: (f64, f64),
    pixel: [f64; 2],
    size: [usize; 2],
    px: u32,
    py: u32,
) -> Option<(usize, usize)> {
    let mm_x = (f64::from(px) + 0.5) / f64::from(PANEL) * FIELD_MM - FIELD_MM / 2.0;
    let mm_y = (f64::from(py) + 0.5) / f64::from(PANEL) * FIELD_MM - FIELD_MM / 2.0;
    let x = (centre.0 + mm_x / pixel[0]).round();
    let y = (centre.1 + mm_y / pixel[1]).round();
    (x >= 0.0 && y >= 0.0 && (x as usize) < size[0] && (y as usize) < size[1])
        .then_some((x as usize, y as usize))
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
    use crate::marks::LesionKind;
    use crate::pipeline::geometry::Geometry;
    use crate::pipeline::lesion::Status;
    use crate::pipeline::volume::Volume;
    use crate::reading::{Decision, Source};
    use ndarray::Array3;

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
        let volume = Volume::new(Array3::from_elem((5, N, N), 100.0), geometry(), "test").unwrap();
        PairView {
            kind: SequenceKind::Flair,
            z: volume.filled(0.0),
            followup_lesions: volume.filled(0),
            baseline_lesions: volume.filled(0),
            baseline: volume.clone(),
            followup: volume,
            baseline_series: crate::dicom::Series {
                id: "test".into(),
                facts: Default::default(),
                pixel: None,
                transfer_syntaxes: Vec::new(),
                files: Vec::new(),
                stack: Err(crate::dicom::StackProblem::NotImages),
                warnings: Vec::new(),
            },
            baseline_window: None,
            followup_window: None,
            landmarks: None,
        }
    }

    /// Label 3 on a disc of `radius` voxels around (24, 24) on slice 2.
    fn disc(radius: f64) -> Image<Label> {
        let voxels = Array3::from_shape_fn((5, N, N), |(k, j, i)| {
            let (x, y) = (i as f64 - 24.0, j as f64 - 24.0);
            if k == 2 && x * x + y * y <= radius * radius {
                3
            } else {
                0
            }
        });
        Image::new(voxels, geometry(), "disc").unwrap()
    }

    fn no_labels() -> Image<Label> {
        Image::new(Array3::zeros((5, N, N)), geometry(), "none").unwrap()
    }

    fn lesion() -> ReadLesion {
        ReadLesion {
            id: crate::ids::LesionId::nth(3).unwrap(),
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
    fn expected(labels: &Image<Label>, px: u32, py: u32) -> (bool, bool) {
        let inside = |x: i64, y: i64| {
            let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
                return false;
            };
            panel_voxel((24.0, 24.0), [1.0, 1.0], [N, N], x, y)
                .is_some_and(|(i, j)| labels.get(i, j, 2) == Some(3))
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
    fn a_key_image_is_the_axial_plane_as_the_viewer_shows_it() {
        // A grid whose columns run towards the patient's right: the viewer flips it so the
        // patient's right is on the screen's left, and so must the key image.
        let mut flipped = geometry();
        flipped.direction[0] = [-1.0, 0.0, 0.0];
        let ramp = Array3::from_shape_fn((5, N, N), |(_, _, i)| i as f32);
        let mut view = view();
        view.baseline = Volume::new(ramp.clone(), flipped, "test").unwrap();
        view.followup = Volume::new(ramp, flipped, "test").unwrap();
        // The lesion's centre in mm on this grid: grid (24, 24, 2).
        let centroid_mm = flipped.index_to_mm([24.0, 24.0, 2.0]);
        let lesion = ReadLesion {
            centroid_mm,
            ..lesion()
        };
        let none = no_labels();
        let window = (0.0, N as f32);
        let image = key_image(&view, [&none, &none], [window; 2], &lesion).unwrap();
        // What the screen shows on that slice, pixel for pixel, in the same grey levels.
        let axes = plane_axes(&flipped, Plane::Axial);
        let screen = extract(view.baseline.voxels(), &axes, 2);
        let grey = Greyscale::new(window);
        let centre = to_screen(&axes, [N, N, 5], [24.0, 24.0, 2.0]);
        assert_eq!(centre, (23.0, 24.0), "mirrored across");
        let row = PANEL / 2;
        let (left, right) = (image.get_pixel(80, row)[0], image.get_pixel(176, row)[0]);
        assert!(
            left > right,
            "patient right (high i) on the left: {left} {right}"
        );
        for px in [80, PANEL / 2, 176] {
            let (x, y) = panel_voxel(centre, [1.0, 1.0], [N, N], px, row).unwrap();
            let expected = grey.level(screen[y * N + x]);
            assert_eq!(image.get_pixel(px, row)[0], expected, "pixel {px}");
        }
    }

    #[test]
    fn a_new_lesion_is_outlined_dashed_at_baseline_where_it_appears() {
        let view = view();
        let (none, followup) = (no_labels(), disc(6.0));
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
