//! Reformatting a volume into the three anatomical planes (MPR) and mapping between screen
//! pixels and grid indices: the one reformat the views and the report's key images share.
//!
//! Each patient axis (x: right→left, y: anterior→posterior, z: inferior→superior) is matched
//! to the grid axis most aligned with it, so near-orthogonal acquisitions (axial, sagittal or
//! coronal 3D stacks) show in radiological orientation: patient right on screen left, anterior
//! at the top of axial images and on the left of sagittal ones, superior at the top of coronal
//! and sagittal ones.

use crate::pipeline::geometry::Geometry;
use crate::pipeline::image::grid_dims;
use ndarray::Array3;

/// The three planes a reader looks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Plane {
    Axial,
    Coronal,
    Sagittal,
}

impl Plane {
    pub const ALL: [Plane; 3] = [Plane::Axial, Plane::Coronal, Plane::Sagittal];

    pub fn name(self) -> &'static str {
        match self {
            Plane::Axial => "Axial",
            Plane::Coronal => "Coronal",
            Plane::Sagittal => "Sagittal",
        }
    }
}

/// Which grid axes run across (columns), down (rows) and through (the slice) a plane's
/// images, and whether they run backwards on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneAxes {
    pub through: usize,
    pub across: usize,
    pub down: usize,
    pub flip_across: bool,
    pub flip_down: bool,
}

/// For each patient axis (x, y, z), the grid axis most aligned with it and the sign.
fn patient_to_grid(geometry: &Geometry) -> [(usize, bool); 3] {
    let mut taken = [false; 3];
    let mut out = [(0, true); 3];
    // Assign the most decisive patient axis first so an oblique grid still gets a permutation.
    let mut order: Vec<usize> = (0..3).collect();
    let strength = |p: usize| {
        (0..3)
            .map(|a| geometry.direction[p][a].abs())
            .fold(0.0, f64::max)
    };
    order.sort_by(|a, b| strength(*b).total_cmp(&strength(*a)));
    for p in order {
        let best = (0..3)
            .filter(|a| !taken[*a])
            .max_by(|a, b| {
                geometry.direction[p][*a]
                    .abs()
                    .total_cmp(&geometry.direction[p][*b].abs())
            })
            .unwrap_or(0);
        taken[best] = true;
        out[p] = (best, geometry.direction[p][best] >= 0.0);
    }
    out
}

/// The grid axes of `plane` for a volume of `geometry`.
pub fn plane_axes(geometry: &Geometry, plane: Plane) -> PlaneAxes {
    let [(gx, px), (gy, py), (gz, pz)] = patient_to_grid(geometry);
    // Screen right = patient left (+x); screen down = posterior (+y) or inferior (−z).
    match plane {
        Plane::Axial => PlaneAxes {
            through: gz,
            across: gx,
            down: gy,
            flip_across: !px,
            flip_down: !py,
        },
        Plane::Coronal => PlaneAxes {
            through: gy,
            across: gx,
            down: gz,
            flip_across: !px,
            flip_down: pz,
        },
        Plane::Sagittal => PlaneAxes {
            through: gx,
            across: gy,
            down: gz,
            flip_across: !py,
            flip_down: pz,
        },
    }
}

/// `[width, height]` of a plane's images for a grid of `dims` (`[i, j, k]` sizes).
pub fn image_size(axes: &PlaneAxes, dims: [usize; 3]) -> [usize; 2] {
    [dims[axes.across], dims[axes.down]]
}

/// Pixel size (mm) across and down.
pub fn pixel_mm(axes: &PlaneAxes, geometry: &Geometry) -> [f64; 2] {
    [geometry.spacing[axes.across], geometry.spacing[axes.down]]
}

/// Grid index of screen pixel `(x, y)` on the slice at `through`.
pub fn to_grid(axes: &PlaneAxes, dims: [usize; 3], x: f64, y: f64, through: f64) -> [f64; 3] {
    let [w, h] = image_size(axes, dims);
    let mut g = [0.0; 3];
    g[axes.across] = if axes.flip_across {
        (w - 1) as f64 - x
    } else {
        x
    };
    g[axes.down] = if axes.flip_down {
        (h - 1) as f64 - y
    } else {
        y
    };
    g[axes.through] = through;
    g
}

/// Screen pixel of grid index `g`.
pub fn to_screen(axes: &PlaneAxes, dims: [usize; 3], g: [f64; 3]) -> (f64, f64) {
    let [w, h] = image_size(axes, dims);
    let x = g[axes.across];
    let y = g[axes.down];
    (
        if axes.flip_across {
            (w - 1) as f64 - x
        } else {
            x
        },
        if axes.flip_down {
            (h - 1) as f64 - y
        } else {
            y
        },
    )
}

/// The values of one plane's slice at `through`, row by row, `image_size` of them.
pub fn extract<T: Copy + Default>(voxels: &Array3<T>, axes: &PlaneAxes, through: usize) -> Vec<T> {
    let dims = grid_dims(voxels.dim());
    let [w, h] = image_size(axes, dims);
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let g = to_grid(axes, dims, x as f64, y as f64, through as f64);
            let value = voxels
                .get((g[2] as usize, g[1] as usize, g[0] as usize))
                .copied()
                .unwrap_or_default();
            out.push(value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axial_grid_shows_radiologically() {
        let g = Geometry::axis_aligned([0.0; 3], [1.0, 2.0, 3.0]);
        let axial = plane_axes(&g, Plane::Axial);
        assert_eq!((axial.through, axial.across, axial.down), (2, 0, 1));
        assert!(!axial.flip_across && !axial.flip_down);
        let coronal = plane_axes(&g, Plane::Coronal);
        assert_eq!((coronal.through, coronal.across, coronal.down), (1, 0, 2));
        assert!(coronal.flip_down, "superior at the top");
        let sagittal = plane_axes(&g, Plane::Sagittal);
        assert_eq!(
            (sagittal.through, sagittal.across, sagittal.down),
            (0, 1, 2)
        );
        assert_eq!(pixel_mm(&sagittal, &g), [2.0, 3.0]);
    }

    #[test]
    fn screen_and_grid_round_trip_and_extract_matches() {
        let g = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        let v = Array3::from_shape_fn((4, 5, 6), |(k, j, i)| (100 * k + 10 * j + i) as u32);
        for plane in Plane::ALL {
            let axes = plane_axes(&g, plane);
            let dims = [6, 5, 4];
            let grid = to_grid(&axes, dims, 2.0, 1.0, 3.0);
            assert_eq!(to_screen(&axes, dims, grid), (2.0, 1.0));
            let image = extract(&v, &axes, 3);
            let [w, _] = image_size(&axes, dims);
            let expected = v[[grid[2] as usize, grid[1] as usize, grid[0] as usize]];
            assert_eq!(image[w + 2], expected, "{plane:?}");
        }
    }
}
