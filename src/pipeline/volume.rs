//! A 3D scalar image in patient space: voxels plus the geometry that places them.
//!
//! Voxels are stored as `Array3<f32>` indexed `[slice, row, column]` (`[k, j, i]`), so a slice
//! is contiguous in memory and index axis 0 of the [`Geometry`] is the last array axis.

use ndarray::Array3;

use crate::error::{Error, Result};
use crate::pipeline::geometry::Geometry;

/// A validated volume: non-empty voxels with complete, sane geometry.
#[derive(Debug, Clone)]
pub struct Volume {
    voxels: Array3<f32>,
    geometry: Geometry,
}

/// Summary statistics of a volume's values.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ValueStats {
    pub min: f32,
    pub max: f32,
    pub mean: f64,
}

impl Volume {
    /// Builds a volume, refusing empty grids and impossible geometry. `subject` names what the
    /// volume came from, for the error message.
    pub fn new(voxels: Array3<f32>, geometry: Geometry, subject: &str) -> Result<Self> {
        if voxels.is_empty() {
            return Err(Error::Geometry {
                subject: subject.to_owned(),
                problem: "the volume has no voxels".into(),
            });
        }
        geometry.validate().map_err(|problem| Error::Geometry {
            subject: subject.to_owned(),
            problem: problem.to_string(),
        })?;
        Ok(Self { voxels, geometry })
    }

    pub fn voxels(&self) -> &Array3<f32> {
        &self.voxels
    }

    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Grid size as `[columns, rows, slices]` (index axes 0, 1, 2).
    pub fn dims(&self) -> [usize; 3] {
        let (k, j, i) = self.voxels.dim();
        [i, j, k]
    }

    /// Value at integer index `(i, j, k)`, or `None` outside the grid.
    pub fn get(&self, i: usize, j: usize, k: usize) -> Option<f32> {
        self.voxels.get((k, j, i)).copied()
    }

    /// Minimum, maximum and mean of all voxels (NaN-free by construction of the decoders).
    pub fn stats(&self) -> ValueStats {
        use rayon::prelude::*;
        let slice = self.voxels.as_slice_memory_order();
        let (min, max, sum) = match slice {
            // Chunk sums added in chunk order: the same mean (to the last bit) on every run,
            // which registration's foreground threshold depends on.
            Some(values) => values
                .par_chunks(1 << 16)
                .map(chunk_stats)
                .collect::<Vec<_>>()
                .into_iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY, 0.0), merge_stats),
            None => chunk_stats(&self.voxels.iter().copied().collect::<Vec<_>>()),
        };
        ValueStats {
            min,
            max,
            mean: sum / self.voxels.len() as f64,
        }
    }

    /// Takes the voxels out, e.g. to hand them to another owner without a copy.
    pub fn into_parts(self) -> (Array3<f32>, Geometry) {
        (self.voxels, self.geometry)
    }
}

fn chunk_stats(values: &[f32]) -> (f32, f32, f64) {
    values.iter().fold(
        (f32::INFINITY, f32::NEG_INFINITY, 0.0f64),
        |(lo, hi, sum), &v| (lo.min(v), hi.max(v), sum + f64::from(v)),
    )
}

fn merge_stats(a: (f32, f32, f64), b: (f32, f32, f64)) -> (f32, f32, f64) {
    (a.0.min(b.0), a.1.max(b.1), a.2 + b.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_and_stats() {
        let voxels = Array3::from_shape_fn((2, 3, 4), |(k, j, i)| (k * 100 + j * 10 + i) as f32);
        let v = Volume::new(voxels, Geometry::axis_aligned([0.0; 3], [1.0; 3]), "t").unwrap();
        assert_eq!(v.dims(), [4, 3, 2]);
        assert_eq!(v.get(3, 2, 1), Some(123.0));
        assert_eq!(v.get(4, 0, 0), None);
        let s = v.stats();
        assert_eq!((s.min, s.max), (0.0, 123.0));
        assert!((s.mean - 61.5).abs() < 1e-9);
    }

    #[test]
    fn refuses_empty_and_bad_geometry() {
        let g = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        let err = Volume::new(Array3::zeros((0, 3, 3)), g, "series X").unwrap_err();
        assert!(err.to_string().contains("series X"));
        let bad = Geometry::axis_aligned([0.0; 3], [1.0, -1.0, 1.0]);
        assert!(Volume::new(Array3::zeros((1, 1, 1)), bad, "s").is_err());
    }
}
