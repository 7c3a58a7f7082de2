//! Binary-mask and smoothing tools on voxel grids: 26-connected components, erosion and
//! dilation, hole filling, and separable Gaussian smoothing (masked, in mm). All parallel where
//! it pays, all deterministic (components are numbered in memory order).

use ndarray::{Array3, Axis, Zip};
use rayon::prelude::*;

/// A 3D boolean mask with the same `[k, j, i]` layout as volumes.
pub type Mask = Array3<bool>;

/// The 26 neighbour offsets (dk, dj, di).
fn neighbours26() -> impl Iterator<Item = (isize, isize, isize)> {
    (-1isize..=1).flat_map(|dk| {
        (-1isize..=1).flat_map(move |dj| {
            (-1isize..=1)
                .map(move |di| (dk, dj, di))
                .filter(|&(a, b, c)| (a, b, c) != (0, 0, 0))
        })
    })
}

fn offset(
    (k, j, i): (usize, usize, usize),
    (dk, dj, di): (isize, isize, isize),
    (nk, nj, ni): (usize, usize, usize),
) -> Option<(usize, usize, usize)> {
    let k = k.checked_add_signed(dk).filter(|v| *v < nk)?;
    let j = j.checked_add_signed(dj).filter(|v| *v < nj)?;
    let i = i.checked_add_signed(di).filter(|v| *v < ni)?;
    Some((k, j, i))
}

/// Labels the 26-connected components of `mask`: 0 is background, components are numbered
/// 1.. in the order their first voxel appears in memory. Returns the labels and the count.
pub fn label_components(mask: &Mask) -> (Array3<u32>, u32) {
    let dim = mask.dim();
    let mut labels = Array3::<u32>::zeros(dim);
    let mut next = 0u32;
    let mut stack = Vec::new();
    for (start, &on) in mask.indexed_iter() {
        if !on || labels[start] != 0 {
            continue;
        }
        next += 1;
        labels[start] = next;
        stack.push(start);
        while let Some(p) = stack.pop() {
            for d in neighbours26() {
                if let Some(q) = offset(p, d, dim)
                    && mask[q]
                    && labels[q] == 0
                {
                    labels[q] = next;
                    stack.push(q);
                }
            }
        }
    }
    (labels, next)
}

/// Voxel count of each label (index 0 = background).
pub fn label_sizes(labels: &Array3<u32>, count: u32) -> Vec<usize> {
    let mut sizes = vec![0usize; count as usize + 1];
    for &l in labels {
        if let Some(s) = sizes.get_mut(l as usize) {
            *s += 1;
        }
    }
    sizes
}

/// Keeps only the largest component.
pub fn largest_component(mask: &Mask) -> Mask {
    let (labels, count) = label_components(mask);
    let sizes = label_sizes(&labels, count);
    let Some((best, _)) = sizes.iter().enumerate().skip(1).max_by_key(|(_, s)| **s) else {
        return Mask::from_elem(mask.dim(), false);
    };
    labels.mapv(|l| l as usize == best)
}

/// Erosion (`grow = false`) or dilation (`grow = true`) by a box of radius `r` voxels, done as
/// three separable passes.
pub fn morph(mask: &Mask, r: usize, grow: bool) -> Mask {
    let mut out = mask.clone();
    for axis in 0..3 {
        out = morph_axis(&out, r, grow, axis);
    }
    out
}

fn morph_axis(mask: &Mask, r: usize, grow: bool, axis: usize) -> Mask {
    let mut out = mask.clone();
    let n = mask.len_of(Axis(axis));
    Zip::from(out.lanes_mut(Axis(axis)))
        .and(mask.lanes(Axis(axis)))
        .par_for_each(|mut dst, src| {
            for x in 0..n {
                let lo = x.saturating_sub(r);
                let hi = (x + r).min(n - 1);
                let window = (lo..=hi).map(|y| src[y]);
                dst[x] = if grow {
                    window.into_iter().any(|v| v)
                } else {
                    // Outside the grid counts as background for erosion.
                    x >= r && x + r < n && (lo..=hi).all(|y| src[y])
                };
            }
        });
    out
}

/// Fills cavities: background not connected (6-connectivity) to the grid's border.
pub fn fill_holes(mask: &Mask) -> Mask {
    let dim @ (nk, nj, ni) = mask.dim();
    let mut outside = Mask::from_elem(dim, false);
    let mut stack = Vec::new();
    for (p, &on) in mask.indexed_iter() {
        let (k, j, i) = p;
        let border = k == 0 || j == 0 || i == 0 || k + 1 == nk || j + 1 == nj || i + 1 == ni;
        if border && !on {
            outside[p] = true;
            stack.push(p);
        }
    }
    let faces = [
        (1, 0, 0),
        (-1, 0, 0),
        (0, 1, 0),
        (0, -1, 0),
        (0, 0, 1),
        (0, 0, -1),
    ];
    while let Some(p) = stack.pop() {
        for d in faces {
            if let Some(q) = offset(p, d, dim)
                && !mask[q]
                && !outside[q]
            {
                outside[q] = true;
                stack.push(q);
            }
        }
    }
    outside.mapv(|o| !o)
}

