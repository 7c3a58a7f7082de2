//! Rigid registration of the follow-up onto the baseline, in patient mm.
//!
//! Multi-resolution (block-averaged pyramid, coarse to fine), initialised by matching the
//! centres of mass, then a robust Gauss–Newton / Levenberg–Marquardt fit of 6 parameters
//! (rotation about the current centre, translation). The intensity model is linear
//! (`baseline ≈ a · follow-up + b`, refitted each iteration), so gain and offset differences
//! between exams do not matter, and residuals are Huber-weighted, so changed tissue (new
//! lesions) does not pull the fit. Sums over samples run in parallel with rayon.
//!
//! Convention: `x_followup = R · x_baseline + t`, as ITK with fixed = baseline.

use ndarray::{Array3, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pipeline::geometry::{Vec3, add, cross, mat_vec, norm, scale, sub};
use crate::pipeline::resample::{Corners, downsample};
use crate::pipeline::transform::{RigidTransform, mat_mul};
use crate::pipeline::volume::Volume;
use crate::progress::Progress;

/// Knobs of the registration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationSettings {
    /// Voxel size (mm) of each pyramid level, coarse to fine (each exam is block-averaged by the
    /// whole number of its voxels nearest to it, at least 1). The finest is 1 mm: sub-millimetre
    /// grids add time, not accuracy, to a rigid fit.
    pub levels_mm: Vec<f64>,
    /// Gauss–Newton iterations per level at most.
    pub max_iterations: usize,
    /// Only every n-th voxel (per axis) of the finest level is used as a sample.
    pub finest_stride: usize,
}

impl Default for RegistrationSettings {
    fn default() -> Self {
        Self {
            levels_mm: vec![6.0, 3.0, 1.0],
            max_iterations: 40,
            finest_stride: 2,
        }
    }
}

/// What registration found, and how much to trust it.
#[derive(Debug, Clone, Serialize)]
pub struct Registration {
    /// `x_followup = matrix · x_baseline + offset_mm`.
    pub transform: RigidTransform,
    /// Pearson correlation of baseline and registered follow-up over the head, at the finest
    /// level (1 is perfect; same-sequence pairs reach 0.9 and more).
    pub correlation: f64,
    /// Fraction of baseline head samples that the follow-up covers.
    pub overlap: f64,
    /// Rotation angle (degrees) and translation length (mm) of the transform.
    pub rotation_deg: f64,
    pub translation_mm: f64,
    pub iterations: usize,
    /// Empty when the result looks reliable.
    pub warnings: Vec<String>,
}

/// One fixed-image sample: position (mm) and value.
#[derive(Debug, Clone, Copy)]
struct Sample {
    mm: Vec3,
    value: f32,
}

/// The moving image at one level, with its intensity gradient (index space).
struct MovingLevel {
    /// Array dimensions `(slices, rows, columns)`.
    dim: (usize, usize, usize),
    origin: Vec3,
    /// Value and index-space gradient of each voxel, side by side in memory order: every
    /// sample reads all four at the same eight corners, so they share their cache lines and
    /// the corners are found once.
    channels: Vec<[f32; 4]>,
    /// `∂ index / ∂ mm` rows, and the index of the origin: `idx = to_index · (y - origin)`.
    to_index: [[f64; 3]; 3],
    /// `∂ mm / ∂ index` scaled: converts an index-space gradient to mm.
    grad_to_mm: [[f64; 3]; 3],
}

impl MovingLevel {
    fn new(volume: &Volume) -> Self {
        let g = *volume.geometry();
        let mut to_index = [[0.0; 3]; 3];
        let mut grad_to_mm = [[0.0; 3]; 3];
        for a in 0..3 {
            for b in 0..3 {
                // idx_a = Σ_b D[b][a] (y_b - o_b) / s_a
                to_index[a][b] = g.direction[b][a] / g.spacing[a];
                // ∇_mm M = D · diag(1/s) · ∇_idx M
                grad_to_mm[a][b] = g.direction[a][b] / g.spacing[b];
            }
        }
        let channels = with_gradient(volume.voxels());
        Self {
            dim: volume.voxels().dim(),
            origin: g.origin,
            channels,
            to_index,
            grad_to_mm,
        }
    }

