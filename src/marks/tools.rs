//! The marking tools as plain functions: each turns a gesture (a brush dab, a seed and a
//! tolerance, a box and a threshold) into the flat indices of the voxels it covers on a
//! `[k, j, i]` grid. Distances are in mm, so a brush is round on anisotropic grids.

use ndarray::Array3;

use crate::pipeline::image::grid_dims;

/// A brush's footprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrushShape {
    /// A disc in the view's plane: grid axis `through` (0 = i, 1 = j, 2 = k) is held at the
    /// centre's slice.
    Disc { through: usize },
    /// A ball in 3D.
    Sphere,
}

/// Voxels whose centres lie within `radius_mm` of `centre` (grid index coordinates
/// `[i, j, k]`); at least the voxel under the centre when it is inside the grid.
pub fn brush(
    dims: [usize; 3],
    spacing: [f64; 3],
    centre: [f64; 3],
    radius_mm: f64,
    shape: BrushShape,
) -> Vec<usize> {
    let radius = radius_mm.max(0.0);
    let mut lo = [0usize; 3];
    let mut hi = [0usize; 3];
    for a in 0..3 {
        let reach = radius / spacing[a].max(1e-6);
        let held = matches!(shape, BrushShape::Disc { through } if through == a);
        let (from, to) = if held {
            (centre[a].round(), centre[a].round())
        } else {
            ((centre[a] - reach).ceil(), (centre[a] + reach).floor())
        };
        let top = dims[a] as f64 - 1.0;
        if to < 0.0 || from > top || dims[a] == 0 {
            return Vec::new();
        }
        lo[a] = from.max(0.0) as usize;
        hi[a] = to.min(top) as usize;
    }
    let mut voxels = Vec::new();
    for k in lo[2]..=hi[2] {
        for j in lo[1]..=hi[1] {
            for i in lo[0]..=hi[0] {
                let d2: f64 = [i, j, k]
                    .iter()
                    .zip(centre)
                    .zip(spacing)
                    .enumerate()
                    .filter(
                        |(a, _)| !matches!(shape, BrushShape::Disc { through } if through == *a),
                    )
                    .map(|(_, ((p, c), s))| ((*p as f64 - c) * s).powi(2))
                    .sum();
                if d2 <= radius * radius {
                    voxels.push((k * dims[1] + j) * dims[0] + i);
                }
            }
        }
    }
    if voxels.is_empty() {
        let nearest = centre.map(|c| c.round());
        if nearest
            .iter()
            .zip(dims)
            .all(|(c, d)| *c >= 0.0 && *c < d as f64)
        {
            let [i, j, k] = nearest.map(|c| c as usize);
            voxels.push((k * dims[1] + j) * dims[0] + i);
        }
    }
    voxels
}

/// What region growing found.
#[derive(Debug, Clone, PartialEq)]
pub struct Grown {
    pub voxels: Vec<usize>,
    /// The reference value: mean of the seed's 3×3×3 neighbourhood (robust to one noisy voxel).
    pub seed_value: f32,
    /// The region reached the radius limit (it probably leaked into normal tissue).
    pub hit_limit: bool,
}

/// 6-connected region growing from `seed` (`[i, j, k]`) through voxels within `tolerance` of
/// the seed value, never further than `max_radius_mm` from the seed.
pub fn region_grow(
    values: &Array3<f32>,
    spacing: [f64; 3],
    seed: [usize; 3],
    tolerance: f32,
    max_radius_mm: f64,
) -> Grown {
    let (nk, nj, ni) = values.dim();
    let empty = Grown {
        voxels: Vec::new(),
        seed_value: f32::NAN,
        hit_limit: false,
    };
    let [si, sj, sk] = seed;
    if si >= ni || sj >= nj || sk >= nk {
        return empty;
    }
    let mut sum = 0.0f64;
    let mut n = 0u32;
    for k in sk.saturating_sub(1)..=(sk + 1).min(nk - 1) {
        for j in sj.saturating_sub(1)..=(sj + 1).min(nj - 1) {
            for i in si.saturating_sub(1)..=(si + 1).min(ni - 1) {
                if let Some(v) = values.get((k, j, i)) {
                    sum += f64::from(*v);
                    n += 1;
                }
            }
        }
    }
    let seed_value = (sum / f64::from(n.max(1))) as f32;
    let inside = |v: f32| (v - seed_value).abs() <= tolerance.max(0.0);
    let mut visited = vec![false; ni * nj * nk];
    let flat = |i: usize, j: usize, k: usize| (k * nj + j) * ni + i;
    let mut voxels = Vec::new();
    let mut hit_limit = false;
    let mut stack = vec![seed];
    if let Some(v) = visited.get_mut(flat(si, sj, sk)) {
        *v = true;
    }
    while let Some([i, j, k]) = stack.pop() {
        let Some(&v) = values.get((k, j, i)) else {
            continue;
        };
        if !inside(v) {
            continue;
        }
        let d2: f64 = [i, j, k]
            .iter()
            .zip(seed)
            .zip(spacing)
            .map(|((p, s), mm)| ((*p as f64 - s as f64) * mm).powi(2))
            .sum();
        if d2 > max_radius_mm * max_radius_mm {
            hit_limit = true;
            continue;
        }
        voxels.push(flat(i, j, k));
        let steps = [
            (i.checked_sub(1), Some(j), Some(k)),
            (Some(i + 1).filter(|v| *v < ni), Some(j), Some(k)),
            (Some(i), j.checked_sub(1), Some(k)),
            (Some(i), Some(j + 1).filter(|v| *v < nj), Some(k)),
            (Some(i), Some(j), k.checked_sub(1)),
            (Some(i), Some(j), Some(k + 1).filter(|v| *v < nk)),
        ];
        for step in steps {
            if let (Some(a), Some(b), Some(c)) = step
                && let Some(seen) = visited.get_mut(flat(a, b, c))
                && !*seen
            {
                *seen = true;
                stack.push([a, b, c]);
            }
        }
    }
    voxels.sort_unstable();
    Grown {
        voxels,
        seed_value,
        hit_limit,
    }
}

/// Voxels inside the box spanned by corners `a` and `b` (`[i, j, k]`, inclusive, any order)
/// whose value is at least `threshold`.
pub fn threshold_box(
    values: &Array3<f32>,
    a: [usize; 3],
    b: [usize; 3],
    threshold: f32,
) -> Vec<usize> {
    let dims = grid_dims(values.dim());
    let [ni, nj, _] = dims;
    if dims.contains(&0) {
        return Vec::new();
    }
    let lo: [usize; 3] = std::array::from_fn(|x| a[x].min(b[x]).min(dims[x] - 1));
    let hi: [usize; 3] = std::array::from_fn(|x| a[x].max(b[x]).min(dims[x] - 1));
    let mut voxels = Vec::new();
    for k in lo[2]..=hi[2] {
        for j in lo[1]..=hi[1] {
            for i in lo[0]..=hi[0] {
                if values.get((k, j, i)).is_some_and(|v| *v >= threshold) {
                    voxels.push((k * nj + j) * ni + i);
                }
            }
        }
    }
    voxels
}
