//! Resampling a volume onto another grid through a rigid transform (trilinear for images,
//! nearest for labels), parallel over output slices.
//!
//! The transform maps reference (baseline) patient mm to the resampled volume's patient mm,
//! the registration's convention `x_followup = R · x_baseline + t`.

use ndarray::{Array3, ArrayView3, Axis};
use rayon::prelude::*;

use crate::error::Result;
use crate::pipeline::geometry::{Geometry, Mat3, Vec3};
use crate::pipeline::image::array_shape;
use crate::pipeline::transform::RigidTransform;
use crate::pipeline::volume::Volume;

/// How to read between voxel centres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    Linear,
    Nearest,
}

/// The affine map from reference index to source index: `src = m · ref + b`.
#[derive(Debug, Clone, Copy)]
pub struct IndexMap {
    pub m: Mat3,
    pub b: Vec3,
}

impl IndexMap {
    /// Composes reference index → reference mm → (transform) → source mm → source index.
    pub fn new(reference: &Geometry, source: &Geometry, transform: &RigidTransform) -> Self {
        let b = source.mm_to_index(transform.apply(reference.index_to_mm([0.0; 3])));
        let column = |axis: usize| {
            let mut unit = [0.0; 3];
            unit[axis] = 1.0;
            let p = source.mm_to_index(transform.apply(reference.index_to_mm(unit)));
            [p[0] - b[0], p[1] - b[1], p[2] - b[2]]
        };
        let (c0, c1, c2) = (column(0), column(1), column(2));
        Self {
            m: crate::pipeline::geometry::from_columns(c0, c1, c2),
            b,
        }
    }

    #[inline]
    pub fn apply(&self, i: f64, j: f64, k: f64) -> Vec3 {
        let m = &self.m;
        [
            m[0][0] * i + m[0][1] * j + m[0][2] * k + self.b[0],
            m[1][0] * i + m[1][1] * j + m[1][2] * k + self.b[1],
            m[2][0] * i + m[2][1] * j + m[2][2] * k + self.b[2],
        ]
    }
}

/// Trilinear value at continuous index `(x, y, z)` (`x` along columns), or `None` outside the
/// grid (half a voxel of tolerance at the borders, clamped).
#[inline]
pub fn trilinear(voxels: &ArrayView3<'_, f32>, x: f64, y: f64, z: f64) -> Option<f32> {
    let corners = Corners::at(voxels.dim(), x, y, z)?;
    Some(match voxels.as_slice() {
        Some(values) => corners.interpolate(values),
        // Not in standard layout (a transposed or sliced view): the same corners, by index.
        None => corners.interpolate_view(voxels),
    })
}

/// The eight voxels around a continuous index, as offsets into a standard-layout `[k, j, i]`
/// slice, and the fractions between them. Finding them is most of trilinear interpolation's
/// work, so an image with several channels (a value and its gradient) finds them once.
#[derive(Debug, Clone, Copy)]
pub struct Corners {
    /// Offset of the lower corner `(z0, y0, x0)`.
    base: usize,
    /// Offsets from a lower to an upper neighbour along columns, rows and slices (0 on the last
    /// voxel of an axis, where the upper neighbour is clamped to the lower one).
    step: [usize; 3],
    /// Fractions along columns, rows and slices.
    frac: [f32; 3],
}

impl Corners {
    /// The corners of continuous index `(x, y, z)` (`x` along columns) in a grid of array
    /// dimensions `(slices, rows, columns)`, or `None` outside the grid (half a voxel of
    /// tolerance at the borders, clamped).
    #[inline]
    pub fn at((nk, nj, ni): (usize, usize, usize), x: f64, y: f64, z: f64) -> Option<Self> {
        let inside = |v: f64, n: usize| v >= -0.5 && v <= n as f64 - 0.5;
        if !(inside(x, ni) && inside(y, nj) && inside(z, nk)) {
            return None;
        }
        let clamp = |v: f64, n: usize| v.clamp(0.0, (n - 1) as f64);
        let (x, y, z) = (clamp(x, ni), clamp(y, nj), clamp(z, nk));
        // Non-negative after the clamp, so truncation is the floor (and, unlike `f64::floor`
        // without SSE4.1, it is not a call into libm).
        let (x0, y0, z0) = (x as usize, y as usize, z as usize);
        let (x1, y1, z1) = (
            (x0 + 1).min(ni - 1),
            (y0 + 1).min(nj - 1),
            (z0 + 1).min(nk - 1),
        );
        Some(Self {
            base: (z0 * nj + y0) * ni + x0,
            step: [x1 - x0, (y1 - y0) * ni, (z1 - z0) * nj * ni],
            frac: [
                (x - x0 as f64) as f32,
                (y - y0 as f64) as f32,
                (z - z0 as f64) as f32,
            ],
        })
    }