    /// Value and mm-gradient at patient position `y`, or `None` outside.
    #[inline]
    fn sample(&self, y: Vec3) -> Option<(f32, Vec3)> {
        let idx = mat_vec(&self.to_index, sub(y, self.origin));
        let [value, g0, g1, g2] =
            Corners::at(self.dim, idx[0], idx[1], idx[2])?.interpolate4(&self.channels);
        let g_idx = [f64::from(g0), f64::from(g1), f64::from(g2)];
        Some((value, mat_vec(&self.grad_to_mm, g_idx)))
    }
}

/// Each voxel's value and central differences along index axes 0 (columns), 1 (rows) and
/// 2 (slices), one-sided at the grid's faces, 0 along an axis one voxel long.
fn with_gradient(v: &Array3<f32>) -> Vec<[f32; 4]> {
    let (nk, nj, ni) = v.dim();
    let values = v.as_standard_layout();
    let values = values.as_slice().unwrap_or(&[]);
    let mut out = vec![[0.0f32; 4]; values.len()];
    // Distance in voxels between the two neighbours differenced at `pos` on an axis of `n`
    // (2 inside, 1 at a face, 0 when the axis is one voxel long), and their offsets.
    let span = |pos: usize, n: usize, stride: usize| {
        let lo = pos.saturating_sub(1);
        let hi = (pos + 1).min(n - 1);
        let steps = (pos.min(1) + usize::from(pos + 1 < n)) as f32;
        (steps, (hi - pos) * stride, (pos - lo) * stride)
    };
    out.par_chunks_mut(nj * ni)
        .enumerate()
        .for_each(|(k, plane)| {
            let (sk, up_k, down_k) = span(k, nk, nj * ni);
            for (j, row) in plane.chunks_mut(ni).enumerate() {
                let (sj, up_j, down_j) = span(j, nj, ni);
                for (i, voxel) in row.iter_mut().enumerate() {
                    let (si, up_i, down_i) = span(i, ni, 1);
                    let p = (k * nj + j) * ni + i;
                    let at = |q: usize| values.get(q).copied().unwrap_or(0.0);
                    let diff = |steps: f32, up: usize, down: usize| {
                        if steps > 0.0 {
                            (at(p + up) - at(p - down)) / steps
                        } else {
                            0.0
                        }
                    };
                    *voxel = [
                        at(p),
                        diff(si, up_i, down_i),
                        diff(sj, up_j, down_j),
                        diff(sk, up_k, down_k),
                    ];
                }
            }
        });
    out
}

/// Mean of all voxels: between air and tissue in a head volume, a usable foreground cut.
fn foreground_threshold(v: &Volume) -> f32 {
    v.stats().mean as f32
}

/// Intensity-weighted centre (mm) of the voxels above `threshold`.
fn centre_of_mass(v: &Volume, threshold: f32) -> Option<Vec3> {
    let g = v.geometry();
    // Per-slice sums, added in slice order: the same centre whatever the threads do.
    let slices: Vec<(Vec3, f64)> = v
        .voxels()
        .axis_iter(Axis(0))
        .into_par_iter()
        .enumerate()
        .map(|(k, plane)| {
            let mut sum = [0.0f64; 3];
            let mut weight = 0.0f64;
            for ((j, i), value) in plane.indexed_iter() {
                if *value > threshold {
                    let w = f64::from(*value);
                    let p = g.index_to_mm([i as f64, j as f64, k as f64]);
                    sum = add(sum, scale(p, w));
                    weight += w;
                }
            }
            (sum, weight)
        })
        .collect();
    let (sum, weight) = slices
        .into_iter()
        .fold(([0.0; 3], 0.0), |a, b| (add(a.0, b.0), a.1 + b.1));
    (weight > 0.0).then(|| scale(sum, 1.0 / weight))
}

