//! The reader's measurements: rulers (a distance in mm) and elliptical regions of interest
//! (area, and each exam's mean and SD inside). Each is drawn in one plane of the comparison grid
//! and kept in patient millimetres, so every exam shown at that place shows it: the baseline
//! and the follow-up registered onto it share the grid, so one ellipse measures both.

use serde::{Deserialize, Serialize};

use crate::display::plane::{Plane, plane_axes};
use crate::pipeline::geometry::{Vec3, norm, sub};
use crate::pipeline::volume::Volume;

/// What a measurement measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// The distance between two points.
    Ruler,
    /// The ellipse filling the box between two opposite corners, in the plane.
    Ellipse,
}

/// One measurement, as the reader drew it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub kind: MeasureKind,
    /// The plane it was drawn in.
    pub plane: Plane,
    /// Patient LPS mm: the ruler's ends, or opposite corners of the ellipse's box.
    pub a_mm: Vec3,
    pub b_mm: Vec3,
}

/// Values inside an ellipse on one exam.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegionStats {
    pub mean: f64,
    pub sd: f64,
    /// Pixels inside the ellipse.
    pub pixels: usize,
}

/// An ellipse on a volume's grid: its slice, centre and semi-axes in pixels (across, down).
struct Footprint {
    through: usize,
    slice: usize,
    axes: [usize; 2],
    centre: [f64; 2],
    radii: [f64; 2],
}

impl Measurement {
    /// The ruler's length (or the box's diagonal), mm.
    pub fn length_mm(&self) -> f64 {
        norm(sub(self.a_mm, self.b_mm))
    }

    /// Where the ellipse lies on `volume`'s grid, if it has any extent there.
    fn footprint(&self, volume: &Volume) -> Option<Footprint> {
        let geometry = volume.geometry();
        let axes = plane_axes(geometry, self.plane);
        let (a, b) = (
            geometry.mm_to_index(self.a_mm),
            geometry.mm_to_index(self.b_mm),
        );
        let through = (a[axes.through] + b[axes.through]) / 2.0;
        let n = volume.dims()[axes.through];
        let slice = through.round();
        if !(0.0..n as f64).contains(&slice) {
            return None;
        }
        let (u, v) = (axes.across, axes.down);
        Some(Footprint {
            through: axes.through,
            slice: slice as usize,
            axes: [u, v],
            centre: [(a[u] + b[u]) / 2.0, (a[v] + b[v]) / 2.0],
            radii: [(a[u] - b[u]).abs() / 2.0, (a[v] - b[v]).abs() / 2.0],
        })
    }

    /// The ellipse's area, mm² (π times its semi-axes), on `volume`'s grid.
    pub fn area_mm2(&self, volume: &Volume) -> f64 {
        let spacing = volume.geometry().spacing;
        self.footprint(volume).map_or(0.0, |f| {
            std::f64::consts::PI * f.radii[0] * spacing[f.axes[0]] * f.radii[1] * spacing[f.axes[1]]
        })
    }

    /// Mean and SD of `volume` over the pixels whose centres lie inside the ellipse, on its
    /// slice; `None` when none do.
    pub fn region_stats(&self, volume: &Volume) -> Option<RegionStats> {
        let f = self.footprint(volume)?;
        let dims = volume.dims();
        let [u, v] = f.axes;
        let range = |axis: usize, n: usize| {
            let lo = (f.centre[n] - f.radii[n]).floor().max(0.0) as usize;
            let hi = ((f.centre[n] + f.radii[n]).ceil().max(0.0) as usize).min(dims[axis] - 1);
            lo..=hi
        };
        let (mut n, mut sum, mut squares) = (0usize, 0.0f64, 0.0f64);
        for i in range(u, 0) {
            for j in range(v, 1) {
                let du = (i as f64 - f.centre[0]) / f.radii[0].max(0.5);
                let dv = (j as f64 - f.centre[1]) / f.radii[1].max(0.5);
                if du * du + dv * dv > 1.0 {
                    continue;
                }
                let mut index = [0usize; 3];
                index[u] = i;
                index[v] = j;
                index[f.through] = f.slice;
                if let Some(value) = volume.get(index[0], index[1], index[2]) {
                    n += 1;
                    sum += f64::from(value);
                    squares += f64::from(value) * f64::from(value);
                }
            }
        }
        (n > 0).then(|| {
            let mean = sum / n as f64;
            let variance = (squares / n as f64 - mean * mean).max(0.0);
            RegionStats {
                mean,
                sd: variance.sqrt(),
                pixels: n,
            }
        })
    }