    /// The eight corner values, `[z][y][x]` (0 = lower, 1 = upper).
    #[inline]
    fn values<T: Copy + Default>(&self, values: &[T]) -> [[[T; 2]; 2]; 2] {
        let [di, dj, dk] = self.step;
        let v = |o: usize| values.get(self.base + o).copied().unwrap_or_default();
        [
            [[v(0), v(di)], [v(dj), v(dj + di)]],
            [[v(dk), v(dk + di)], [v(dk + dj), v(dk + dj + di)]],
        ]
    }

    /// The interpolated value of a standard-layout `[k, j, i]` volume of these dimensions.
    #[inline]
    pub fn interpolate(&self, values: &[f32]) -> f32 {
        let c = self.values(values);
        let [fx, fy, fz] = self.frac;
        let c00 = c[0][0][0] * (1.0 - fx) + c[0][0][1] * fx;
        let c01 = c[0][1][0] * (1.0 - fx) + c[0][1][1] * fx;
        let c10 = c[1][0][0] * (1.0 - fx) + c[1][0][1] * fx;
        let c11 = c[1][1][0] * (1.0 - fx) + c[1][1][1] * fx;
        let c0 = c00 * (1.0 - fy) + c01 * fy;
        let c1 = c10 * (1.0 - fy) + c11 * fy;
        c0 * (1.0 - fz) + c1 * fz
    }

    /// As `interpolate`, for a view in any memory layout.
    fn interpolate_view(&self, voxels: &ArrayView3<'_, f32>) -> f32 {
        let (_, nj, ni) = voxels.dim();
        let (z0, y0, x0) = (self.base / (nj * ni), self.base / ni % nj, self.base % ni);
        let [di, dj, dk] = self.step;
        let (x1, y1, z1) = (x0 + di, y0 + dj / ni, z0 + dk / (nj * ni));
        let v = |k: usize, j: usize, i: usize| voxels.get((k, j, i)).copied().unwrap_or(0.0);
        let corners = [
            [v(z0, y0, x0), v(z0, y0, x1), v(z0, y1, x0), v(z0, y1, x1)],
            [v(z1, y0, x0), v(z1, y0, x1), v(z1, y1, x0), v(z1, y1, x1)],
        ];
        let dense = Self {
            base: 0,
            step: [1, 2, 4],
            frac: self.frac,
        };
        dense.interpolate(corners.as_flattened())
    }

    /// As `interpolate`, for four channels stored together: each channel gets exactly the value
    /// `interpolate` gives on that channel alone (the same operations, lane by lane).
    #[inline]
    pub fn interpolate4(&self, values: &[[f32; 4]]) -> [f32; 4] {
        let c = self.values(values);
        let [fx, fy, fz] = self.frac;
        let lerp = |a: [f32; 4], b: [f32; 4], t: f32| -> [f32; 4] {
            std::array::from_fn(|l| a[l] * (1.0 - t) + b[l] * t)
        };
        let c00 = lerp(c[0][0][0], c[0][0][1], fx);
        let c01 = lerp(c[0][1][0], c[0][1][1], fx);
        let c10 = lerp(c[1][0][0], c[1][0][1], fx);
        let c11 = lerp(c[1][1][0], c[1][1][1], fx);
        lerp(lerp(c00, c01, fy), lerp(c10, c11, fy), fz)
    }
}