/// Gaussian smoothing with standard deviation `sigma_vox` (voxels, per index axis 0, 1, 2),
/// separable, truncated at 3σ, with edges renormalised.
pub fn gaussian(values: &Array3<f32>, sigma_vox: [f64; 3]) -> Array3<f32> {
    let mut out = values.clone();
    // Array axes are [k, j, i]: index axis a is array axis 2 - a.
    for (a, sigma) in sigma_vox.iter().enumerate() {
        out = smooth_axis(&out, *sigma, 2 - a);
    }
    out
}

fn smooth_axis(values: &Array3<f32>, sigma: f64, axis: usize) -> Array3<f32> {
    if sigma <= 0.0 {
        return values.clone();
    }
    let radius = (3.0 * sigma).ceil() as usize;
    let kernel: Vec<f32> = (0..=2 * radius)
        .map(|x| {
            let d = x as f64 - radius as f64;
            (-0.5 * d * d / (sigma * sigma)).exp() as f32
        })
        .collect();
    let mut out = values.clone();
    let n = values.len_of(Axis(axis));
    Zip::from(out.lanes_mut(Axis(axis)))
        .and(values.lanes(Axis(axis)))
        .par_for_each(|mut dst, src| {
            for x in 0..n {
                let (mut sum, mut weight) = (0.0f32, 0.0f32);
                for (t, w) in kernel.iter().enumerate() {
                    let y = x as isize + t as isize - radius as isize;
                    if y >= 0 && (y as usize) < n {
                        sum += w * src[y as usize];
                        weight += w;
                    }
                }
                dst[x] = if weight > 0.0 { sum / weight } else { 0.0 };
            }
        });
    out
}

/// Smoothing of `values` inside `mask` only (normalised convolution): what is outside the mask
/// does not leak in. Outside the mask the result is 0.
pub fn masked_gaussian(values: &Array3<f32>, mask: &Mask, sigma_vox: [f64; 3]) -> Array3<f32> {
    let weights = mask.mapv(|m| if m { 1.0f32 } else { 0.0 });
    let mut weighted = values.clone();
    Zip::from(&mut weighted)
        .and(&weights)
        .par_for_each(|v, w| *v *= w);
    let num = gaussian(&weighted, sigma_vox);
    let den = gaussian(&weights, sigma_vox);
    let mut out = num;
    Zip::from(&mut out)
        .and(&den)
        .and(mask)
        .par_for_each(|v, d, m| *v = if *m && *d > 1e-6 { *v / d } else { 0.0 });
    out
}

/// Values of `values` where `mask` is set, in parallel.
pub fn masked_values(values: &Array3<f32>, mask: &Mask) -> Vec<f32> {
    values
        .axis_iter(Axis(0))
        .into_par_iter()
        .zip(mask.axis_iter(Axis(0)))
        .flat_map_iter(|(v, m)| {
            v.iter()
                .zip(m.iter())
                .filter(|(_, m)| **m)
                .map(|(v, _)| *v)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `q`-quantile (0..=1) of `values` (reorders them).
pub fn quantile(values: &mut [f32], q: f64) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    let at = ((values.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(at, f32::total_cmp);
    Some(*v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_neighbours_join_a_component() {
        let mut m = Mask::from_elem((3, 3, 3), false);
        m[[0, 0, 0]] = true;
        m[[1, 1, 1]] = true;
        m[[2, 2, 0]] = true; // not touching (1,1,1)? it is: dk=1, dj=1, di=-1
        let (_, count) = label_components(&m);
        assert_eq!(count, 1);
        let mut m = Mask::from_elem((5, 5, 5), false);
        m[[0, 0, 0]] = true;
        m[[4, 4, 4]] = true;
        let (labels, count) = label_components(&m);
        assert_eq!(count, 2);
        assert_eq!(label_sizes(&labels, count), vec![123, 1, 1]);
    }

    #[test]
    fn open_removes_thin_bridges_and_holes_fill() {
        let mut m = Mask::from_elem((9, 9, 20), false);
        for k in 2..7 {
            for j in 2..7 {
                for i in 2..7 {
                    m[[k, j, i]] = true;
                    m[[k, j, i + 11]] = true;
                }
            }
        }
        // A one-voxel bridge between the cubes.
        for i in 7..13 {
            m[[4, 4, i]] = true;
        }
        assert_eq!(label_components(&m).1, 1);
        let opened = morph(&morph(&m, 1, false), 1, true);
        assert_eq!(label_components(&opened).1, 2);
        let mut hollow = m.clone();
        hollow[[4, 4, 4]] = false;
        assert!(fill_holes(&hollow)[[4, 4, 4]]);
        assert!(!fill_holes(&hollow)[[0, 0, 0]]);
    }

    #[test]
    fn gaussian_preserves_constants_and_mass_centre() {
        let v = Array3::from_elem((6, 7, 8), 5.0f32);
        let s = gaussian(&v, [1.0, 1.5, 2.0]);
        assert!(s.iter().all(|x| (x - 5.0).abs() < 1e-4));
        let mut q = vec![3.0, 1.0, 2.0, 5.0, 4.0];
        assert_eq!(quantile(&mut q, 0.5), Some(3.0));
    }
}
