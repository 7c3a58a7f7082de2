//! Rigid transforms in patient LPS mm: `x' = R · x + t`.
//!
//! Registration reports the follow-up as `x_followup = R · x_baseline + t` (ITK's convention
//! with fixed = baseline, moving = follow-up).

use serde::{Deserialize, Serialize};

use crate::pipeline::geometry::{IDENTITY, Mat3, Vec3, add, mat_t_vec, mat_vec, scale};

/// A rotation plus a translation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RigidTransform {
    /// Row-major rotation matrix.
    pub matrix: Mat3,
    /// Translation in mm.
    pub offset_mm: Vec3,
}

impl RigidTransform {
    pub const IDENTITY: Self = Self {
        matrix: IDENTITY,
        offset_mm: [0.0; 3],
    };

    /// Rotation about x, then y, then z (angles in degrees, `R = Rz · Ry · Rx`), then `t`.
    pub fn from_euler_deg(angles: Vec3, offset_mm: Vec3) -> Self {
        let [ax, ay, az] = angles.map(f64::to_radians);
        let (sx, cx) = ax.sin_cos();
        let (sy, cy) = ay.sin_cos();
        let (sz, cz) = az.sin_cos();
        let rx = [[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]];
        let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
        let rz = [[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]];
        Self {
            matrix: mat_mul(&rz, &mat_mul(&ry, &rx)),
            offset_mm,
        }
    }

    pub fn apply(&self, x: Vec3) -> Vec3 {
        add(mat_vec(&self.matrix, x), self.offset_mm)
    }

    /// The inverse transform (`Rᵀ`, `-Rᵀ t`).
    pub fn inverse(&self) -> Self {
        let matrix = transpose(&self.matrix);
        Self {
            matrix,
            offset_mm: scale(mat_t_vec(&self.matrix, self.offset_mm), -1.0),
        }
    }

    /// `self ∘ other`: apply `other` first.
    pub fn then_after(&self, other: &Self) -> Self {
        Self {
            matrix: mat_mul(&self.matrix, &other.matrix),
            offset_mm: self.apply(other.offset_mm),
        }
    }
}

pub fn mat_mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut out = [[0.0; 3]; 3];
    for (r, row) in out.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            *cell = (0..3).map(|k| a[r][k] * b[k][c]).sum();
        }
    }
    out
}

pub fn transpose(m: &Mat3) -> Mat3 {
    [
        [m[0][0], m[1][0], m[2][0]],
        [m[0][1], m[1][1], m[2][1]],
        [m[0][2], m[1][2], m[2][2]],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_and_composition() {
        let t = RigidTransform::from_euler_deg([3.0, -2.0, 5.0], [1.0, -4.0, 6.0]);
        let x = [10.0, 20.0, -30.0];
        let back = t.inverse().apply(t.apply(x));
        for a in 0..3 {
            assert!((back[a] - x[a]).abs() < 1e-9);
        }
        let u = RigidTransform::from_euler_deg([0.0, 10.0, 0.0], [0.0, 0.0, 2.0]);
        let composed = t.then_after(&u).apply(x);
        let stepwise = t.apply(u.apply(x));
        for a in 0..3 {
            assert!((composed[a] - stepwise[a]).abs() < 1e-9);
        }
        // A pure z rotation by 90° sends x to y.
        let r = RigidTransform::from_euler_deg([0.0, 0.0, 90.0], [0.0; 3]).apply([1.0, 0.0, 0.0]);
        assert!((r[1] - 1.0).abs() < 1e-12 && r[0].abs() < 1e-12);
    }
}
