//! A 3D scalar image in patient space (an [`Image`] of `f32` intensities) and its statistics.

use crate::pipeline::image::Image;

/// A scalar image: intensities on a grid. Built only through [`Image::new`], which refuses
/// empty grids and bad geometry.
pub type Volume = Image<f32>;

/// Summary statistics of a volume's values.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ValueStats {
    pub min: f32,
    pub max: f32,
    pub mean: f64,
}

impl Image<f32> {
    /// Minimum, maximum and mean of all voxels (NaN-free by construction of the decoders).
    pub fn stats(&self) -> ValueStats {
        use rayon::prelude::*;
        let voxels = self.voxels();
        let (min, max, sum) = match voxels.as_slice_memory_order() {
            // Chunk sums added in chunk order: the same mean (to the last bit) on every run,
            // which registration's foreground threshold depends on.
            Some(values) => values
                .par_chunks(1 << 16)
                .map(chunk_stats)
                .collect::<Vec<_>>()
                .into_iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY, 0.0), merge_stats),
            None => chunk_stats(&voxels.iter().copied().collect::<Vec<_>>()),
        };
        ValueStats {
            min,
            max,
            mean: sum / voxels.len() as f64,
        }
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
    use crate::pipeline::geometry::Geometry;
    use ndarray::Array3;

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
}