/// Fixed samples above the threshold, every `stride`-th voxel per axis.
fn fixed_samples(v: &Volume, threshold: f32, stride: usize) -> Vec<Sample> {
    let g = *v.geometry();
    let stride = stride.max(1);
    v.voxels()
        .axis_iter(Axis(0))
        .into_par_iter()
        .enumerate()
        .filter(|(k, _)| k % stride == 0)
        .flat_map_iter(|(k, plane)| {
            plane
                .indexed_iter()
                .filter(move |((j, i), value)| {
                    j % stride == 0 && i % stride == 0 && **value > threshold
                })
                .map(move |((j, i), value)| Sample {
                    mm: g.index_to_mm([i as f64, j as f64, k as f64]),
                    value: *value,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Rotation matrix of the rotation vector `w` (Rodrigues).
fn rotation_from_vector(w: Vec3) -> [[f64; 3]; 3] {
    let theta = norm(w);
    if theta < 1e-12 {
        return crate::pipeline::geometry::IDENTITY;
    }
    let k = scale(w, 1.0 / theta);
    let (s, c) = theta.sin_cos();
    let t = 1.0 - c;
    [
        [
            c + k[0] * k[0] * t,
            k[0] * k[1] * t - k[2] * s,
            k[0] * k[2] * t + k[1] * s,
        ],
        [
            k[1] * k[0] * t + k[2] * s,
            c + k[1] * k[1] * t,
            k[1] * k[2] * t - k[0] * s,
        ],
        [
            k[2] * k[0] * t - k[1] * s,
            k[2] * k[1] * t + k[0] * s,
            c + k[2] * k[2] * t,
        ],
    ]
}

/// Rotation angle of a rotation matrix, degrees.
pub fn rotation_angle_deg(m: &[[f64; 3]; 3]) -> f64 {
    let trace = m[0][0] + m[1][1] + m[2][2];
    ((trace - 1.0) / 2.0).clamp(-1.0, 1.0).acos().to_degrees()
}

/// Huber weight for a residual scaled by the robust spread.
#[inline]
fn huber(u: f64) -> f64 {
    const K: f64 = 1.345;
    if u.abs() <= K { 1.0 } else { K / u.abs() }
}

/// Sums of one pass over the samples.
#[derive(Debug, Clone, Copy, Default)]
struct Normal {
    h: [[f64; 6]; 6],
    g: [f64; 6],
    cost: f64,
    count: f64,
}

impl Normal {
    fn merge(mut self, other: Self) -> Self {
        for r in 0..6 {
            for c in 0..6 {
                self.h[r][c] += other.h[r][c];
            }
            self.g[r] += other.g[r];
        }
        self.cost += other.cost;
        self.count += other.count;
        self
    }
}

/// Linear intensity fit and robust spread for the current transform.
#[derive(Debug, Clone, Copy)]
struct IntensityModel {
    gain: f64,
    offset: f64,
    sigma: f64,
}

/// Registers `moving` (follow-up) onto `fixed` (baseline).
pub fn register_rigid(
    fixed: &Volume,
    moving: &Volume,
    settings: &RegistrationSettings,
    progress: &Progress,
) -> Result<Registration> {
    let fixed_threshold = foreground_threshold(fixed);
    let moving_threshold = foreground_threshold(moving);
    let (Some(com_fixed), Some(com_moving)) = (
        centre_of_mass(fixed, fixed_threshold),
        centre_of_mass(moving, moving_threshold),
    ) else {
        return Err(Error::Geometry {
            subject: "registration".into(),
            problem: "an exam has no foreground (empty or constant image)".into(),
        });
    };
    let mut transform = RigidTransform {
        matrix: crate::pipeline::geometry::IDENTITY,
        offset_mm: sub(com_moving, com_fixed),
    };
    progress.add_total(settings.levels_mm.len());
    let mut iterations = 0;
    let mut last = None;
    let fixed_spacing = fixed.geometry().spacing;
    let moving_spacing = moving.geometry().spacing;
    for (level, &target_mm) in settings.levels_mm.iter().enumerate() {
        progress.check()?;
        let finest = level + 1 == settings.levels_mm.len();
        let factor = |spacing: Vec3| spacing.map(|s| ((target_mm / s).round() as usize).max(1));
        let fixed_level = downsample(fixed, factor(fixed_spacing))?;
        let moving_level = MovingLevel::new(&downsample(moving, factor(moving_spacing))?);
        let stride = if finest { settings.finest_stride } else { 1 };
        let samples = fixed_samples(&fixed_level, fixed_threshold, stride);
        if samples.len() < 100 {
            return Err(Error::Geometry {
                subject: "registration".into(),
                problem: format!(
                    "too few foreground samples ({}) at {target_mm} mm",
                    samples.len()
                ),
            });
        }
        let (t, n, model) = fit_level(
            &samples,
            &moving_level,
            transform,
            settings.max_iterations,
            progress,
        )?;
        transform = t;
        iterations += n;
        last = Some((samples, moving_level, model));
        progress.advance(1);
    }
    let Some((samples, moving_level, _)) = last else {
        return Err(Error::Geometry {
            subject: "registration".into(),
            problem: "no pyramid levels".into(),
        });
    };
    let (correlation, overlap) = quality(&samples, &moving_level, &transform);
    let rotation_deg = rotation_angle_deg(&transform.matrix);
    let translation_mm = norm(transform.offset_mm);
    let mut warnings = Vec::new();
    if correlation < 0.75 {
        warnings.push(format!(
            "registration looks unreliable: correlation {correlation:.2} after alignment"
        ));
    }
    if overlap < 0.7 {
        warnings.push(format!(
            "the follow-up covers only {:.0}% of the baseline head",
            overlap * 100.0
        ));
    }
    if rotation_deg > 25.0 {
        warnings.push(format!(
            "large rotation between exams ({rotation_deg:.1}°): check alignment"
        ));
    }
    Ok(Registration {
        transform,
        correlation,
        overlap,
        rotation_deg,
        translation_mm,
        iterations,
        warnings,
    })
}

/// Gauss–Newton with Levenberg–Marquardt damping at one pyramid level.
fn fit_level(
    samples: &[Sample],
    moving: &MovingLevel,
    mut transform: RigidTransform,
    max_iterations: usize,
    progress: &Progress,
) -> Result<(RigidTransform, usize, IntensityModel)> {
    let centroid = centroid(samples);
    // Each transform's samples are read once and kept: the intensity fit, the trial step and,
    // when the step is taken, the next normal equations all read the same values.
    let mut seen = sample_moving(samples, moving, &transform);
    let mut model = intensity_model(samples, &seen, None);
    let mut lambda = 1e-3;
    let mut iterations = 0;
    let mut current = accumulate(samples, &seen, &transform, centroid, &model);
    while iterations < max_iterations {
        progress.check()?;
        iterations += 1;
        let centre = transform.apply(centroid);
        let Some(delta) = solve6(&current.h, &current.g, lambda) else {
            break;
        };
        let candidate = apply_update(&transform, delta, centre);
        let candidate_seen = sample_moving(samples, moving, &candidate);
        let refit = intensity_model(samples, &candidate_seen, Some(&model));
        // Judge the step with the current robust scale: costs in different units would let a
        // worse fit look better.
        let judged = IntensityModel {
            sigma: model.sigma,
            ..refit
        };
        let trial = accumulate(samples, &candidate_seen, &candidate, centroid, &judged);
        let improved =
            trial.count > 0.0 && trial.cost / trial.count <= current.cost / current.count.max(1.0);
        if improved {
            transform = candidate;
            seen = candidate_seen;
            model = refit;
            current = accumulate(samples, &seen, &transform, centroid, &model);
            lambda = (lambda * 0.3).max(1e-7);
            let step =
                norm([delta[0], delta[1], delta[2]]) * 100.0 + norm([delta[3], delta[4], delta[5]]);
            if step < 1e-4 {
                break;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e4 {
                break;
            }
        }
    }
    Ok((transform, iterations, model))
}

fn centroid(samples: &[Sample]) -> Vec3 {
    let sum = samples.iter().fold([0.0; 3], |acc, s| add(acc, s.mm));
    scale(sum, 1.0 / samples.len().max(1) as f64)
}

/// `T_new(x) = R_δ (T(x) − c) + c + δt`.
fn apply_update(t: &RigidTransform, delta: [f64; 6], centre: Vec3) -> RigidTransform {
    let r = rotation_from_vector([delta[0], delta[1], delta[2]]);
    RigidTransform {
        matrix: mat_mul(&r, &t.matrix),
        offset_mm: add(
            add(mat_vec(&r, sub(t.offset_mm, centre)), centre),
            [delta[3], delta[4], delta[5]],
        ),
    }
}

/// Weighted least-squares fit of `fixed ≈ gain · moving + offset`, and the robust spread.
fn intensity_model(
    samples: &[Sample],
    seen: &[Seen],
    previous: Option<&IntensityModel>,
) -> IntensityModel {
    let pairs = value_pairs(samples, seen);
    let fit = |weights: &dyn Fn(f64, f64) -> f64| {
        let (mut sw, mut sm, mut sf, mut smm, mut smf) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(m, f) in &pairs {
            let w = weights(m, f);
            sw += w;
            sm += w * m;
            sf += w * f;
            smm += w * m * m;
            smf += w * m * f;
        }
        let var = smm * sw - sm * sm;
        if sw <= 0.0 || var.abs() < 1e-12 {
            return (1.0, 0.0);
        }
        let gain = (smf * sw - sm * sf) / var;
        (gain, (sf - gain * sm) / sw)
    };
    // Plain least squares first; with a previous model, Huber-weighted by its residuals so
    // changed tissue does not bend the intensity fit.
    let (gain, offset) = match previous {
        Some(p) => fit(&|m, f| huber((p.gain * m + p.offset - f) / p.sigma)),
        None => fit(&|_, _| 1.0),
    };
    let mut residuals: Vec<f64> = pairs
        .iter()
        .map(|(m, f)| (gain * m + offset - f).abs())
        .collect();
    let mid = residuals.len() / 2;
    let sigma = if residuals.is_empty() {
        1.0
    } else {
        let (_, median, _) = residuals.select_nth_unstable_by(mid, f64::total_cmp);
        (*median * 1.4826).max(1e-6)
    };
    IntensityModel {
        gain,
        offset,
        sigma,
    }
}

/// Samples per parallel task of `accumulate`: fixed, so the sums are added in the same order
/// whatever the number of threads and however the tasks are stolen (the fit is reproducible
/// to the last bit).
const CHUNK: usize = 4096;

/// Normal equations of the robust Gauss–Newton step, and the robust cost, for the samples
/// `seen` through `transform`.
fn accumulate(
    samples: &[Sample],
    seen: &[Seen],
    transform: &RigidTransform,
    centroid: Vec3,
    model: &IntensityModel,
) -> Normal {
    let centre = transform.apply(centroid);
    let partial: Vec<Normal> = samples
        .par_chunks(CHUNK)
        .zip(seen.par_chunks(CHUNK))
        .map(|(samples, seen)| {
            let mut acc = Normal::default();
            for (s, seen) in samples.iter().zip(seen) {
                let Some((m, grad)) = *seen else {
                    continue;
                };
                let y = transform.apply(s.mm);
                let r = model.gain * f64::from(m) + model.offset - f64::from(s.value);
                let u = r / model.sigma;
                let w = huber(u);
                let g = scale(grad, model.gain);
                let rot = cross(sub(y, centre), g);
                let j = [rot[0], rot[1], rot[2], g[0], g[1], g[2]];
                for a in 0..6 {
                    for b in a..6 {
                        acc.h[a][b] += w * j[a] * j[b];
                    }
                    acc.g[a] += w * j[a] * r;
                }
                // Huber's ρ, in units of sigma².
                acc.cost += if u.abs() <= 1.345 {
                    0.5 * u * u
                } else {
                    1.345 * u.abs() - 0.5 * 1.345 * 1.345
                };
                acc.count += 1.0;
            }
            acc
        })
        .collect();
    partial.into_iter().fold(Normal::default(), Normal::merge)
}

/// Solves `(H + λ diag H) δ = −g` (H symmetric, upper triangle filled).
fn solve6(h: &[[f64; 6]; 6], g: &[f64; 6], lambda: f64) -> Option<[f64; 6]> {
    let mut a = [[0.0f64; 7]; 6];
    for r in 0..6 {
        for c in 0..6 {
            a[r][c] = if c >= r { h[r][c] } else { h[c][r] };
        }
        a[r][r] *= 1.0 + lambda;
        a[r][6] = -g[r];
    }
    for col in 0..6 {
        let pivot = (col..6).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-18 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (row, values) in a.iter_mut().enumerate() {
            if row != col {
                let f = values[col] / pivot_row[col];
                for (v, p) in values.iter_mut().zip(pivot_row.iter()).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    let mut x = [0.0; 6];
    for (r, (xr, row)) in x.iter_mut().zip(a.iter()).enumerate() {
        *xr = row[6] / row[r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The moving image's value and mm-gradient at one sample mapped through a transform, `None`
/// where the sample falls outside it.
type Seen = Option<(f32, Vec3)>;

/// The moving image at every sample mapped through `transform`, in sample order.
fn sample_moving(
    samples: &[Sample],
    moving: &MovingLevel,
    transform: &RigidTransform,
) -> Vec<Seen> {
    samples
        .par_iter()
        .map(|s| moving.sample(transform.apply(s.mm)))
        .collect()
}

/// (moving, fixed) values at every sample the transformed moving image covers.
fn value_pairs(samples: &[Sample], seen: &[Seen]) -> Vec<(f64, f64)> {
    samples
        .iter()
        .zip(seen)
        .filter_map(|(s, seen)| seen.map(|(m, _)| (f64::from(m), f64::from(s.value))))
        .collect()
}

/// Correlation of fixed and transformed moving values, and the covered fraction.
fn quality(samples: &[Sample], moving: &MovingLevel, transform: &RigidTransform) -> (f64, f64) {
    let pairs = value_pairs(samples, &sample_moving(samples, moving, transform));
    let n = pairs.len() as f64;
    if n < 2.0 {
        return (0.0, 0.0);
    }
    let (mm, mf) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (m, f)| (a + m / n, b + f / n));
    let (mut smf, mut smm, mut sff) = (0.0, 0.0, 0.0);
    for (m, f) in &pairs {
        smf += (m - mm) * (f - mf);
        smm += (m - mm) * (m - mm);
        sff += (f - mf) * (f - mf);
    }
    let correlation = smf / (smm * sff).sqrt().max(1e-12);
    (correlation, n / samples.len() as f64)
}

/// Mean displacement (mm) between two transforms over points: the accuracy measure.
pub fn mean_displacement(a: &RigidTransform, b: &RigidTransform, points: &[Vec3]) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    points
        .iter()
        .map(|p| norm(sub(a.apply(*p), b.apply(*p))))
        .sum::<f64>()
        / points.len() as f64
}

/// Correlation and overlap of `fixed` with `moving` mapped through `transform`, over the
/// fixed head (a quality figure for any transform, e.g. a saved one).
pub fn alignment_quality(
    fixed: &Volume,
    moving: &Volume,
    transform: &RigidTransform,
) -> (f64, f64) {
    let samples = fixed_samples(fixed, foreground_threshold(fixed), 2);
    quality(&samples, &MovingLevel::new(moving), transform)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_is_central_inside_and_one_sided_at_faces() {
        for (nk, nj, ni) in [(4, 5, 6), (1, 3, 7), (3, 1, 2)] {
            let v = Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| {
                ((k * 31 + j * 7 + i * 3) as f32 * 0.77).sin() * 100.0
            });
            let channels = with_gradient(&v);
            // The plain definition, axis by axis.
            let diff = |p: [usize; 3], axis: usize| {
                let n = [nk, nj, ni][axis];
                let x = p[axis];
                let (lo, hi) = (x.saturating_sub(1), (x + 1).min(n - 1));
                if hi == lo {
                    return 0.0;
                }
                let (mut a, mut b) = (p, p);
                a[axis] = hi;
                b[axis] = lo;
                (v[a] - v[b]) / (hi - lo) as f32
            };
            for ((k, j, i), value) in v.indexed_iter() {
                let got = channels[(k * nj + j) * ni + i];
                let p = [k, j, i];
                let want = [*value, diff(p, 2), diff(p, 1), diff(p, 0)];
                assert_eq!(got.map(f32::to_bits), want.map(f32::to_bits), "{p:?}");
            }
        }
    }
}
