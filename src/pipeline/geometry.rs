//! Where voxels are in the patient: origin, spacing and direction cosines in patient LPS mm.
//!
//! Index axis 0 runs along a row (the column index, DICOM's row direction cosine), axis 1 down
//! the columns (the row index), axis 2 across slices. `direction` is stored row-major with
//! column k the unit vector of index axis k, as ITK does, so
//! `x_mm = origin + direction · (spacing ⊙ index)`.

use serde::{Deserialize, Serialize};

/// A 3-vector in patient LPS millimetres.
pub type Vec3 = [f64; 3];
/// A 3×3 matrix, row-major.
pub type Mat3 = [[f64; 3]; 3];

/// Patient geometry of a regular voxel grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Geometry {
    /// Patient LPS position (mm) of the centre of voxel (0, 0, 0).
    pub origin: Vec3,
    /// Voxel spacing (mm) along index axes 0, 1, 2.
    pub spacing: Vec3,
    /// Row-major; column k is the unit vector of index axis k in patient LPS.
    pub direction: Mat3,
}

impl Geometry {
    /// Axis-aligned geometry (identity direction).
    pub fn axis_aligned(origin: Vec3, spacing: Vec3) -> Self {
        Self {
            origin,
            spacing,
            direction: IDENTITY,
        }
    }

    /// The unit vector of index axis `k` in patient LPS.
    pub fn axis(&self, k: usize) -> Vec3 {
        let d = &self.direction;
        [d[0][k], d[1][k], d[2][k]]
    }

    /// Patient position (mm) of a continuous index (i, j, k).
    pub fn index_to_mm(&self, index: Vec3) -> Vec3 {
        let scaled = [
            index[0] * self.spacing[0],
            index[1] * self.spacing[1],
            index[2] * self.spacing[2],
        ];
        add(self.origin, mat_vec(&self.direction, scaled))
    }

    /// Continuous index of a patient position (mm). The direction is orthonormal by
    /// construction, so its inverse is its transpose.
    pub fn mm_to_index(&self, mm: Vec3) -> Vec3 {
        let local = mat_t_vec(&self.direction, sub(mm, self.origin));
        [
            local[0] / self.spacing[0],
            local[1] / self.spacing[1],
            local[2] / self.spacing[2],
        ]
    }

    /// Checks that spacing is positive and finite and the direction orthonormal.
    pub fn validate(&self) -> Result<(), GeometryProblem> {
        if self.spacing.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return Err(GeometryProblem::Spacing(self.spacing));
        }
        if self.origin.iter().any(|v| !v.is_finite()) {
            return Err(GeometryProblem::Origin);
        }
        for a in 0..3 {
            for b in a..3 {
                let dot = dot(self.axis(a), self.axis(b));
                let want = if a == b { 1.0 } else { 0.0 };
                if !dot.is_finite() || (dot - want).abs() > 1e-3 {
                    return Err(GeometryProblem::Axes(a, b));
                }
            }
        }
        Ok(())
    }
}

/// Why a [`Geometry`] cannot describe a real grid ([`Geometry::validate`]).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum GeometryProblem {
    /// A spacing that is zero, negative or not finite.
    #[error("voxel spacing {0:?} mm is not positive")]
    Spacing(Vec3),
    /// An origin that is not finite.
    #[error("origin is not finite")]
    Origin,
    /// Two direction axes (indices) that are not unit length or not orthogonal.
    #[error("direction axes {0} and {1} are not orthonormal")]
    Axes(usize, usize),
}

/// The identity matrix.
pub const IDENTITY: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

pub fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub fn scale(a: Vec3, s: f64) -> Vec3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

pub fn norm(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}

/// `a` scaled to unit length, or `None` when it has (almost) no length.
pub fn normalized(a: Vec3) -> Option<Vec3> {
    let n = norm(a);
    (n.is_finite() && n > 1e-6).then(|| scale(a, 1.0 / n))
}

pub fn mat_vec(m: &Mat3, v: Vec3) -> Vec3 {
    [dot(m[0], v), dot(m[1], v), dot(m[2], v)]
}

/// `mᵀ · v`.
pub fn mat_t_vec(m: &Mat3, v: Vec3) -> Vec3 {
    [
        m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2],
        m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2],
        m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2],
    ]
}

/// Matrix whose columns are `c0`, `c1`, `c2`.
pub fn from_columns(c0: Vec3, c1: Vec3, c2: Vec3) -> Mat3 {
    [
        [c0[0], c1[0], c2[0]],
        [c0[1], c1[1], c2[1]],
        [c0[2], c1[2], c2[2]],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oblique() -> Geometry {
        let (s, c) = 0.3f64.sin_cos();
        Geometry {
            origin: [10.0, -20.0, 30.0],
            spacing: [0.9, 0.8, 1.5],
            direction: from_columns([c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]),
        }
    }

    #[test]
    fn index_mm_round_trip() {
        let g = oblique();
        let idx = [3.5, 7.0, 2.25];
        let back = g.mm_to_index(g.index_to_mm(idx));
        for a in 0..3 {
            assert!((back[a] - idx[a]).abs() < 1e-9, "{back:?}");
        }
        assert_eq!(g.index_to_mm([0.0; 3]), g.origin);
    }

    #[test]
    fn validate_rejects_bad_spacing_and_axes() {
        assert!(oblique().validate().is_ok());
        let mut g = oblique();
        g.spacing[2] = 0.0;
        assert_eq!(g.validate(), Err(GeometryProblem::Spacing(g.spacing)));
        assert!(g.validate().unwrap_err().to_string().contains("spacing"));
        let mut g = oblique();
        g.direction = from_columns([1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]);
        assert_eq!(g.validate(), Err(GeometryProblem::Axes(0, 1)));
        assert!(
            g.validate()
                .unwrap_err()
                .to_string()
                .contains("orthonormal")
        );
    }
}
