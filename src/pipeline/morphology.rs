//! Binary-mask and smoothing tools on voxel grids: 26-connected components, erosion and
//! dilation, hole filling, and separable Gaussian smoothing (in voxels; `bias::local_mean` smooths over a mask). All parallel where
//! it pays, all deterministic (components are numbered in memory order).

use std::borrow::Cow;

use ndarray::{Array3, Axis, Zip};
use rayon::prelude::*;

/// A 3D boolean mask with the same `[k, j, i]` layout as volumes.
pub type Mask = Array3<bool>;

/// The voxels of `mask` in memory order (`[k, j, i]`, standard layout), borrowed when they
/// already are.
fn standard_slice(mask: &Mask) -> Cow<'_, [bool]> {
    match mask.as_slice() {
        Some(values) => Cow::Borrowed(values),
        None => Cow::Owned(mask.iter().copied().collect()),
    }
}

/// Runs of equal voxels along rows: components are found between runs, not voxels (a brain
/// mask of a million voxels is some tens of thousands of runs), which is what makes labelling
/// and hole filling cheap.
struct Runs {
    /// `[start, end)` column ranges, row by row in memory order.
    spans: Vec<(usize, usize)>,
    /// Row `r` (`k · nj + j`) holds `spans[rows[r]..rows[r + 1]]`.
    rows: Vec<usize>,
}

impl Runs {
    /// The runs of voxels equal to `value` in a standard-layout grid with rows of `ni`.
    fn of(voxels: &[bool], ni: usize, value: bool) -> Self {
        let mut spans = Vec::new();
        let mut rows = vec![0];
        for row in voxels.chunks(ni.max(1)) {
            let mut i = 0;
            while let Some(start) = row[i..].iter().position(|v| *v == value).map(|p| p + i) {
                let end = row[start..]
                    .iter()
                    .position(|v| *v != value)
                    .map_or(row.len(), |p| p + start);
                spans.push((start, end));
                i = end;
            }
            rows.push(spans.len());
        }
        Self { spans, rows }
    }

    /// Indices of row `r`'s runs.
    fn row(&self, r: usize) -> std::ops::Range<usize> {
        self.rows[r]..self.rows[r + 1]
    }

    /// Joins every run of row `a` to every run of row `b` it touches: sharing a column
    /// (`diagonal = false`, face neighbours) or also a corner (`diagonal = true`). Runs within
    /// a row are sorted and apart, so one sweep finds every touching pair.
    fn join_rows(&self, a: usize, b: usize, diagonal: bool, sets: &mut DisjointSets) {
        let reach = usize::from(diagonal);
        let (mut x, mut y) = (self.row(a).peekable(), self.row(b).peekable());
        while let (Some(&p), Some(&q)) = (x.peek(), y.peek()) {
            let ((s1, e1), (s2, e2)) = (self.spans[p], self.spans[q]);
            if s1 < e2 + reach && s2 < e1 + reach {
                sets.join(p, q);
            }
            // The run that ends first touches nothing further in the other row.
            if e1 <= e2 {
                x.next();
            }
            if e2 <= e1 {
                y.next();
            }
        }
    }
}

/// Union–find over run indices.
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
        }
    }

    fn root(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            // Path halving.
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        // The earlier run is the root (any choice would do; this one is deterministic).
        match a.cmp(&b) {
            std::cmp::Ordering::Less => self.parent[b] = a,
            std::cmp::Ordering::Greater => self.parent[a] = b,
            std::cmp::Ordering::Equal => {}
        }
    }
}

/// Labels the 26-connected components of `mask`: 0 is background, components are numbered
/// 1.. in the order their first voxel appears in memory. Returns the labels and the count.
pub fn label_components(mask: &Mask) -> (Array3<u32>, u32) {
    let dim @ (nk, nj, ni) = mask.dim();
    let on = standard_slice(mask);
    let runs = Runs::of(&on, ni, true);
    let mut sets = DisjointSets::new(runs.spans.len());
    // Each row against the rows before it that it can touch: the one above in its slice and
    // the three around it in the slice before (26-connectivity).
    for k in 0..nk {
        for j in 0..nj {
            let r = k * nj + j;
            if j > 0 {
                runs.join_rows(r, r - 1, true, &mut sets);
            }
            if k > 0 {
                for jj in j.saturating_sub(1)..=(j + 1).min(nj - 1) {
                    runs.join_rows(r, (k - 1) * nj + jj, true, &mut sets);
                }
            }
        }
    }
    // Runs are in memory order, so numbering components as their first run comes numbers them
    // by their first voxel.
    let mut label_of_root = vec![0u32; runs.spans.len()];
    let mut next = 0u32;
    let mut labels = vec![0u32; on.len()];
    for r in 0..nk * nj {
        for run in runs.row(r) {
            let root = sets.root(run);
            if label_of_root[root] == 0 {
                next += 1;
                label_of_root[root] = next;
            }
            let (s, e) = runs.spans[run];
            labels[r * ni + s..r * ni + e].fill(label_of_root[root]);
        }
    }
    (from_standard(dim, labels), next)
}