/// Nearest-voxel value at continuous index, or `None` outside.
#[inline]
pub fn nearest(voxels: &ArrayView3<'_, f32>, x: f64, y: f64, z: f64) -> Option<f32> {
    let (nk, nj, ni) = voxels.dim();
    let round = |v: f64, n: usize| {
        let r = v.round();
        (r >= 0.0 && r < n as f64).then_some(r as usize)
    };
    voxels
        .get((round(z, nk)?, round(y, nj)?, round(x, ni)?))
        .copied()
}

/// `source` resampled onto `reference`'s grid; voxels that fall outside `source` get `fill`.
pub fn resample(
    source: &Volume,
    reference: &Geometry,
    dims: [usize; 3],
    transform: &RigidTransform,
    interpolation: Interpolation,
    fill: f32,
) -> Array3<f32> {
    let map = IndexMap::new(reference, source.geometry(), transform);
    let view = source.voxels().view();
    // Linear reads go straight to the corners in the voxels' memory (what `trilinear` does
    // for a standard-layout view, without its per-voxel layout check).
    let standard = source.voxels().as_standard_layout();
    let values = standard.as_slice().unwrap_or(&[]);
    let source_dim = source.voxels().dim();
    let mut out = Array3::<f32>::from_elem(array_shape(dims), fill);
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(k, mut plane)| {
            for ((j, i), value) in plane.indexed_iter_mut() {
                let p = map.apply(i as f64, j as f64, k as f64);
                let sample = match interpolation {
                    Interpolation::Linear => {
                        Corners::at(source_dim, p[0], p[1], p[2]).map(|c| c.interpolate(values))
                    }
                    Interpolation::Nearest => nearest(&view, p[0], p[1], p[2]),
                };
                if let Some(v) = sample {
                    *value = v;
                }
            }
        });
    out
}