    /// The measurement in words on `volumes` (baseline first, named by `names`): "12.3 mm",
    /// or "45 mm²; baseline 480 ± 20, follow-up 520 ± 25".
    pub fn describe(&self, volumes: &[&Volume], names: &[&str]) -> String {
        match self.kind {
            MeasureKind::Ruler => format!("{:.1} mm", self.length_mm()),
            MeasureKind::Ellipse => {
                let area = volumes.first().map_or(0.0, |v| self.area_mm2(v));
                let stats: Vec<String> = volumes
                    .iter()
                    .zip(names)
                    .map(|(v, name)| match self.region_stats(v) {
                        Some(s) => format!("{name} {:.0} ± {:.0}", s.mean, s.sd),
                        None => format!("{name} —"),
                    })
                    .collect();
                format!("{area:.0} mm²; {}", stats.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::geometry::Geometry;
    use ndarray::Array3;

    /// 40 × 40 × 5 at 0.5 × 0.5 × 2 mm: value 100 left of column 20, 200 from it on.
    fn halves() -> Volume {
        let voxels =
            Array3::from_shape_fn((5, 40, 40), |(_, _, i)| if i < 20 { 100.0 } else { 200.0 });
        Volume::new(
            voxels,
            Geometry::axis_aligned([0.0; 3], [0.5, 0.5, 2.0]),
            "halves",
        )
        .unwrap()
    }

    #[test]
    fn a_ruler_measures_millimetres_not_pixels() {
        let ruler = Measurement {
            kind: MeasureKind::Ruler,
            plane: Plane::Axial,
            a_mm: [1.0, 2.0, 4.0],
            b_mm: [4.0, 6.0, 4.0],
        };
        assert!((ruler.length_mm() - 5.0).abs() < 1e-9);
        assert_eq!(ruler.describe(&[&halves()], &["baseline"]), "5.0 mm");
    }

    #[test]
    fn an_ellipse_has_its_area_and_the_values_inside_it() {
        let volume = halves();
        // A circle of radius 4 mm (8 pixels) on slice 2, inside the left half.
        let left = Measurement {
            kind: MeasureKind::Ellipse,
            plane: Plane::Axial,
            a_mm: [1.0, 6.0, 4.0],
            b_mm: [9.0, 14.0, 4.0],
        };
        assert!((left.area_mm2(&volume) - std::f64::consts::PI * 16.0).abs() < 1e-6);
        let stats = left.region_stats(&volume).unwrap();
        assert_eq!((stats.mean, stats.sd), (100.0, 0.0));
        // About 16π mm² of 0.25 mm² pixels.
        assert!((190..=215).contains(&stats.pixels), "{}", stats.pixels);
        // Centred on the border: half of each value, SD 50.
        let across = Measurement {
            a_mm: [6.0, 6.0, 4.0],
            b_mm: [14.0, 14.0, 4.0],
            ..left.clone()
        };
        let stats = across.region_stats(&volume).unwrap();
        assert!((stats.mean - 150.0).abs() < 5.0, "{stats:?}");
        assert!((stats.sd - 50.0).abs() < 1.0, "{stats:?}");
        assert_eq!(
            left.describe(&[&volume, &volume], &["baseline", "follow-up"]),
            "50 mm²; baseline 100 ± 0, follow-up 100 ± 0"
        );
        // Off the grid: nothing to measure.
        let outside = Measurement {
            a_mm: [1.0, 1.0, 40.0],
            b_mm: [3.0, 3.0, 40.0],
            ..left
        };
        assert_eq!(outside.region_stats(&volume), None);
    }
}