/// A `[k, j, i]` array of voxels in memory order.
fn from_standard<T>(dim: (usize, usize, usize), values: Vec<T>) -> Array3<T> {
    let n = values.len();
    Array3::from_shape_vec(dim, values).unwrap_or_else(|_| {
        unreachable!("{n} voxels do not fill a grid of {dim:?}: built for it above")
    })
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
    let dim = mask.dim();
    let mut current = standard_slice(mask).into_owned();
    let mut next = vec![false; current.len()];
    for axis in 0..3 {
        morph_axis(&current, &mut next, dim, r, grow, axis);
        std::mem::swap(&mut current, &mut next);
    }
    from_standard(dim, current)
}

/// One separable pass along array axis `axis` of a standard-layout mask, in parallel over
/// output slices, combining whole contiguous rows at once (the compiler vectorises them).
fn morph_axis(
    src: &[bool],
    dst: &mut [bool],
    (nk, nj, ni): (usize, usize, usize),
    r: usize,
    grow: bool,
    axis: usize,
) {
    let plane = nj * ni;
    dst.par_chunks_mut(plane)
        .enumerate()
        .for_each(|(k, out)| match axis {
            0 => window(src, out, nk, plane, k, r, grow),
            _ => {
                let own = &src[k * plane..(k + 1) * plane];
                if axis == 1 {
                    for (j, row) in out.chunks_mut(ni).enumerate() {
                        window(own, row, nj, ni, j, r, grow);
                    }
                } else {
                    for (src_row, row) in own.chunks(ni).zip(out.chunks_mut(ni)) {
                        along_row(src_row, row, r, grow);
                    }
                }
            }
        });
}

/// One row's pass along the row: the row shifted by each distance up to `r` either way,
/// combined whole (vectorised) rather than voxel by voxel.
fn along_row(src: &[bool], out: &mut [bool], r: usize, grow: bool) {
    let n = src.len();
    if grow {
        out.copy_from_slice(src);
        for d in 1..=r.min(n.saturating_sub(1)) {
            for (o, v) in out[..n - d].iter_mut().zip(&src[d..]) {
                *o |= *v;
            }
            for (o, v) in out[d..].iter_mut().zip(&src[..n - d]) {
                *o |= *v;
            }
        }
    } else {
        // Outside the grid counts as background for erosion: only voxels `r` from both ends
        // can stay.
        out.fill(false);
        if n > 2 * r {
            let inner = &mut out[r..n - r];
            inner.copy_from_slice(&src[r..n - r]);
            for d in 1..=r {
                for (o, v) in inner.iter_mut().zip(&src[r + d..n - r + d]) {
                    *o &= *v;
                }
                for (o, v) in inner.iter_mut().zip(&src[r - d..n - r - d]) {
                    *o &= *v;
                }
            }
        }
    }
}

/// Block `x` of `out` (blocks of `len` voxels, `n` of them along the axis) from the blocks of
/// `src` within `r` of it: any of them (dilation) or all of them, none outside the grid
/// (erosion).
fn window(src: &[bool], out: &mut [bool], n: usize, len: usize, x: usize, r: usize, grow: bool) {
    let block = |y: usize| &src[y * len..(y + 1) * len];
    if !grow && (x < r || x + r >= n) {
        // Outside the grid counts as background for erosion.
        out.fill(false);
        return;
    }
    let (lo, hi) = (x.saturating_sub(r), (x + r).min(n - 1));
    out.copy_from_slice(block(lo));
    for y in lo + 1..=hi {
        for (o, v) in out.iter_mut().zip(block(y)) {
            if grow {
                *o |= *v;
            } else {
                *o &= *v;
            }
        }
    }
}