/// Block-average downsampling by an integer factor per axis (the registration pyramid).
/// Fails only when the coarser grid is not a valid volume (spacing overflowing to infinity).
pub fn downsample(volume: &Volume, factor: [usize; 3]) -> Result<Volume> {
    let [fi, fj, fk] = factor.map(|f| f.max(1));
    if [fi, fj, fk] == [1, 1, 1] {
        // Blocks of one voxel: each average is `(0 + v) / 1`, which is `v` with -0 made +0.
        let mut voxels = volume.voxels().as_standard_layout().into_owned();
        voxels.par_mapv_inplace(|v| 0.0 + v);
        return Volume::new(voxels, *volume.geometry(), "downsampled volume");
    }
    let [ni, nj, nk] = volume.dims();
    let (mi, mj, mk) = ((ni / fi).max(1), (nj / fj).max(1), (nk / fk).max(1));
    let src = volume.voxels().as_standard_layout();
    let src = src.as_slice().unwrap_or(&[]);
    let mut out = Array3::<f32>::zeros((mk, mj, mi));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(k, mut plane)| {
            for ((j, i), value) in plane.indexed_iter_mut() {
                // Summed slice by slice, row by row, along each row: the order (and so the
                // rounding) of a plain triple loop over the block.
                let mut sum = 0.0f32;
                let mut count = 0u32;
                for kk in k * fk..((k + 1) * fk).min(nk) {
                    for jj in j * fj..((j + 1) * fj).min(nj) {
                        let row = (kk * nj + jj) * ni;
                        let block = row + i * fi..row + ((i + 1) * fi).min(ni);
                        for v in src.get(block).unwrap_or(&[]) {
                            sum += v;
                            count += 1;
                        }
                    }
                }
                *value = if count > 0 { sum / count as f32 } else { 0.0 };
            }
        });
    let g = volume.geometry();
    let spacing = [
        g.spacing[0] * fi as f64,
        g.spacing[1] * fj as f64,
        g.spacing[2] * fk as f64,
    ];
    // The centre of block (0,0,0) is the centre of the first (f-1)/2 voxels' span.
    let origin = g.index_to_mm([
        (fi as f64 - 1.0) / 2.0,
        (fj as f64 - 1.0) / 2.0,
        (fk as f64 - 1.0) / 2.0,
    ]);
    let geometry = Geometry {
        origin,
        spacing,
        direction: g.direction,
    };
    Volume::new(out, geometry, "downsampled volume")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> Volume {
        let voxels = Array3::from_shape_fn((10, 12, 14), |(k, j, i)| {
            (i as f32) + 2.0 * (j as f32) + 3.0 * (k as f32)
        });
        Volume::new(
            voxels,
            Geometry::axis_aligned([5.0, -3.0, 10.0], [1.0, 1.5, 2.0]),
            "ramp",
        )
        .unwrap()
    }

    #[test]
    fn trilinear_is_exact_on_a_linear_ramp() {
        let v = ramp();
        let view = v.voxels().view();
        let value = trilinear(&view, 3.25, 4.5, 2.75).unwrap();
        assert!((value - (3.25 + 9.0 + 8.25)).abs() < 1e-4);
        assert!(trilinear(&view, -1.0, 0.0, 0.0).is_none());
        assert_eq!(nearest(&view, 3.4, 4.6, 2.5), Some(3.0 + 10.0 + 9.0));
    }

    #[test]
    fn every_layout_and_channel_interpolates_alike() {
        let v = ramp();
        let values = v.voxels().mapv(|x| (x * 0.37).sin());
        let standard = values.view();
        // The same volume stored transposed: a view that is not in standard layout.
        let transposed = values.t().as_standard_layout().to_owned();
        let reversed = transposed.t();
        assert!(reversed.as_slice().is_none());
        let four: Vec<[f32; 4]> = values.iter().map(|x| [*x, 2.0 * x, x - 1.0, 0.5]).collect();
        for (x, y, z) in [(3.25, 4.5, 2.75), (-0.4, 11.4, 9.5), (13.0, 0.0, 0.2)] {
            let want = trilinear(&standard, x, y, z).unwrap();
            assert_eq!(trilinear(&reversed, x, y, z), Some(want));
            let corners = Corners::at(values.dim(), x, y, z).unwrap();
            let lanes = corners.interpolate4(&four);
            for (lane, scale) in [(0, 1.0f32), (1, 2.0)] {
                let channel = values.mapv(|x| scale * x);
                let alone = trilinear(&channel.view(), x, y, z).unwrap();
                assert_eq!(lanes[lane].to_bits(), alone.to_bits());
            }
        }
    }

    #[test]
    fn a_translation_shifts_the_image_in_mm() {
        let v = ramp();
        // Reference grid = the source grid; transform moves +1 mm along x: value at index i of
        // the output is the source value at i + 1 (spacing 1 mm along x).
        let t = RigidTransform {
            matrix: crate::pipeline::geometry::IDENTITY,
            offset_mm: [1.0, 0.0, 0.0],
        };
        let out = resample(&v, v.geometry(), v.dims(), &t, Interpolation::Linear, -1.0);
        assert_eq!(out[[2, 3, 4]], v.voxels()[[2, 3, 5]]);
        assert_eq!(out[[2, 3, 13]], -1.0, "outside the source");
    }

    #[test]
    fn downsampling_keeps_positions() {
        let v = ramp();
        let d = downsample(&v, [2, 2, 2]).unwrap();
        assert_eq!(d.dims(), [7, 6, 5]);
        // Block (0,0,0) averages indices 0..2: centre at index 0.5 of the source.
        let centre = v.geometry().index_to_mm([0.5, 0.5, 0.5]);
        assert_eq!(d.geometry().origin, centre);
        let expected = 0.5 + 2.0 * 0.5 + 3.0 * 0.5;
        assert!((d.voxels()[[0, 0, 0]] - expected).abs() < 1e-5);
        // One-voxel blocks: the same volume (negative zero made positive, as `(0 + v) / 1` does).
        let mut signed = v.voxels().mapv(|x| x - 10.0);
        signed[[0, 0, 0]] = -0.0;
        let signed = Volume::new(signed, *v.geometry(), "signed").unwrap();
        let same = downsample(&signed, [1, 1, 1]).unwrap();
        assert_eq!(same.geometry(), signed.geometry());
        for (a, b) in same.voxels().iter().zip(signed.voxels()) {
            assert_eq!(a.to_bits(), ((0.0 + b) / 1.0f32).to_bits());
        }
    }
}
