//! Where a view faces in the patient: the letters at its edges (R/L, A/P, S/I, two letters for
//! an oblique edge, the stronger first) and the position of its slice in millimetres, from the
//! grid's direction cosines and the plane's axes ([`super::plane`]).

use super::plane::PlaneAxes;
use crate::pipeline::geometry::{Geometry, Vec3};

/// A component weaker than this (of a unit vector) does not name the direction.
const OBLIQUE: f64 = 0.3;

/// The letters of the patient direction `v` points to (LPS: +x left, +y posterior, +z
/// superior): "L", "A", "SR"…; the dominant component first, a second one when the direction is
/// oblique enough to matter.
pub fn direction_letters(v: Vec3) -> String {
    let letter = |axis: usize, positive: bool| match (axis, positive) {
        (0, true) => 'L',
        (0, false) => 'R',
        (1, true) => 'P',
        (1, false) => 'A',
        (2, true) => 'S',
        _ => 'I',
    };
    let norm = v.iter().map(|c| c * c).sum::<f64>().sqrt().max(1e-12);
    let mut axes = [0usize, 1, 2];
    axes.sort_by(|a, b| v[*b].abs().total_cmp(&v[*a].abs()));
    axes.iter()
        .take(2)
        .enumerate()
        .filter(|(n, a)| *n == 0 || v[**a].abs() / norm >= OBLIQUE)
        .map(|(_, a)| letter(*a, v[*a] > 0.0))
        .collect()
}

/// The letters at a view's left, right, top and bottom edges.
pub fn edge_letters(geometry: &Geometry, axes: &PlaneAxes) -> [String; 4] {
    let along = |axis: usize, flip: bool| {
        let v = geometry.axis(axis);
        if flip { v.map(|c| -c) } else { v }
    };
    let right = along(axes.across, axes.flip_across);
    let down = along(axes.down, axes.flip_down);
    let opposite = |v: Vec3| v.map(|c| -c);
    [
        direction_letters(opposite(right)),
        direction_letters(right),
        direction_letters(opposite(down)),
        direction_letters(down),
    ]
}

/// The slice through `index` as a reader names it: its number (1-based) of how many, and its
/// position in mm along the patient axis the plane's normal mostly follows ("S 12.5 mm").
pub fn slice_position(
    geometry: &Geometry,
    axes: &PlaneAxes,
    dims: [usize; 3],
    index: Vec3,
) -> String {
    let k = index[axes.through].round().max(0.0) as usize;
    let n = dims[axes.through];
    let normal = geometry.axis(axes.through);
    let axis = (0..3)
        .max_by(|a, b| normal[*a].abs().total_cmp(&normal[*b].abs()))
        .unwrap_or(2);
    let mm = geometry.index_to_mm(index)[axis];
    let name = ["L", "P", "S"][axis];
    format!("slice {}/{n} · {name} {mm:.1} mm", k + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::plane::{Plane, plane_axes};

    #[test]
    fn an_axial_grid_reads_radiologically() {
        let g = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        let edges = |plane| edge_letters(&g, &plane_axes(&g, plane));
        // Patient right on screen left; anterior at the top; superior at the top.
        assert_eq!(edges(Plane::Axial), ["R", "L", "A", "P"].map(String::from));
        assert_eq!(
            edges(Plane::Coronal),
            ["R", "L", "S", "I"].map(String::from)
        );
        assert_eq!(
            edges(Plane::Sagittal),
            ["A", "P", "S", "I"].map(String::from)
        );
    }

    #[test]
    fn a_grid_stored_upside_down_still_reads_the_same() {
        // Rows running anterior (−y) and slices running inferior (−z).
        let mut g = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        g.direction = [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]];
        let edges = |plane| edge_letters(&g, &plane_axes(&g, plane));
        assert_eq!(edges(Plane::Axial), ["R", "L", "A", "P"].map(String::from));
        assert_eq!(
            edges(Plane::Coronal),
            ["R", "L", "S", "I"].map(String::from)
        );
    }

    #[test]
    fn oblique_directions_name_two_letters() {
        let tilt = 20f64.to_radians();
        assert_eq!(direction_letters([0.0, tilt.sin(), tilt.cos()]), "SP");
        assert_eq!(direction_letters([0.0, -0.1, 0.99]), "S");
        assert_eq!(direction_letters([-1.0, 0.0, 0.0]), "R");
    }

    #[test]
    fn the_slice_is_named_by_number_and_millimetres() {
        let g = Geometry::axis_aligned([0.0, 0.0, -40.0], [1.0, 1.0, 2.0]);
        let axes = plane_axes(&g, Plane::Axial);
        let text = slice_position(&g, &axes, [10, 10, 50], [3.0, 4.0, 20.0]);
        assert_eq!(text, "slice 21/50 · S 0.0 mm");
    }
}