/// Fills cavities: background not connected (6-connectivity) to the grid's border.
pub fn fill_holes(mask: &Mask) -> Mask {
    let dim @ (nk, nj, ni) = mask.dim();
    let on = standard_slice(mask);
    let runs = Runs::of(&on, ni, false);
    let mut sets = DisjointSets::new(runs.spans.len());
    // Face neighbours only: the row above in the slice, the same row in the slice before.
    for k in 0..nk {
        for j in 0..nj {
            let r = k * nj + j;
            if j > 0 {
                runs.join_rows(r, r - 1, false, &mut sets);
            }
            if k > 0 {
                runs.join_rows(r, r - nj, false, &mut sets);
            }
        }
    }
    let mut outside = vec![false; runs.spans.len()];
    for r in 0..nk * nj {
        let (k, j) = (r / nj, r % nj);
        let border_row = k == 0 || j == 0 || k + 1 == nk || j + 1 == nj;
        for run in runs.row(r) {
            let (s, e) = runs.spans[run];
            if border_row || s == 0 || e == ni {
                let root = sets.root(run);
                outside[root] = true;
            }
        }
    }
    let mut filled = vec![true; on.len()];
    for r in 0..nk * nj {
        for run in runs.row(r) {
            let root = sets.root(run);
            if outside[root] {
                let (s, e) = runs.spans[run];
                filled[r * ni + s..r * ni + e].fill(false);
            }
        }
    }
    from_standard(dim, filled)
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

    /// A pseudo-random mask with `density` of its voxels set: sparse ones fall into many
    /// components, dense ones hold many holes.
    fn speckle(dim: (usize, usize, usize), density: f64) -> Mask {
        Mask::from_shape_fn(dim, |(k, j, i)| {
            let mut h = ((k * 73_856_093) ^ (j * 19_349_663) ^ (i * 83_492_791)) as u64;
            h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            h ^= h >> 29;
            (h % 1000) as f64 / 1000.0 < density
        })
    }

    /// The plain definitions the fast versions must match voxel for voxel.
    mod reference {
        use super::super::*;

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

        pub fn labels(mask: &Mask) -> (Array3<u32>, u32) {
            let dim = mask.dim();
            let mut labels = Array3::<u32>::zeros(dim);
            let mut next = 0u32;
            for (start, &on) in mask.indexed_iter() {
                if !on || labels[start] != 0 {
                    continue;
                }
                next += 1;
                labels[start] = next;
                let mut stack = vec![start];
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

        pub fn morph(mask: &Mask, r: usize, grow: bool) -> Mask {
            let mut out = mask.clone();
            for axis in 0..3 {
                let src = out.clone();
                let n = src.len_of(Axis(axis));
                for ((k, j, i), v) in out.indexed_iter_mut() {
                    let x = [k, j, i][axis];
                    let at = |y: usize| {
                        let mut p = [k, j, i];
                        p[axis] = y;
                        src[p]
                    };
                    let (lo, hi) = (x.saturating_sub(r), (x + r).min(n - 1));
                    *v = if grow {
                        (lo..=hi).any(at)
                    } else {
                        x >= r && x + r < n && (lo..=hi).all(at)
                    };
                }
            }
            out
        }

        pub fn fill_holes(mask: &Mask) -> Mask {
            let dim @ (nk, nj, ni) = mask.dim();
            let mut outside = Mask::from_elem(dim, false);
            let mut stack = Vec::new();
            for (p @ (k, j, i), &on) in mask.indexed_iter() {
                let border =
                    k == 0 || j == 0 || i == 0 || k + 1 == nk || j + 1 == nj || i + 1 == ni;
                if border && !on {
                    outside[p] = true;
                    stack.push(p);
                }
            }
            while let Some(p) = stack.pop() {
                for d in neighbours26().filter(|(a, b, c)| a.abs() + b.abs() + c.abs() == 1) {
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
    }

    #[test]
    fn fast_masks_match_the_plain_definitions() {
        for (dim, density) in [
            ((9, 11, 13), 0.1),
            ((17, 6, 23), 0.75),
            ((1, 5, 4), 0.5),
            ((12, 14, 10), 0.3),
            ((8, 9, 30), 0.6),
            ((30, 40, 50), 0.25),
            ((30, 40, 50), 0.55),
        ] {
            let mask = speckle(dim, density);
            // And a transposed copy: not in standard layout.
            let transposed = mask.t().as_standard_layout().to_owned();
            assert!(transposed.t().to_owned().as_slice().is_none());
            for m in [mask.view(), transposed.t()] {
                let m = m.to_owned();
                assert_eq!(label_components(&m), reference::labels(&m));
                assert_eq!(fill_holes(&m), reference::fill_holes(&m));
                for r in 0..4 {
                    for grow in [false, true] {
                        assert_eq!(morph(&m, r, grow), reference::morph(&m, r, grow), "r {r}");
                    }
                }
            }
        }
    }

    #[test]
    fn gaussian_preserves_constants_and_mass_centre() {
        let v = Array3::from_elem((6, 7, 8), 5.0f32);
        let s = gaussian(&v, [1.0, 1.5, 2.0]);
        assert!(s.iter().all(|x| (x - 5.0).abs() < 1e-4));
    }
}
