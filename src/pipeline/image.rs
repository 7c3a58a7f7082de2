//! An image in patient space: voxels of any kind (intensities, labels, a mask, a change map)
//! plus the geometry that places them, so no array travels without its grid.
//!
//! The one index convention, and the one place that converts it: code names a voxel by its
//! grid index `[i, j, k]` (column, row, slice: the [`Geometry`]'s index axes 0, 1, 2), and
//! stores voxels as `Array3` indexed `(k, j, i)`, so a slice is contiguous in memory.
//! [`array_index`], [`grid_index`], [`grid_dims`] and [`array_shape`] go between the two.

use ndarray::Array3;

use crate::error::{Error, Result};
use crate::pipeline::geometry::Geometry;

/// A voxel named by its grid index: `[column, row, slice]`.
pub type GridIndex = [usize; 3];

/// The `Array3` index `(k, j, i)` of grid index `[i, j, k]`.
pub fn array_index([i, j, k]: GridIndex) -> (usize, usize, usize) {
    (k, j, i)
}

/// The grid index `[i, j, k]` of `Array3` index `(k, j, i)`.
pub fn grid_index((k, j, i): (usize, usize, usize)) -> GridIndex {
    [i, j, k]
}

/// Grid size `[columns, rows, slices]` of an array's shape `(k, j, i)`.
pub fn grid_dims(shape: (usize, usize, usize)) -> [usize; 3] {
    grid_index(shape)
}

/// The `Array3` shape `(slices, rows, columns)` of a grid size `[columns, rows, slices]`.
pub fn array_shape(dims: [usize; 3]) -> (usize, usize, usize) {
    array_index(dims)
}

/// Voxels on a grid: built only through [`Image::new`] (which refuses empty grids and
/// impossible geometry) or derived from an image already built ([`Image::derived`],
/// [`Image::map`], [`Image::filled`]), so every image has a sane grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Image<T> {
    voxels: Array3<T>,
    geometry: Geometry,
}

impl<T> Image<T> {
    /// Builds an image, refusing empty grids and impossible geometry. `subject` names what the
    /// image came from, for the error message.
    pub fn new(voxels: Array3<T>, geometry: Geometry, subject: &str) -> Result<Self> {
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

    /// An image on this one's grid filled with `value`.
    pub fn filled<U: Clone>(&self, value: U) -> Image<U> {
        Image {
            voxels: Array3::from_elem(self.voxels.dim(), value),
            geometry: self.geometry,
        }
    }

    /// A map computed on this image's grid (built from its shape), as an image.
    ///
    /// # Panics
    /// When `voxels` has another shape: a derived map is made with this grid's shape, so a
    /// mismatch is a bug in the caller, never a property of the data. Voxels whose shape came
    /// from elsewhere go through [`Image::new`].
    pub fn derived<U>(&self, voxels: Array3<U>) -> Image<U> {
        assert_eq!(
            voxels.dim(),
            self.voxels.dim(),
            "a derived map off its grid"
        );
        Image {
            voxels,
            geometry: self.geometry,
        }
    }

    /// Each voxel mapped through `f`, on the same grid.
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> Image<U> {
        Image {
            voxels: self.voxels.map(f),
            geometry: self.geometry,
        }
    }

    pub fn voxels(&self) -> &Array3<T> {
        &self.voxels
    }

    /// The voxels, to edit in place (the grid cannot change).
    pub fn voxels_mut(&mut self) -> &mut Array3<T> {
        &mut self.voxels
    }

    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Grid size as `[columns, rows, slices]` (index axes 0, 1, 2).
    pub fn dims(&self) -> [usize; 3] {
        grid_dims(self.voxels.dim())
    }

    /// The voxel at grid index `[i, j, k]`, or `None` outside the grid.
    pub fn at(&self, index: GridIndex) -> Option<&T> {
        self.voxels.get(array_index(index))
    }

    /// Takes the voxels out, e.g. to hand them to another owner without a copy.
    pub fn into_parts(self) -> (Array3<T>, Geometry) {
        (self.voxels, self.geometry)
    }
}

impl<T: Copy> Image<T> {
    /// Value at grid index `(i, j, k)`, or `None` outside the grid.
    pub fn get(&self, i: usize, j: usize, k: usize) -> Option<T> {
        self.at([i, j, k]).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry() -> Geometry {
        Geometry::axis_aligned([0.0; 3], [1.0; 3])
    }

    #[test]
    fn one_convention_between_grid_and_array_indices() {
        let image = Image::new(
            Array3::from_shape_fn((2, 3, 4), |(k, j, i)| k * 100 + j * 10 + i),
            geometry(),
            "t",
        )
        .unwrap();
        assert_eq!(image.dims(), [4, 3, 2]);
        assert_eq!(image.at([3, 2, 1]), Some(&123));
        assert_eq!(image.get(4, 0, 0), None);
        assert_eq!(array_index([3, 2, 1]), (1, 2, 3));
        assert_eq!(grid_index((1, 2, 3)), [3, 2, 1]);
        assert_eq!(array_shape(image.dims()), image.voxels().dim());
    }

    #[test]
    fn derived_images_keep_the_grid() {
        let image = Image::new(Array3::from_elem((2, 3, 4), 1.5f32), geometry(), "t").unwrap();
        let mask = image.map(|v| *v > 1.0);
        assert_eq!(
            (mask.dims(), mask.geometry()),
            (image.dims(), image.geometry())
        );
        let labels = image.derived(Array3::<u8>::zeros((2, 3, 4)));
        assert_eq!(
            (labels.dims(), labels.geometry()),
            (image.dims(), image.geometry())
        );
        assert_eq!(image.filled(0u16).dims(), [4, 3, 2]);
    }

    #[test]
    #[should_panic(expected = "a derived map off its grid")]
    fn a_derived_map_of_another_shape_is_a_bug() {
        let image = Image::new(Array3::from_elem((2, 3, 4), 1.5f32), geometry(), "t").unwrap();
        let _ = image.derived(Array3::<u8>::zeros((4, 3, 2)));
    }

    #[test]
    fn refuses_empty_grids_and_bad_geometry_naming_the_subject() {
        let err = Image::<f32>::new(Array3::zeros((0, 3, 3)), geometry(), "series X").unwrap_err();
        assert!(err.to_string().contains("series X"));
        let bad = Geometry::axis_aligned([0.0; 3], [1.0, -1.0, 1.0]);
        assert!(Image::<f32>::new(Array3::zeros((1, 1, 1)), bad, "s").is_err());
    }
}
